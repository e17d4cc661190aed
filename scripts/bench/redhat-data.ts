/**
 * Generated Red Hat VEX data of real scale in the real shape, for `npm run bench -- redhat`: an
 * archive of N documents (`csaf_vex_2024-06-01.tar.zst`, default 40,000, about what Red Hat's
 * archive holds) written by test/helpers/redhat-vex.ts, with `archive_latest.txt`, and a second
 * state of the mirror where 1% of the documents changed after the archive (their new copies beside
 * it, listed in `changes.csv`).
 *
 * Sizes follow the real distribution: each document's size is drawn from the sizes of the 38 real
 * documents in ../shared/realdata/redhat (7 KB to 3.9 MB, median ~60 KB; built-in copy of the list
 * below), then scaled so the mean matches the real archive's (~262 MB packed at ~41× ≈ 10.7 GB for
 * ~40,000 documents ≈ 270 KB). A document grows the way real ones do: more fixed products, each with
 * its source and binary packages, relationships and product id lists (layered products too, which
 * the driver must skip). Deterministic (seeded), and cached by its parameters in the work directory.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { changeList, docPath, type FixedSpec, type UnfixedSpec, type VexSpec, vexDocument } from '../../test/helpers/redhat-vex.ts';

/** Sizes (bytes) of the 38 real documents in ../shared/realdata/redhat, the distribution sampled. */
export const REAL_SIZES = [
  284788, 284772, 11446, 380484, 8531, 8189, 673620, 1778450, 8434, 8381, 1025237, 12652, 8325, 740705, 8487, 71538, 9592, 14364, 44603, 3937389,
  106442, 12504, 8633, 7273, 282299, 106225, 8571, 283778, 2482158, 10546, 908194, 908365, 12710, 13837, 2953277, 691887, 127212, 127066,
];
/** The mean document size of the real archive (see the module doc). */
export const REAL_MEAN = 270_000;

export const ARCHIVE = 'csaf_vex_2024-06-01.tar.zst';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PLATFORMS = [
  { platform: 'BaseOS-9.4.0.Z.MAIN', cpe: 'cpe:/o:redhat:enterprise_linux:9::baseos' },
  { platform: 'AppStream-9.2.0.Z.EUS', cpe: 'cpe:/a:redhat:rhel_eus:9.2::appstream' },
  { platform: 'BaseOS-8.10.0.Z.MAIN', cpe: 'cpe:/o:redhat:enterprise_linux:8::baseos' },
  { platform: 'AppStream-8.8.0.Z.EUS', cpe: 'cpe:/a:redhat:rhel_eus:8.8::appstream' },
  { platform: '7Server-ELS', cpe: 'cpe:/o:redhat:rhel_els:7' },
  { platform: '8Base-satellite-6.15', cpe: 'cpe:/a:redhat:satellite:6.15::el8' },
  { platform: '9Base-RHOSE-4.16', cpe: 'cpe:/a:redhat:openshift:4.16::el9' },
  { platform: 'BaseOS-10.0.Z', cpe: 'cpe:/o:redhat:enterprise_linux:10::baseos' },
];

/** The spec of document `i` of roughly `size` bytes; `revision` changes it (the 1% changed later). */
export function benchSpec(i: number, size: number, revision = 0): VexSpec {
  const cve = `CVE-${2000 + (i % 25)}-${String(100000 + i)}`;
  const r = rng(i * 7919 + revision);
  // ~9 KB of document around ~5 KB per fixed product with four binaries (measured on the builder's output).
  const products = Math.max(0, Math.round((size - 9_000) / 5_200));
  const fixed: FixedSpec[] = [];
  for (let k = 0; k < products; k++) {
    const p = PLATFORMS[k % PLATFORMS.length] as (typeof PLATFORMS)[number];
    const name = `pkg${(i + Math.floor(k / PLATFORMS.length)) % 997}`;
    fixed.push({
      platform: p.platform, cpe: p.cpe, name, evr: `${k % 3}:${1 + (k % 9)}.${Math.floor(r() * 40)}.${revision}-${1 + (k % 30)}.el9_4`, advisory: `RHSA-2024:${1000 + ((i + k) % 9000)}`,
      binaries: [name, `${name}-libs`, `${name}-devel`, `${name}-debuginfo`],
    });
  }
  const unfixed: UnfixedSpec[] = [
    { platform: 'red_hat_enterprise_linux_7', cpe: 'cpe:/o:redhat:enterprise_linux:7', name: `pkg${i % 997}`, status: 'known_not_affected' },
    { platform: 'red_hat_enterprise_linux_9', cpe: 'cpe:/o:redhat:enterprise_linux:9', name: `lib${i % 501}`, status: 'known_affected', remediation: { category: r() < 0.5 ? 'no_fix_planned' : 'none_available', details: 'Affected' } },
  ];
  return {
    cve, impact: (['Low', 'Moderate', 'Important', 'Critical'] as const)[i % 4] ?? 'Low', cwe: 'CWE-416',
    cvss3: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, severity: 'CRITICAL' },
    description: `A flaw was found in pkg${i % 997} (revision ${revision}). ${'An attacker could use it to cause a denial of service. '.repeat(1 + (i % 5))}`,
    current: revision === 0 ? '2024-05-30T00:00:00+00:00' : '2024-06-03T00:00:00+00:00',
    fixed, unfixed,
  };
}

