/**
 * This project's own package-lock.json, scanned by the `airfeed-engine scan` command with every
 * package checked. Without npm data its packages are reported as not checked (and fail the gate
 * under --fail-on-unchecked); then the engine gets a `github:npm` group with one advisory for each
 * package that the lockfile has at a single version, each built around that version so that the
 * verdict is known by construction: affected up to and including it (`last_affected`), fixed in
 * it (`fixed` = the version: not affected), or fixed just above it (affected, with that fix).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { parseInput } from '../../engine-client/inputs/index.ts';
import type { Inventory } from '../../engine-client/inputs/types.ts';
import type { TestDb } from '../helpers/db.ts';
import { createEngineTestDb, seedEngine } from '../helpers/engine-db.ts';
import { makeRecord } from '../helpers/records.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LOCK = path.join(ROOT, 'package-lock.json');
const ENGINE_BIN = path.join(ROOT, 'scripts/airfeed-engine.mjs');

let db: TestDb;
let inv: Inventory;

function run(...args: string[]) {
  return spawnSync(process.execPath, [ENGINE_BIN, 'scan', LOCK, ...args], {
    encoding: 'utf8',
    env: { ...process.env, AIRFEED_ENGINE_DATABASE_URL: db.url, AIRFEED_LOG_LEVEL: 'silent' },
  });
}

/** The next release above an npm version: `1.2.3` → `1.2.4`, `1.2.3-rc.1` → `1.2.3`. */
function above(version: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)(-[^+]*)?/.exec(version);
  if (m === null) throw new Error(`not a semver version: ${version}`);
  return m[4] !== undefined ? `${m[1]}.${m[2]}.${m[3]}` : `${m[1]}.${m[2]}.${Number(m[3]) + 1}`;
}

interface ScanDoc {
  packages: number;
  checked: number;
  unchecked: { group: string; packages: number }[];
  skipped: unknown[];
  problems: unknown[];
  matches: { package: string; installedVersion: string; vulnId: string; fixedVersion: string | null; aliases: string[] }[];
  verdict: { pass: boolean; packages: number; checked: number; unchecked: number; uncheckedFail: boolean };
}

beforeAll(async () => {
  db = await createEngineTestDb();
  inv = await parseInput(LOCK);
  // Some data, of another ecosystem: the store is not empty, it only lacks npm.
  await seedEngine(db.sql, [{ ...makeRecord('github:python', 'GHSA-py'), fixedIn: [{ package: 'django', versionScheme: 'pep440', state: 'fixed', version: '4.2.14' }] }]);
});
afterAll(async () => {
  await db.drop();
});

describe("scan of this project's package-lock.json", () => {
  it('reads every package of the lockfile (nothing skipped)', () => {
    expect(inv.format).toBe('npm-lock');
    expect(inv.packages.length).toBeGreaterThan(300);
    expect(inv.skipped).toBeUndefined();
  });

  it('without npm data: every package not checked, which fails the gate only under --fail-on-unchecked', () => {
    const n = inv.packages.length;
    const lax = run('--format', 'json');
    expect(lax.stderr).toBe('');
    expect(lax.status).toBe(0);
    const doc = JSON.parse(lax.stdout) as ScanDoc;
    expect([doc.packages, doc.checked, doc.unchecked]).toEqual([n, 0, [{ group: 'github:npm', packages: n }]]);
    expect(doc.verdict).toMatchObject({ pass: true, packages: n, checked: 0, unchecked: n, uncheckedFail: false });
    const strict = run('--fail-on-unchecked');
    expect(strict.status).toBe(1);
    expect(strict.stdout).toContain(`note: ${n} packages not checked: the engine holds no data for github:npm`);
    expect(strict.stdout).toMatch(new RegExp(`and on unchecked packages, 0 of ${n} packages checked: FAIL \\(${n} unchecked\\)$`, 'm'));
  });

  it('with npm data: every package checked, and exactly the advisories built to match do', async () => {
    const versions = new Map<string, Set<string>>();
    for (const p of inv.packages) versions.set(p.name, (versions.get(p.name) ?? new Set()).add(p.version));
    const single = [...versions].filter(([, v]) => v.size === 1).map(([name, v]) => [name, [...v][0] ?? ''] as const).sort(([a], [b]) => (a < b ? -1 : 1));
    const records: VulnRecord[] = [];
    const expected: string[] = [];
    single.forEach(([name, version], i) => {
      const id = `GHSA-own-${String(i).padStart(4, '0')}`;
      const events = [[{ introduced: '0' }, { last_affected: version }], [{ introduced: '0' }, { fixed: version }], [{ introduced: '0' }, { fixed: above(version) }]][i % 3] ?? [];
      records.push({ ...makeRecord('github:npm', id), severity: 'High', aliases: [`CVE-2099-${i}`], fixedIn: [{ package: name, versionScheme: 'semver', state: 'fixed', ranges: [{ type: 'SEMVER', events }] }] });
      const installs = inv.packages.filter((p) => p.name === name).length;
      for (let k = 0; k < installs; k++) {
        if (i % 3 === 0) expected.push(`${name}@${version} ${id} - CVE-2099-${i}`);
        if (i % 3 === 2) expected.push(`${name}@${version} ${id} ${above(version)} CVE-2099-${i}`);
      }
    });
    expect(single.length).toBeGreaterThan(200);
    await seedEngine(db.sql, records);

    const r = run('--format', 'json', '--fail-on-unchecked', '--fail-on', 'none');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as ScanDoc;
    const n = inv.packages.length;
    expect([doc.packages, doc.checked, doc.unchecked, doc.skipped, doc.problems]).toEqual([n, n, [], [], []]);
    expect(doc.verdict).toMatchObject({ pass: true, packages: n, checked: n, unchecked: 0, uncheckedFail: false });
    const got = doc.matches.map((m) => `${m.package}@${m.installedVersion} ${m.vulnId} ${m.fixedVersion ?? '-'} ${m.aliases.join(' ')}`);
    expect(got.sort()).toEqual(expected.sort());

    const table = run('--fail-on-unchecked');
    expect(table.status).toBe(1); // the default policy fails on the High matches
    expect(table.stdout).toMatch(new RegExp(`and on unchecked packages, ${n} of ${n} packages checked: FAIL \\(${expected.length} violations\\)$`, 'm'));
  });
});
