/**
 * Generated Debian security tracker data of the real file's scale, in the real shape
 * (drivers/debian/tracker.ts): `{source: {CVE: {description, scope, debianbug, releases: {codename:
 * {status, repositories, fixed_version, urgency, nodsa, nodsa_reason}}}}}`, ~35,000 sources and
 * ~70 MB like https://security-tracker.debian.org/tracker/data/json, with its heavy tail (a few
 * sources, `linux` first, hold thousands of issues each), TEMP- ids, `**` urgencies, `"0"` fixes,
 * no-DSA reasons and releases a source does not reach; plus DSA/DLA lists naming some of the fixes.
 * Deterministic (a seeded generator): the same arguments give the same bytes.
 *
 * The first sources are the given ones (this machine's dpkg sources, at versions around the
 * installed ones), so a scan of this machine finds real rows.
 */
import fs from 'node:fs';

export const CODENAMES = ['bookworm', 'bullseye', 'buster', 'forky', 'sid', 'trixie'] as const;
const SECURITY: Record<string, string> = { bookworm: 'deb12u', bullseye: 'deb11u', buster: 'deb10u', trixie: 'deb13u', forky: 'deb14u', sid: '' };
const URGENCY = ['unimportant', 'low', 'medium', 'high', 'not yet assigned', 'low**', 'medium**', 'high**', 'end-of-life'];
const WORDS = 'a flaw was found in the parser of which allows remote attackers to cause a denial of service crash or possibly execute arbitrary code via crafted input file when processing malformed data buffer overflow use after free integer heap memory corruption local users privilege escalation'.split(' ');

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenOptions {
  sources: number;
  /** Sources (name → installed source version) to put first, at versions around these. */
  known?: ReadonlyMap<string, string>;
  /** Every `changeEvery`-th source gets one release entry changed (1% = 100); 0: none. */
  changeEvery?: number;
  seed?: number;
}

export interface GenResult {
  bytes: number;
  sources: number;
  issues: number;
  entries: number;
  /** (codename, source, id, version) of fixes, for the advisory lists. */
  fixes: [string, string, string, string][];
}

/** Writes the tracker JSON to `file`. */
export function writeTracker(file: string, options: GenOptions): GenResult {
  const r = rng(options.seed ?? 12);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const out = fs.openSync(file, 'w');
  let buf: string[] = [];
  let pending = 0;
  let bytes = 0;
  const write = (s: string): void => {
    buf.push(s);
    pending += s.length;
    if (pending > 1 << 20) flush();
  };
  const flush = (): void => {
    const b = Buffer.from(buf.join(''));
    fs.writeSync(out, b);
    bytes += b.length;
    buf = [];
    pending = 0;
  };
  const known = [...(options.known ?? new Map<string, string>())];
  const res: GenResult = { bytes: 0, sources: 0, issues: 0, entries: 0, fixes: [] };
  // The tail: linux-like sources with thousands of issues.
  const heavy = new Map([[0, 9000], [1, 2600], [2, 1500], [3, 1200], [4, 900], [5, 700]]);
  const names: string[] = [...known.map(([n]) => n), 'linux', 'chromium', 'firefox-esr', 'thunderbird', 'imagemagick', 'tcpdf'];
  for (let i = names.length; i < options.sources; i++) names.push(`src-${i.toString(36)}-${pick(['lib', 'python3', 'golang', 'node', 'ruby', 'php', 'perl'])}`);
  names.length = options.sources;
  write('{');
  for (const [s, name] of names.entries()) {
    const base = known[s]?.[1] ?? `${1 + Math.floor(r() * 9)}.${Math.floor(r() * 20)}.${Math.floor(r() * 9)}-${1 + Math.floor(r() * 4)}`;
    const h = s - known.length;
    const count = heavy.get(h) ?? (1 + Math.floor(r() * r() * 5.2));
    const issues: Record<string, unknown> = {};
    const changed = options.changeEvery ? s % options.changeEvery === 0 : false;
    for (let k = 0; k < count; k++) {
      const id = r() < 0.03 ? `TEMP-${String(Math.floor(r() * 1e6)).padStart(7, '0')}-${Math.floor(r() * 0xffffff).toString(16).toUpperCase().padStart(6, '0')}` : `CVE-${1999 + Math.floor(r() * 27)}-${1000 + Math.floor(r() * 60000)}`;
      const releases: Record<string, unknown> = {};
      for (const c of CODENAMES) {
        if (r() < 0.12) continue;
        const u = pick(URGENCY);
        const st = r();
        const repo = { [c]: base, ...(SECURITY[c] && r() < 0.3 ? { [`${c}-security`]: `${base}+${SECURITY[c]}1` } : {}) };
        let e: Record<string, unknown>;
        if (st < 0.62) {
          const fixed = r() < 0.25 ? '0' : r() < 0.5 ? `${base}+${SECURITY[c] || 'b'}${1 + Math.floor(r() * 3)}` : base.replace(/-(\d+)$/, (_m, d: string) => `-${Math.max(0, Number(d) - 1)}`);
          e = { status: 'resolved', repositories: repo, fixed_version: fixed, urgency: u };
          if (fixed !== '0' && c !== 'sid' && res.fixes.length < 60000 && r() < 0.2) res.fixes.push([c, name, id, fixed]);
        } else if (st < 0.93) {
          e = { status: 'open', repositories: repo, urgency: u };
          if (r() < 0.5) Object.assign(e, { nodsa: pick(['Minor issue', 'Minor issue; can be fixed via point release', '']), nodsa_reason: pick(['', 'ignored', 'postponed']) });
          if (r() < 0.02) e['next_point_update'] = true;
        } else {
          e = { status: 'undetermined', repositories: repo, urgency: 'not yet assigned' };
        }
        releases[c] = e;
        res.entries++;
      }
      if (changed && k === 0) {
        const c = Object.keys(releases)[0];
        if (c) releases[c] = { status: 'resolved', repositories: { [c]: base }, fixed_version: `${base}+changed1`, urgency: 'high' };
      }
      const description = Array.from({ length: 12 + Math.floor(r() * 30) }, () => pick(WORDS)).join(' ');
      issues[id] = { description, scope: r() < 0.5 ? 'remote' : 'local', ...(r() < 0.6 ? { debianbug: 900000 + Math.floor(r() * 200000) } : {}), releases };
      res.issues++;
    }
    write(`${s === 0 ? '' : ','}${JSON.stringify(name)}:${JSON.stringify(issues)}`);
    res.sources++;
  }
  write('}');
  flush();
  fs.closeSync(out);
  res.bytes = bytes;
  return res;
}

/** Writes DSA and DLA lists (the tracker's format) naming `fixes`: stable releases in DSAs, buster (LTS) in DLAs. */
export function writeLists(dsaFile: string, dlaFile: string, fixes: GenResult['fixes']): void {
  const dsa: string[] = [];
  const dla: string[] = [];
  let n = 0;
  for (const [codename, source, id, version] of fixes) {
    n++;
    const lts = codename === 'buster';
    const block = `[01 Jan 2025] ${lts ? 'DLA' : 'DSA'}-${10000 + n}-1 ${source} - security update\n\t{${id}}\n\t[${codename}] - ${source} ${version}\n`;
    (lts ? dla : dsa).push(block);
  }
  fs.writeFileSync(dsaFile, dsa.reverse().join(''));
  fs.writeFileSync(dlaFile, dla.reverse().join(''));
}
