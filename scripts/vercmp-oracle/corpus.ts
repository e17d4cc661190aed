/**
 * Version strings for the differential check (scripts/vercmp-oracle.ts): real ones harvested from
 * ../shared/realdata and ../shared/vercmp, plus mutated odd ones (spaces, non-ASCII letters and
 * digits, punctuation, empty parts, epochs), paired deterministically from a seed.
 *
 * Harvesting reads only what each scheme's data holds: Alpine secdb fixed versions (apk), the
 * Debian tracker's DSA/DLA lists and JSON slice (dpkg), Red Hat OVAL `evr` strings and VEX product
 * ids (rpm), OSV files (go, crates, pep440), RubySec advisories (gem), Node.js security-wg ranges
 * (semver), and every field of the scheme's vector files.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** A small seeded PRNG (mulberry32): the same seed gives the same pairs on every machine. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

/** Lists files under dir (recursively) whose name ends with one of the suffixes, sorted. */
function files(dir: string, suffixes: readonly string[], limit = Infinity): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (!fs.existsSync(d) || out.length >= limit) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((x, y) => (x.name < y.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (suffixes.some((s) => e.name.endsWith(s)) && out.length < limit) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function read(file: string): string {
  const buf = fs.readFileSync(file);
  return (file.endsWith('.gz') ? zlib.gunzipSync(buf) : buf).toString('utf8');
}

/** Every capture group 1 of `re` over the text. */
function grab(text: string, re: RegExp, into: Set<string>): void {
  for (const m of text.matchAll(re)) if (m[1] !== undefined && m[1] !== '') into.add(m[1]);
}

/** The fields of a vector file (`a<TAB>b<TAB>expected`). */
function vectorFields(vercmp: string, names: readonly string[], into: Set<string>): void {
  for (const name of names) {
    const f = path.join(vercmp, name);
    if (!fs.existsSync(f)) continue;
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const [a, b] = line.split('\t');
      if (a !== undefined) into.add(a);
      if (b !== undefined) into.add(b);
    }
  }
}

/** OSV event versions of every JSON file under dir. */
function osvEvents(dir: string, into: Set<string>, limit: number, map: (v: string) => string = (v) => v): void {
  for (const f of files(dir, ['.json'], limit)) {
    grab(read(f), /"(?:introduced|fixed|last_affected|limit)":\s*"([^"]*)"/g, into);
  }
  for (const v of [...into]) {
    into.delete(v);
    if (v !== '0') into.add(map(v));
  }
}

