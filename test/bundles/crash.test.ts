/**
 * A crash during import: the importing process is killed (SIGKILL) while it applies a large bundle.
 * The database must be exactly as before, and the next import must succeed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exportBundle } from '../../feed-service/bundles/export.ts';
import { importBundle } from '../../feed-service/bundles/import.ts';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { syntheticRecords, toAsync } from '../../scripts/bench/synthetic.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { iterate, makeRecord } from '../helpers/records.ts';
import { dbState, liveRecords, makeKey, type TestKey } from './helpers.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SMALL = 'alpine:3.20';
const BIG = 'bench:synthetic';
let A: TestDb;
let B: TestDb;
let dir: string;
let key: TestKey;

beforeAll(async () => {
  [A, B] = await Promise.all([createTestDb(), createTestDb()]);
  dir = await tempDir('airfeed-crash-');
  key = await makeKey(path.join(dir, 'keys'));
});
afterAll(async () => {
  await Promise.all([A.drop(), B.drop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

/** Runs the child importer and SIGKILLs it once it has staged `killAfter` records of `group`. */
function importAndKill(file: string, group: string, killAfter: number): Promise<{ killed: boolean; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/bundles/import-child.ts'), B.url, file, key.publicFile, path.join(dir, 'spool')], {
    cwd: root,
    env: { ...process.env, AIRFEED_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let phase = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n').filter(Boolean)) {
      lines.push(line);
      if (line.startsWith('phase ')) phase = line.slice(6);
      if (phase === `apply ${group}` && line.startsWith('tick ') && Number(line.slice(5)) >= killAfter) child.kill('SIGKILL');
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ killed: true, lines });
      else if (code === 0) resolve({ killed: false, lines });
      else reject(new Error(`import child failed (${code}): ${stderr}`));
    });
  });
}

it('a crash during import leaves the database as it was, and the next import succeeds', { timeout: 180_000 }, async () => {
  await registerGroups(A.sql, 'alpine', 'vulnerabilities', [{ name: SMALL, description: 'small group' }]);
  await registerGroups(A.sql, 'bench', 'vulnerabilities', [{ name: BIG, description: 'large group' }]);
  await applyGroup(A.sql, { group: SMALL, complete: true, records: iterate(['CVE-1', 'CVE-2', 'CVE-3'].map((id) => makeRecord(SMALL, id))) });
  const first = await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'first.tar'), created: new Date('2025-01-01T00:00:00Z'), groups: [SMALL] });
  await importBundle(B.sql, first.file, { trust: key.trust });
  const before = await dbState(B.sql);

  // The large bundle changes the small group (applied first) and adds 20,000 records in another.
  await applyGroup(A.sql, { group: SMALL, complete: true, records: iterate(['CVE-1', 'CVE-4'].map((id) => makeRecord(SMALL, id, '2.0-r0'))) });
  await applyGroup(A.sql, { group: BIG, complete: true, records: toAsync(syntheticRecords(20_000, BIG)) });
  const big = await exportBundle(A.sql, { privateKey: key.privateKey, out: path.join(dir, 'big.tar'), created: new Date('2025-01-02T00:00:00Z') });
  expect(big.manifest.members.map((m) => m.group)).toEqual([SMALL, BIG]);

  const run = await importAndKill(big.file, BIG, 6000);
  expect(run.killed).toBe(true);
  expect(run.lines).toContain(`phase apply ${SMALL}`);
  expect(run.lines).toContain(`phase apply ${BIG}`);
  expect(run.lines.some((l) => l.startsWith('done'))).toBe(false);
  // Nothing of the interrupted transaction is visible, not even the small group applied before the kill.
  expect(await dbState(B.sql)).toEqual(before);

  // The killed session's locks go with its connection; the next import waits for them if needed.
  const again = await importBundle(B.sql, big.file, { trust: key.trust, wait: true, spoolDir: path.join(dir, 'spool') });
  expect(again.status).toBe('imported');
  expect(await liveRecords(B.sql)).toEqual(await liveRecords(A.sql));
  expect((await dbState(B.sql)).imports).toBe(before.imports + 1);
});
