/**
 * `npm run bench -- lockfiles`: the engine on language lockfiles, each measured in a child process
 * (so its peak RSS is its own) next to a floor measured on the same machine:
 *  - parse of a 5,000-package lockfile of every format vs reading the same bytes (JSON.parse for
 *    the JSON formats, a line split for the others);
 *  - scan (parse + match + policy) of 5,000-package package-lock.json, yarn.lock (1 and berry) and
 *    pnpm-lock.yaml against a `github:npm` group of BENCH_LOCK_ADVISORIES OSV-style advisories
 *    (default 200,000, npm-sized: osv.dev's npm set is about that) vs the one SQL lookup it makes;
 *    aim: under 1 s;
 *  - comparisons per second of the language schemes (compareParsed over ../shared/vercmp pairs) and
 *    OSV range decisions per second (a parsed version against two-window ranges), vs a plain JS
 *    string comparison of the same pairs.
 * The group is written as a sync writes it (engine-client/store/write.ts), and that rate is shown.
 *
 *   node --import tsx scripts/bench/lockfiles.ts       (embedded PostgreSQL, or DATABASE_URL's server)
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { dropDatabase, ensureDatabase } from '../../drivers/_framework/pg/embedded.ts';
import type { Range } from '../../drivers/_framework/record.ts';
import { detectFormat, parseInput } from '../../engine-client/inputs/index.ts';
import { comparatorFor } from '../../engine-client/match/ecosystems.ts';
import { matchInventory } from '../../engine-client/match/match.ts';
import { lookupName } from '../../engine-client/match/namespaces.ts';
import { inRanges } from '../../engine-client/match/ranges.ts';
import { coverageOf, defaultPolicy, evaluatePolicy } from '../../engine-client/policy/policy.ts';
import { fromNormalized } from '../../engine-client/sources/convert.ts';
import { migrateEngine } from '../../engine-client/store/db.ts';
import { lookupRecordFacts } from '../../engine-client/store/records.ts';
import { listGroups, lookupAffected } from '../../engine-client/store/status.ts';
import { lockGroups, setGroupState, writeGroup } from '../../engine-client/store/write.ts';
import type { PackageKind } from '../../engine-client/inputs/types.ts';
import { createSql } from '../../feed-service/storage/db.ts';
import { fmt, table, versionPairs } from './engine-data.ts';
import { lockEntries, npmAdvisories, writeLockfiles } from './lockfiles-data.ts';
import { benchServer } from './server.ts';
import { runBenchChild } from './child.ts';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '../..');
const GROUP = 'github:npm';
const PACKAGES = 5000;
const now = (): number => performance.now() / 1000;
const maxRssMB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const emit = (result: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ ...result, maxRssMB: maxRssMB() })}\n`);

/** The language schemes, with the package kind whose comparator the engine uses for them. */
const SCHEMES: [string, PackageKind][] = [['semver', 'npm'], ['pep440', 'pypi'], ['maven', 'maven'], ['go', 'go'], ['crates', 'cargo'], ['gem', 'gem'], ['nuget', 'nuget']];

