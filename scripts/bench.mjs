#!/usr/bin/env node
// `npm run bench [-- <suite>…]`: every long path's throughput and peak memory next to a floor
// measured on the same machine. Suites run one after another, each in its own process (so one
// suite's memory never shows in another's figures): see SUITES below.
// BENCH_RECORDS sets the synthetic group size (default 300000).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SUITES = {
  apply: 'apply.ts',
  serve: 'serve.ts',
  bundles: 'bundles.ts',
  engine: 'engine.ts',
  validate: 'validate.ts',
  cvss: 'cvss.ts',
  readers: 'readers.ts',
  grype: 'grype.ts',
  debian: 'debian.ts',
  lockfiles: 'lockfiles.ts',
  osv: 'osv.ts',
  'osv-export': 'osv-export.ts',
  redhat: 'redhat.ts',
};
const here = path.dirname(fileURLToPath(import.meta.url));
const asked = process.argv.slice(2);
if (asked.includes('--help') || asked.includes('-h')) {
  console.log(`usage: npm run bench [-- ${Object.keys(SUITES).join('|')} …]\n  BENCH_RECORDS=<n> sets the synthetic group size (default 300000), BENCH_OSV_RECORDS the osv-export suite's npm set (default 200000); BENCH_LOCK_ADVISORIES=<n> the lockfiles suite's npm advisories (default 200000); DATABASE_URL benchmarks that server instead of the embedded one.`);
  process.exit(0);
}
const unknown = asked.filter((s) => !(s in SUITES));
if (unknown.length > 0) {
  console.error(`bench: unknown suite ${unknown.join(', ')}; suites: ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const suite of asked.length > 0 ? asked : Object.keys(SUITES)) {
  console.log(`\n## ${suite}`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'bench', SUITES[suite])], { stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`bench: suite ${suite} failed (exit ${res.status ?? res.signal})`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