/** Real version strings for a scheme; `shared` is the ../shared folder. */
export function harvest(scheme: string, shared: string): string[] {
  const real = path.join(shared, 'realdata');
  const vercmp = path.join(shared, 'vercmp');
  const out = new Set<string>();
  switch (scheme) {
    case 'apk':
      for (const f of files(path.join(real, 'alpine/secdb-2024-12-31'), ['.json'])) {
        grab(read(f), /"([^"]+)":\s*\[/g, out);
      }
      for (const v of [...out]) if (!/^\d/.test(v) || v === 'secfixes') out.delete(v);
      vectorFields(vercmp, ['apk.tsv'], out);
      break;
    case 'dpkg':
      for (const list of ['DSA/list', 'DLA/list', 'DTSA/list']) {
        const f = path.join(real, 'debian/security-tracker-data', list);
        if (fs.existsSync(f)) grab(read(f), /^\t\[[a-z-]+\] - \S+ (\S+)/gm, out);
      }
      for (const f of files(path.join(real, 'debian/vunnel-fixture'), ['.json'])) grab(read(f), /"fixed_version":\s*"([^"]+)"/g, out);
      vectorFields(vercmp, ['dpkg.tsv'], out);
      break;
    case 'rpm':
      for (const f of files(path.join(real, 'redhat'), ['.xml.gz', '.xml'])) grab(read(f), /evr_string"[^>]*>([^<]+)</g, out);
      for (const f of files(path.join(real, 'redhat/csaf-vex'), ['.json'])) {
        grab(read(f), /-(\d+:[^"\s:]+?)\.(?:x86_64|noarch|src|aarch64|ppc64le|s390x|i686)"/g, out);
      }
      vectorFields(vercmp, ['rpm.tsv'], out);
      break;
    case 'pep440':
      for (const f of files(path.join(real, 'osv/pypa'), ['.yaml'], 1500)) {
        const t = read(f);
        grab(t, /(?:introduced|fixed|last_affected): "?([^"\s]+)"?/g, out);
        grab(t, /^ {2}- ([0-9][^\s:]*)$/gm, out);
      }
      out.delete('0');
      vectorFields(vercmp, ['pep440.tsv'], out);
      break;
    case 'go':
      osvEvents(path.join(real, 'osv/govulndb-osv'), out, 2500, (v) => `v${v}`);
      vectorFields(vercmp, ['go.tsv'], out);
      break;
    case 'crates':
      osvEvents(path.join(real, 'osv/rustsec-osv'), out, 1500);
      vectorFields(vercmp, ['crates.tsv'], out);
      break;
    case 'semver':
      for (const f of files(path.join(real, 'osv/nodejs-security-wg'), ['.json'])) {
        grab(read(f), /[\s"<>=~^]v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)/g, out);
      }
      vectorFields(vercmp, ['semver.tsv', 'semver-loose.tsv'], out);
      break;
    case 'gem':
      for (const f of files(path.join(real, 'osv/rubysec'), ['.yml'])) {
        grab(read(f), /- ["']?(?:[<>=~!]+ ?)?([0-9][0-9A-Za-z.-]*)["']?$/gm, out);
      }
      vectorFields(vercmp, ['gem.tsv'], out);
      break;
    case 'maven':
      vectorFields(vercmp, ['maven.tsv', 'maven-3.8.tsv', 'maven4.tsv'], out);
      for (const v of harvest('gem', shared).slice(0, 800)) out.add(v);
      for (const v of harvest('pep440', shared).slice(0, 800)) out.add(v);
      break;
    case 'nuget':
      vectorFields(vercmp, ['nuget.tsv'], out);
      for (const v of harvest('semver', shared).slice(0, 1500)) out.add(v);
      break;
    default:
      throw new Error(`no harvest rule for scheme ${scheme}`);
  }
  return [...out].sort();
}

// Characters the mutations insert: separators, punctuation, whitespace of several kinds, letters that
// case-fold oddly (long s, dotless i, dotted capital I, Kelvin sign, sharp s, final sigma), non-ASCII
// digits (Arabic-Indic, fullwidth, Devanagari) and a combining accent.
const ODD = [
  ' ', ' ', '\t', '!', '_', '~', '^', '+', '-', ':', '.', '..', '@', '/', '#', '*', ',', '=', '%', '(',
  'é', 'ſ', 'ı', 'İ', 'K', 'ß', 'ς', 'µ', '١', '١٢', '１', '०', '\u0301', '\u00a0', '\u3000', '\u0085',
  'v', 'V', 'x', 'X', 'a', 'Z', 'r', 's', 'k', 'i', '0', '00', '9', '99999999999999999999',
];
const SUFFIXES: Record<string, readonly string[]> = {
  apk: ['-r0', '-r1', '_rc1', '_p1', '_git20200101', 'a', '_alpha', '-1', '~abc', '_foo'],
  dpkg: ['-1', '~rc1', '+b1', '-1ubuntu1', '!', '_', '-', ':', '~', '+dfsg-1', '-1_'],
  rpm: ['-1', '-1.el8', '~rc1', '^git1', '-', '-1-2', ':1', '.el9_2'],
  pep440: ['.post1', 'poſt1', '.dev1', 'rc1', 'prevıew1', '+local', '+K1', '+İ', 'a1', '-1', '.POST2', '_rc_1'],
  go: ['-pre', '+incompatible', '-0.20060102150405-abcdef123456', '.0', '-01', '+meta'],
  crates: ['-alpha.1', '+build.5', '-01', '-', '+', '.0', '-rc.1'],
  semver: ['-alpha.1', '+build', '-01', '-rc.1', '.0', '-9007199254740993', '-99999999999999999999'],
  gem: ['.pre', '-1', '.a', '.rc1', '-rc.1', '.beta2', '..', '-'],
  maven: ['-SNAPSHOT', '.Final', '-sp1', '-rc1', '.RELEASE', '-é', ' ', '-1', '.x1', '-X2', '.0'],
  nuget: ['-beta', '+meta', '.0', '-BETA.1', ' ', '.01', '-01'],
};
const PREFIXES = [' ', 'v', 'V', '=', ':', '1:', 'b1:', '0:', '+1:', '\t', '\n', '1!', '١:', 'a:'];

/** One random odd variant of v. */
export function mutate(r: Rand, v: string, scheme: string): string {
  const i = Math.floor(r() * (v.length + 1));
  switch (Math.floor(r() * 10)) {
    case 0:
      return pick(r, [`${v} `, ` ${v}`, ` ${v} `, `${v}\t`, `${v}\n`, `${v}\u00a0`, `${v}     `, `\u3000${v}`, `${v}\u0085`, `${v}\u000b`]);
    case 1:
      return v.slice(0, i) + pick(r, ODD) + v.slice(i);
    case 2:
      return v.slice(0, i) + v.slice(i + 1);
    case 3:
      return v.replace(/[.\-_+~:]/, () => pick(r, ['.', '-', '_', '+', '~', ':', '..', '', ' ', '^']));
    case 4:
      return r() < 0.5 ? v.toUpperCase() : v.replace(/[a-z]/, (c) => c.toUpperCase());
    case 5:
      return v + pick(r, SUFFIXES[scheme] ?? ['-1']);
    case 6:
      return pick(r, PREFIXES) + v;
    case 7:
      return v.replace(/[0-9]/, (d) => pick(r, [String.fromCharCode(0x660 + Number(d)), String.fromCharCode(0xff10 + Number(d)), String.fromCharCode(0x966 + Number(d))]));
    case 8:
      return pick(r, ['', ' ', '-', ':', '.', '0', 'a', '~', '_', 'v', '1-', '-1', '1.0-', ':1', '1:', 'ſ', 'K', '1..0']);
    default:
      return v.replace(/s|i|k|S|I|K/, (c) => pick(r, c.toLowerCase() === 's' ? ['ſ'] : c.toLowerCase() === 'i' ? ['ı', 'İ'] : ['K']));
  }
}

/**
 * `count` pairs from the harvested strings: a real version against another real one, against an odd
 * variant of itself (so a mutation is compared with its origin), or odd against odd.
 */
export function makePairs(scheme: string, real: readonly string[], count: number, seed: number): [string, string][] {
  const r = rng(seed);
  const pool = real.length > 0 ? real : ['1.0'];
  const out: [string, string][] = [];
  while (out.length < count) {
    const a = pick(r, pool);
    const kind = r();
    let pair: [string, string];
    if (kind < 0.35) pair = [a, pick(r, pool)];
    else if (kind < 0.7) pair = [a, mutate(r, a, scheme)];
    else pair = [mutate(r, a, scheme), mutate(r, pick(r, pool), scheme)];
    if (r() < 0.5) pair.reverse();
    out.push(pair);
  }
  return out;
}