/** Writes the advisories into the engine store as one group, as a sync does. */
async function seedChild(url: string, count: number, names: number): Promise<void> {
  const sql = createSql(url, { max: 2 });
  try {
    await migrateEngine(sql, silentLogger);
    const t0 = now();
    async function* changes() {
      for (const r of npmAdvisories(count, names)) {
        const c = fromNormalized(r, GROUP, r.id);
        if (typeof c === 'string') throw new Error(c);
        yield c;
      }
    }
    const counts = await sql.begin(async (tx) => {
      await lockGroups(tx, [GROUP]);
      await writeGroup(tx, { group: GROUP, mode: 'replace', changes: changes() });
      return setGroupState(tx, GROUP, { feed: 'github', source: 'bench' });
    });
    await sql`vacuum (analyze) affected`;
    emit({ seconds: now() - t0, records: counts.records, affected: counts.affected });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Parses a lockfile twice (the second is measured), then reads the same bytes as the floor. */
async function parseChild(file: string): Promise<void> {
  const format = await detectFormat(file);
  await parseInput(file);
  const t0 = now();
  const inv = await parseInput(file);
  const seconds = now() - t0;
  const t1 = now();
  const text = await fs.readFile(file, 'utf8');
  const sink = text.trimStart().startsWith('{') ? Object.keys(JSON.parse(text) as object).length : text.split('\n').length;
  emit({ format, seconds, floor: now() - t1, bytes: Buffer.byteLength(text), packages: inv.packages.length, skipped: inv.skipped?.length ?? 0, sink });
}

/** The scan, twice (the first as a one-shot CLI process sees it), then its one lookup alone. */
async function scanChild(url: string, file: string): Promise<void> {
  const sql = createSql(url, { max: 1 });
  try {
    await sql`select 1`;
    const runs = [];
    for (let run = 0; run < 2; run++) {
      let decisions = 0;
      const t0 = now();
      const inv = await parseInput(file);
      const t1 = now();
      const available = new Set((await listGroups(sql)).map((g) => g.name));
      const res = await matchInventory(inv, {
        lookup: async (g, names) => {
          const rows = await lookupAffected(sql, g, names);
          const perName = new Map<string, number>();
          for (const r of rows) perName.set(lookupName('npm', r.package), (perName.get(lookupName('npm', r.package)) ?? 0) + 1);
          for (const p of inv.packages) decisions += perName.get(lookupName(p.kind, p.name)) ?? 0;
          return rows;
        },
        records: (g, ids) => lookupRecordFacts(sql, g, ids),
        available,
      });
      const t2 = now();
      const verdict = evaluatePolicy(res.matches, defaultPolicy(), new Date(), coverageOf(res, inv.skipped));
      const t3 = now();
      runs.push({ seconds: t3 - t0, parse: t1 - t0, match: t2 - t1, policy: t3 - t2, packages: inv.packages.length, checked: res.checked, decisions,
        matches: res.matches.length, merged: res.matches.filter((m) => (m.aliases ?? []).some((a) => a.startsWith('GHSA-'))).length, problems: res.problems.length, violations: verdict.violations.length });
    }
    const names = [...new Set((await parseInput(file)).packages.map((p) => lookupName(p.kind, p.name)))];
    const t0 = now();
    const rows = await lookupAffected(sql, GROUP, names);
    emit({ runs, lookup: { seconds: now() - t0, names: names.length, rows: rows.length } });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** compareParsed and OSV range decisions of one scheme over its vercmp pairs, and the string floor, ~1e6 each. */
function cmpChild(scheme: string, kind: PackageKind): void {
  const cmp = comparatorFor(kind, scheme);
  const { pairs, source } = versionPairs(path.resolve(root, '../shared/vercmp'), scheme, cmp);
  const a = pairs.map((p) => p[0]);
  const b = pairs.map((p) => p[1]);
  const pa = a.map((v) => cmp.parse(v));
  const pb = b.map((v) => cmp.parse(v));
  // Two windows from the pairs' own versions, as advisories have: [lo, hi) of pair i, [lo, hi) of pair i+1.
  const ranges: Range[][] = pairs.map((_, i) => {
    const win = (k: number): [string, string] => {
      const x = a[k % a.length] ?? '';
      const y = b[k % b.length] ?? '';
      return cmp.compare(x, y) <= 0 ? [x, y] : [y, x];
    };
    const [l1, h1] = win(i);
    const [l2, h2] = win(i + 1);
    return [{ type: 'ECOSYSTEM', events: [{ introduced: l1 }, { fixed: h1 }] }, { type: 'ECOSYSTEM', events: [{ introduced: l2 }, { fixed: h2 }] }];
  });
  const reps = Math.max(1, Math.ceil(1e6 / Math.max(1, pairs.length)));
  let sink = 0;
  const loops: Record<string, (r: number) => void> = {
    parsed: (r) => { for (let k = 0; k < r; k++) for (let i = 0; i < pa.length; i++) sink += cmp.compareParsed(pa[i], pb[i]); },
    ranges: (r) => { for (let k = 0; k < Math.ceil(r / 10); k++) for (let i = 0; i < pa.length; i++) sink += inRanges(pa[i], ranges[i] ?? [], cmp).affected ? 1 : 0; },
    string: (r) => { for (let k = 0; k < r; k++) for (let i = 0; i < a.length; i++) { const x = a[i] ?? '', y = b[i] ?? ''; sink += x < y ? -1 : x > y ? 1 : 0; } },
  };
  const seconds: Record<string, number> = {};
  for (const [name, loop] of Object.entries(loops)) {
    loop(Math.max(1, Math.ceil(reps / 10))); // warm-up: the JIT, not the measurement
    const t0 = now();
    loop(reps);
    seconds[name] = now() - t0;
  }
  emit({ source, comparisons: reps * pairs.length, decisions: Math.ceil(reps / 10) * pairs.length, seconds, sink });
}

const runChild = <T>(...args: string[]): Promise<T & { maxRssMB: number }> => runBenchChild<T>(self, ...args);

interface Scan {
  runs: { seconds: number; parse: number; match: number; policy: number; packages: number; checked: number; decisions: number; matches: number; merged: number; problems: number; violations: number }[];
  lookup: { seconds: number; names: number; rows: number };
}

async function orchestrate(): Promise<void> {
  const advisories = Number(process.env['BENCH_LOCK_ADVISORIES'] ?? 200_000);
  // Lockfile entry i names package (4i mod names): names ≥ 4 × PACKAGES keeps them distinct.
  const names = Math.max(PACKAGES * 4, Math.round(advisories / 4));
  const { work, adminUrl, stop } = await benchServer('airfeed-bench-lockfiles-');
  const rows: string[][] = [];
  const row = (label: string, items: number, seconds: number | null, rss: number | null, baseline: string, ratio: number | null, note = ''): void =>
    void rows.push([label, fmt(items), seconds === null ? 'n/a' : seconds.toFixed(seconds < 0.1 ? 4 : 3), fmt(seconds ? items / seconds : null), rss === null ? '-' : String(rss), baseline, fmt(ratio, 3), note]);
  const dbName = `airfeed_bench_lockfiles_${process.pid}`;
  try {
    const idle = await runChild<object>('idle');
    for (const [scheme, kind] of SCHEMES) {
      process.stderr.write(`bench lockfiles: comparisons ${scheme} …\n`);
      const c = await runChild<{ source: string; comparisons: number; decisions: number; seconds: Record<string, number> }>('cmp', scheme, kind);
      const str = c.comparisons / (c.seconds['string'] ?? NaN);
      const parsed = c.seconds['parsed'] ?? null;
      const ranges = c.seconds['ranges'] ?? null;
      row(`compareParsed ${scheme}`, c.comparisons, parsed, c.maxRssMB, `string < ${fmt(str / 1e6, 1)}M/s`, parsed ? c.comparisons / parsed / str : null, c.source);
      row(`  OSV range decision ${scheme} (2 windows)`, c.decisions, ranges, c.maxRssMB, 'vs compareParsed', ranges && parsed ? c.decisions / ranges / (c.comparisons / parsed) : null, 'version against 4 events');
    }

    process.stderr.write(`bench lockfiles: ${fmt(PACKAGES)}-package lockfiles in every format …\n`);
    const files = await writeLockfiles(path.join(work, 'locks'), lockEntries(PACKAGES, names));
    for (const [name, file] of Object.entries(files)) {
      const p = await runChild<{ format: string; seconds: number; floor: number; bytes: number; packages: number; skipped: number }>('parse', file);
      row(`parse ${name} (${p.format})`, p.packages, p.seconds, p.maxRssMB, 'time vs read+split/JSON.parse', p.seconds / p.floor, `${fmt(p.bytes / 1e6, 2)} MB, ${fmt(p.bytes / 1e6 / p.seconds, 1)} MB/s`);
    }

    const url = await ensureDatabase(adminUrl, dbName);
    process.stderr.write(`bench lockfiles: writing ${fmt(advisories)} advisories over ${fmt(names)} npm names into ${GROUP} …\n`);
    const seed = await runChild<{ seconds: number; records: number; affected: number }>('seed', url, String(advisories), String(names));
    row(`engine store write, ${GROUP}`, seed.records, seed.seconds, seed.maxRssMB, '-', null, `${fmt(seed.affected)} affected rows (COPY + upsert, as a sync)`);

    for (const name of ['package-lock.json', 'yarn.lock', 'yarn-berry.lock', 'pnpm-lock.yaml']) {
      const file = files[name];
      if (file === undefined) continue;
      process.stderr.write(`bench lockfiles: scan ${name} …\n`);
      const s = await runChild<Scan>('scan', url, file);
      for (const [i, r] of s.runs.entries()) {
        const note = `${fmt(r.checked)} checked, ${fmt(r.decisions)} decisions, ${fmt(r.matches)} matches (${fmt(r.merged)} merged), ${r.problems} problems; ` +
          `parse ${r.parse.toFixed(3)} s, match ${r.match.toFixed(3)} s, policy ${r.policy.toFixed(3)} s`;
        row(`scan ${name}${i === 0 ? ', first in process' : ', again'}`, r.packages, r.seconds, s.maxRssMB, 'time vs its SQL lookup', r.seconds / s.lookup.seconds, note);
      }
      row(`  floor: lookupAffected of its ${fmt(s.lookup.names)} names`, s.lookup.names, s.lookup.seconds, null, '-', null, `${fmt(s.lookup.rows)} rows`);
    }

    console.log(`airfeed lockfiles bench — ${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(1) ?? '?'}, node ${process.version}, ${process.env['DATABASE_URL'] ? 'DATABASE_URL server' : 'embedded PostgreSQL'}; a child at rest: ${idle.maxRssMB} MB RSS`);
    console.log(table(['path', 'items', 'seconds', 'rate/s', 'peak RSS MB', 'baseline', 'ratio', 'note'], rows));
  } finally {
    await dropDatabase(adminUrl, dbName).catch(() => undefined);
    await stop();
  }
}

const [role, op = '', ...rest] = process.argv.slice(2);
if (role !== 'child') await orchestrate();
else if (op === 'idle') emit({});
else if (op === 'cmp') cmpChild(rest[0] ?? '', (rest[1] ?? 'npm') as PackageKind);
else if (op === 'parse') await parseChild(rest[0] ?? '');
else if (op === 'seed') await seedChild(rest[0] ?? '', Number(rest[1]), Number(rest[2]));
else if (op === 'scan') await scanChild(rest[0] ?? '', rest[1] ?? '');
else throw new Error(`unknown child ${op}`);
