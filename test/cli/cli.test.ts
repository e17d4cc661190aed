import { execFile } from 'node:child_process';
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
  home = await tempDir('airfeed-cli-');
  mirror = await writeMirror(path.join(home, 'mirror'), {
    'v3.20': { main: { musl: { '1.2.5-r1': ['CVE-2025-26519'] }, xen: { '4.18.2-r0': ['XSA-458'] } } },
    edge: { main: { musl: { '1.2.5-r9': ['CVE-2025-26519'] } } },
  });
});
afterAll(async () => {
  await db.drop();
});

describe('airfeed CLI', () => {
  it('syncs from a mirror directory and prints JSON reports', async () => {
    const r = await airfeed('sync', 'alpine', '--source', mirror, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const reports = JSON.parse(r.stdout) as { driver: string; status: string; groups: Record<string, { added: number }> }[];
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ driver: 'alpine', status: 'succeeded' });
    expect(reports[0]?.groups['alpine:3.20']?.added).toBe(2);
  });

  it('lists groups as a table and as JSON, and disables and enables them', async () => {
    const table = await airfeed('groups', 'list');
    expect(table.stdout).toMatch(/^FEED\s+GROUP\s+ENABLED\s+RECORDS\s+LAST SYNC\s+LAST SUCCESS\s+STALE$/m);
    expect(table.stdout).toMatch(/^vulnerabilities\s+alpine:3\.20\s+yes\s+2\s+\d{4}-.*\s+no$/m);
    expect((await airfeed('groups', 'disable', 'alpine:edge')).stdout).toBe('group alpine:edge disabled\n');
    const json = JSON.parse((await airfeed('groups', 'list', '--json')).stdout) as { name: string; enabled: boolean; recordCount: number }[];
    expect(json.map((g) => [g.name, g.enabled, g.recordCount])).toEqual([['alpine:3.20', true, 2], ['alpine:edge', false, 1]]);
    expect((await airfeed('groups', 'enable', 'vulnerabilities')).stdout).toBe('feed vulnerabilities enabled\n');
  });

  it('fails with exit code 1 and says what to do', async () => {
    const unknown = await airfeed('groups', 'disable', 'alpine:9.9');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no feed or group named "alpine:9.9"\n\s+what to do: Run `airfeed groups list`/);
    const missing = await airfeed('sync', 'alpine', '--source', path.join(home, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read mirror directory .*nope: it does not exist\n\s+what to do: Check the path/);
    const badDriver = await airfeed('sync', 'gentoo');
    expect(badDriver.code).toBe(1);
    expect(badDriver.stderr).toMatch(/unknown driver "gentoo"; known drivers: alpine, debian, kev, osv, redhat, ubuntu/);
  });

  it('reports a group whose input vanished upstream, keeps it, lists it as stale, and un-stales it when it returns', async () => {
    const spec = {
      'v3.20': { main: { musl: { '1.2.5-r1': ['CVE-2025-26519'] }, xen: { '4.18.2-r0': ['XSA-458'] } } },
      edge: { main: { musl: { '1.2.5-r9': ['CVE-2025-26519'] } } },
    };
    await writeMirror(mirror, { 'v3.20': spec['v3.20'] });
    const gone = await airfeed('sync', 'alpine', '--source', mirror);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toMatch(/^alpine\s+alpine:edge\s+-\s+-\s+-\s+-\s+vanished upstream now: data kept and served, group marked stale$/m);
    const json = JSON.parse((await airfeed('sync', 'alpine', '--source', mirror, '--json')).stdout) as { vanished: unknown[] }[];
    expect(json[0]?.vanished).toEqual([{ group: 'alpine:edge', since: expect.stringMatching(/Z$/) as string, newly: false }]);
    expect((await airfeed('groups', 'list')).stdout).toMatch(/^vulnerabilities\s+alpine:edge\s+no\s+1\s+.*yes: vanished upstream \d{4}-\d\d-\d\dT[\d:]+Z$/m);
    const listed = JSON.parse((await airfeed('groups', 'list', '--json')).stdout) as { name: string; stale: boolean; recordCount: number }[];
    expect(listed.map((g) => [g.name, g.stale, g.recordCount])).toEqual([['alpine:3.20', false, 2], ['alpine:edge', true, 1]]);
    await writeMirror(mirror, spec);
    const back = await airfeed('sync', 'alpine', '--source', mirror);
    // alpine:edge was disabled above: vanishing and returning are reported all the same.
    expect(back.stdout).toMatch(/^alpine\s+alpine:edge\s+-\s+-\s+-\s+-\s+back upstream: no longer stale; not synced \(disabled\)$/m);
    expect((await airfeed('groups', 'list')).stdout).toMatch(/^vulnerabilities\s+alpine:edge\s+.*\s+no$/m);
  });

  it('explains itself with --help', async () => {
    const help = await airfeed('--help');
    expect(help.code).toBe(0);
    for (const cmd of ['demo', 'sync', 'groups', 'db']) expect(help.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    const status = await airfeed('db', 'status', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({ schemaVersion: expect.any(Number) as number });
  });
});
