/** `airfeed export grype --out DIR` and `airfeed outputs`, run as the CLI. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir, writeMirror } from '../helpers/mirror.ts';

const run = promisify(execFile);
const cli = path.resolve(import.meta.dirname, '../../scripts/airfeed.mjs');
let db: TestDb;
let home: string;
let mirror: string;

async function airfeed(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { ...process.env, DATABASE_URL: db.url, AIRFEED_HOME: home, AIRFEED_LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  db = await createTestDb();
  home = await tempDir('airfeed-grype-cli-');
  mirror = await writeMirror(path.join(home, 'mirror'), {
    'v3.20': { main: { musl: { '1.2.5-r1': ['CVE-2025-26519'] }, xen: { '4.18.2-r0': ['XSA-458'] } } },
    edge: { main: { musl: { '1.2.5-r9': ['CVE-2025-26519'] } } },
  });
});
afterAll(async () => {
  await db.drop();
});

describe('airfeed export grype', () => {
  it('fails, naming the reason, while there is no data', async () => {
    const r = await airfeed('export', 'grype', '--out', path.join(home, 'out'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no enabled group with data grype can use');
  });

  it('writes DIR/v6/latest.json and the archive, prints JSON, and replaces an earlier export', async () => {
    expect((await airfeed('sync', 'alpine', '--source', mirror)).code).toBe(0);
    const out = path.join(home, 'out');
    const first = await airfeed('export', 'grype', '--out', out, '--json');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const j = JSON.parse(first.stdout) as { latest: string; archive: string; checksum: string; schemaVersion: string; groups: { name: string; records: number }[] };
    expect(j.latest).toBe(path.join(out, 'v6', 'latest.json'));
    expect(j.schemaVersion).toBe('v6.1.9');
    expect(j.groups).toEqual([{ name: 'alpine:3.20', records: 2 }, { name: 'alpine:edge', records: 1 }]);
    const latest = JSON.parse(await fs.readFile(j.latest, 'utf8')) as { path: string; checksum: string };
    expect(path.join(out, 'v6', latest.path)).toBe(j.archive);
    expect(`sha256:${createHash('sha256').update(await fs.readFile(j.archive)).digest('hex')}`).toBe(latest.checksum);

    // New data a minute later: a new archive replaces the old one, nothing else is left behind.
    await writeMirror(mirror, { 'v3.20': { main: { musl: { '1.2.5-r1': ['CVE-2025-26519'] }, curl: { '8.7.1-r0': ['CVE-2024-2398'] } } } });
    expect((await airfeed('sync', 'alpine', '--source', mirror)).code).toBe(0);
    await db.sql`update groups set last_success = last_success + interval '1 minute'`;
    const second = await airfeed('export', 'grype', '--out', out);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('schema v6.1.9');
    const files = (await fs.readdir(path.join(out, 'v6'))).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toBe('latest.json');
    expect(files[1]).toMatch(/^vulnerability-db_v6\.1\.9_.*\.tar\.zst$/);
    expect(files[1]).not.toBe(latest.path);
    expect(await fs.readdir(out)).toEqual(['v6']);
  });

  it('`airfeed outputs` says nothing was served yet', async () => {
    const r = await airfeed('outputs');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no output built yet');
    expect(JSON.parse((await airfeed('outputs', '--json')).stdout)).toEqual([]);
  });
});
