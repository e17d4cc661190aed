/**
 * `npm run bench -- cvss`: CVSS vectors scored per second (drivers/_framework/cvss), per version,
 * next to parsing alone (the floor: every score starts with a parse). No database.
 *
 * - distinct: generated base vectors (v2: all 729, v3.x: all 2,592, v4.0: 20,000 of the 104,976),
 *   scored pass after pass for a second; v2/v3.x have no memo, and 20,000 v4.0 vectors are twice what
 *   the v4.0 memo holds, so cycling through them never hits it: every v4.0 score is computed;
 * - real mix: the 1,355 distinct vectors NVD published (../shared/realdata/cvss/nvd-published), scored
 *   over and over as a feed repeats them (v4.0 then comes from the memo), when ../shared is present.
 *
 * The figures move with machine load: compare runs on the same, quiet machine.
 *
 *   node --import tsx scripts/bench/cvss.ts
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseCvssVector, scoreCvss, type CvssVersion } from '../../drivers/_framework/cvss/index.ts';
import { METRICS } from '../../drivers/_framework/cvss/metrics.ts';

/** Every base vector of a version, in the spec's metric and value order. */
function* baseVectors(version: CvssVersion): Generator<string> {
  const defs = METRICS[version].filter((d) => d.mandatory);
  const prefix = version === '2.0' ? '' : `CVSS:${version}/`;
  const idx = defs.map(() => 0);
  for (;;) {
    yield prefix + defs.map((d, i) => `${d.key}:${d.values[idx[i] as number] as string}`).join('/');
    let i = defs.length - 1;
    while (i >= 0 && (idx[i] as number) + 1 === (defs[i] as (typeof defs)[number]).values.length) idx[i--] = 0;
    if (i < 0) return;
    idx[i] = (idx[i] as number) + 1;
  }
}

function sample(version: CvssVersion, limit: number): string[] {
  const all = [...baseVectors(version)];
  if (all.length <= limit) return all;
  const stride = all.length / limit;
  return Array.from({ length: limit }, (_, i) => all[Math.floor(i * stride)] as string);
}

/** Runs `fn` over `vectors`, whole passes, for at least `minSeconds`. */
function rate(vectors: string[], fn: (v: string) => unknown, minSeconds = 1): { n: number; seconds: number } {
  const t0 = performance.now();
  let n = 0;
  do {
    for (const v of vectors) fn(v);
    n += vectors.length;
  } while ((performance.now() - t0) / 1000 < minSeconds);
  return { n, seconds: (performance.now() - t0) / 1000 };
}

function line(label: string, r: { n: number; seconds: number }, floor?: { n: number; seconds: number }): void {
  const perSec = Math.round(r.n / r.seconds);
  const f = floor ? `   (parse only: ${Math.round(floor.n / floor.seconds).toLocaleString('en-US')}/s)` : '';
  console.log(`${label.padEnd(28)} ${r.n.toLocaleString('en-US').padStart(9)} vectors in ${r.seconds.toFixed(2)} s = ${perSec.toLocaleString('en-US').padStart(8)} vectors/s${f}`);
}

const versions: CvssVersion[] = ['2.0', '3.0', '3.1', '4.0'];
for (const v of versions) for (const vector of sample(v, 200)) scoreCvss(vector); // JIT warm-up
console.log('distinct base vectors, every score computed:');
for (const v of versions) {
  const vectors = sample(v, 20_000);
  line(`  CVSS ${v} (${vectors.length.toLocaleString('en-US')})`, rate(vectors, scoreCvss, v === '4.0' ? 3 : 1), rate(vectors, parseCvssVector));
}

const here = path.dirname(fileURLToPath(import.meta.url));
const tsv = path.resolve(here, '../../../shared/realdata/cvss/nvd-published/nvd-cvss-vectors.tsv');
if (existsSync(tsv)) {
  const rows = readFileSync(tsv, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const vectors = rows.map((r) => r.split('\t')[1] as string);
  console.log(`\nreal mix: NVD's ${vectors.length.toLocaleString('en-US')} distinct published vectors, repeated:`);
  line('  all versions', rate(vectors, scoreCvss, 2), rate(vectors, parseCvssVector));
  for (const v of versions) {
    const own = rows.filter((r) => r.startsWith(`${v}\t`)).map((r) => r.split('\t')[1] as string);
    line(`  CVSS ${v} (${own.length})`, rate(own, scoreCvss));
  }
} else {
  console.log('\nreal mix: skipped (../shared/realdata is absent)');
}