/** The size of document `i`: a real document's size, scaled to the real mean. */
export function benchSize(i: number): number {
  const mean = REAL_SIZES.reduce((a, b) => a + b, 0) / REAL_SIZES.length;
  const r = rng(i * 104729 + 1);
  return Math.round((REAL_SIZES[Math.floor(r() * REAL_SIZES.length)] as number) * (REAL_MEAN / mean));
}

/** A ustar header for a regular file. */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write(`${Math.floor(Date.parse('2024-06-01T00:00:00Z') / 1000).toString(8).padStart(11, '0')}\0`, 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** Writes the archive of `n` documents (tar through the zstd command); returns the bytes of JSON written. */
async function writeArchive(file: string, n: number): Promise<number> {
  const out = createWriteStream(file);
  const zstd = spawn('zstd', ['-q', '-3', '-T2', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
  zstd.stdout.pipe(out);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    zstd.on('error', reject);
    zstd.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`zstd exited ${code}`))));
  });
  const write = (b: Buffer): Promise<void> => (zstd.stdin.write(b) ? Promise.resolve() : new Promise((res) => zstd.stdin.once('drain', () => res())));
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const body = Buffer.from(JSON.stringify(vexDocument(benchSpec(i, benchSize(i)))));
    bytes += body.length;
    await write(tarHeader(docPath(benchSpec(i, 0).cve), body.length));
    await write(body);
    const pad = (512 - (body.length % 512)) % 512;
    if (pad > 0) await write(Buffer.alloc(pad));
  }
  await write(Buffer.alloc(1024));
  zstd.stdin.end();
  await done;
  return bytes;
}

export interface BenchMirror {
  /** The mirror as the first sync sees it. */
  first: string;
  /** The same mirror, plus 1% of the documents changed after the archive. */
  changed: string;
  documents: number;
  jsonBytes: number;
  archiveBytes: number;
  changedDocuments: number;
}

/** Generates (or reuses) the bench mirror for `n` documents under `work`. */
export async function benchMirror(work: string, n: number): Promise<BenchMirror> {
  const dir = path.join(work, `redhat-${n}`);
  const first = path.join(dir, 'first');
  const changed = path.join(dir, 'changed');
  const meta = path.join(dir, 'meta.json');
  if (existsSync(meta)) return JSON.parse(await fs.readFile(meta, 'utf8')) as BenchMirror;
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(first, { recursive: true });
  const jsonBytes = await writeArchive(path.join(first, ARCHIVE), n);
  await fs.writeFile(path.join(first, 'archive_latest.txt'), `${ARCHIVE}\n`);
  await fs.writeFile(path.join(first, 'changes.csv'), '');
  // The changed mirror: the same archive (a hard link), 1% of the documents republished.
  await fs.mkdir(changed, { recursive: true });
  await fs.link(path.join(first, ARCHIVE), path.join(changed, ARCHIVE));
  await fs.writeFile(path.join(changed, 'archive_latest.txt'), `${ARCHIVE}\n`);
  const count = Math.max(1, Math.round(n / 100));
  const entries: { path: string; time: string }[] = [];
  for (let k = 0; k < count; k++) {
    const i = Math.floor((k * n) / count);
    const spec = benchSpec(i, benchSize(i), 1);
    const p = docPath(spec.cve);
    await fs.mkdir(path.join(changed, path.dirname(p)), { recursive: true });
    await fs.writeFile(path.join(changed, p), JSON.stringify(vexDocument(spec)));
    entries.push({ path: p, time: `2024-06-0${2 + (k % 3)}T${String(k % 24).padStart(2, '0')}:00:00+00:00` });
  }
  await fs.writeFile(path.join(changed, 'changes.csv'), changeList(entries));
  const result: BenchMirror = { first, changed, documents: n, jsonBytes, archiveBytes: (await fs.stat(path.join(first, ARCHIVE))).size, changedDocuments: count };
  await fs.writeFile(meta, JSON.stringify(result));
  return result;
}
