/**
 * The Red Hat driver's incremental path on a mocked upstream (undici MockAgent serving a mirror
 * directory the test changes between runs) into PostgreSQL, run after run:
 *
 * 1. a first run killed between the archive and the changes (a changed document keeps failing);
 * 2. the next run resumes: the archive is not downloaded again, the changes are applied;
 * 3. nothing new: only the lists are asked for (conditionally), nothing is written;
 * 4. a new document and a deletion: only the new document is downloaded, the deleted one is
 *    tombstoned, records not mentioned keep their change sequence;
 * 5. a changed document that no longer names a major: its record there becomes a tombstone;
 * 6. a broken document fails the groups, the served data stays, the position does not move; the
 *    next run, with the document repaired, applies it;
 * 7. a new archive once the lists no longer reach back: taken whole, records it lacks tombstoned.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { redhat } from '../../drivers/redhat/index.ts';
import { getDriverState } from '../../feed-service/storage/groups.ts';
import { syncDriver, type SyncReport } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';
import { BASH, CURL, CURL_CHANGED, GLIBC, KERNEL_EUS, NODEJS, OPENSSL } from '../helpers/redhat-fixture.ts';
import { changeList, docPath, type VexSpec, vexDocument, writeArchive, writeDocs } from '../helpers/redhat-vex.ts';

const ORIGIN = 'https://vex.test';
let db: TestDb;
let home: string;
let mirror: string;
const changes: { path: string; time: string }[] = [];
const deletions: { path: string; time: string }[] = [];
let lastRequests: string[] = [];

async function writeLists(): Promise<void> {
  await fs.writeFile(path.join(mirror, 'changes.csv'), changeList(changes));
  await fs.writeFile(path.join(mirror, 'deletions.csv'), changeList(deletions));
}

async function change(spec: VexSpec, time: string): Promise<void> {
  await writeDocs(mirror, [vexDocument(spec)]);
  changes.push({ path: docPath(spec.cve), time });
  await writeLists();
}

/** One sync against the mock upstream; `faults` plans answers per URL path. */
async function sync(faults: Record<string, number> = {}): Promise<SyncReport> {
  const upstream = await new MockUpstream({ origin: ORIGIN, mirrorDir: mirror }).start();
  for (const [p, status] of Object.entries(faults)) upstream.fail(p, ...Array.from({ length: 5 }, () => ({ status, body: 'broken' })));
  try {
    const http = new HttpClient({ dispatcher: upstream.agent, retries: 0 });
    return await syncDriver(db.sql, redhat, { home, http, log: silentLogger, source: `${ORIGIN}/` });
  } finally {
    lastRequests = upstream.requests.map((r) => `${r.status} ${r.path}`);
    await upstream.close();
  }
}

type Row = { group_name: string; id: string; seq: string; deleted: boolean; doc: string };
const rows = async (): Promise<Row[]> => db.sql<Row[]>`select group_name, id, seq::text, deleted, doc from records order by group_name, id`;
const live = async (): Promise<string[]> => (await rows()).filter((r) => !r.deleted).map((r) => `${r.group_name} ${r.id}`);
const stateOf = async (group: string, id: string): Promise<string[]> => {
  const r = (await rows()).find((x) => x.group_name === group && x.id === id);
  return r ? (JSON.parse(r.doc) as { fixedIn: { package: string; state: string; version?: string }[] }).fixedIn.map((f) => `${f.package} ${f.state}${f.version ? ` ${f.version}` : ''}`) : [];
};

beforeAll(async () => {
  db = await createTestDb();
  home = await tempDir('airfeed-redhat-inc-');
  mirror = path.join(home, 'mirror');
  await fs.mkdir(mirror, { recursive: true });
  await writeArchive(mirror, 'csaf_vex_2024-03-01.tar.zst', [CURL, NODEJS, OPENSSL, KERNEL_EUS, GLIBC].map(vexDocument));
  await fs.writeFile(path.join(mirror, 'archive_latest.txt'), 'csaf_vex_2024-03-01.tar.zst\n');
  await change(CURL_CHANGED, '2024-03-05T10:00:00+00:00');
});
afterAll(async () => {
  await db.drop();
  await fs.rm(home, { recursive: true, force: true });
});

describe('redhat: incremental sync run after run', () => {
  const expected1 = [
    'rhel:10 CVE-2024-1001', 'rhel:7 CVE-2024-1003', 'rhel:8 CVE-2024-1001', 'rhel:8 CVE-2024-1002', 'rhel:8 CVE-2024-1003', 'rhel:8 CVE-2024-1004',
    'rhel:9 CVE-2024-1001', 'rhel:9 CVE-2024-1002', 'rhel:9 CVE-2024-1003', 'rhel:9 CVE-2024-1006',
  ];

  it('1. a run killed between the archive and the changes fails and applies nothing', async () => {
    const report = await sync({ '/2024/cve-2024-1001.json': 500 });
    expect(report.status).toBe('failed');
    expect(report.error).toContain('cve-2024-1001.json');
    expect(lastRequests).toContain('200 /csaf_vex_2024-03-01.tar.zst');
    expect(await rows()).toEqual([]);
    expect(await getDriverState(db.sql, 'redhat')).toEqual({});
  });

  it('2. the next run resumes without downloading the archive again and applies the changes', async () => {
    const report = await sync();
    expect(report.status, report.error).toBe('succeeded');
    expect(lastRequests.filter((r) => r.includes('.tar.zst'))).toEqual([]);
    expect(lastRequests).toContain('200 /2024/cve-2024-1001.json');
    expect(await live()).toEqual(expected1);
    // The change after the archive: RHEL 10 fixed, no longer under investigation.
    expect(await stateOf('rhel:10', 'CVE-2024-1001')).toEqual(['curl fixed 0:8.9.1-5.el10_0']);
    expect(await getDriverState(db.sql, 'redhat')).toMatchObject({ archive: { name: 'csaf_vex_2024-03-01.tar.zst' }, position: '2024-03-05T10:00:00Z', atPosition: ['2024/cve-2024-1001.json'] });
  });

  it('3. with nothing new, asks only for the lists, conditionally, and writes nothing', async () => {
    const before = await rows();
    const report = await sync();
    expect(report.status).toBe('unchanged');
    expect(lastRequests.sort()).toEqual(['200 /archive_latest.txt', '304 /changes.csv', '304 /deletions.csv']);
    expect(await rows()).toEqual(before);
  });

  it('4. downloads only the new document, tombstones the deleted one, leaves the rest alone', async () => {
    const before = await rows();
    await change(BASH, '2024-03-06T08:30:00+00:00');
    deletions.push({ path: docPath(GLIBC.cve), time: '2024-03-06T09:00:00+00:00' });
    await writeLists();
    const report = await sync();
    expect(report.status, report.error).toBe('succeeded');
    expect(lastRequests.filter((r) => r.includes('/2024/'))).toEqual(['200 /2024/cve-2024-1007.json']);
    expect(report.groups['rhel:9']).toMatchObject({ added: 1, removed: 1, changed: 0 });
    expect(report.groups['rhel:10']).toMatchObject({ added: 1, removed: 0, changed: 0 });
    const after = await rows();
    expect(after.find((r) => r.id === 'CVE-2024-1006')?.deleted).toBe(true);
    expect(await stateOf('rhel:10', 'CVE-2024-1007')).toEqual(['bash not_affected']);
    const untouched = (rs: Row[]) => rs.filter((r) => !['CVE-2024-1006', 'CVE-2024-1007'].includes(r.id));
    expect(untouched(after)).toEqual(untouched(before));
  });

  it('5. a changed document that no longer names a major tombstones its record there', async () => {
    await change({ ...NODEJS, fixed: (NODEJS.fixed ?? []).filter((f) => f.cpe.includes(':9::')), unfixed: [], current: '2024-03-07T00:00:00+00:00' }, '2024-03-07T00:00:00+00:00');
    const report = await sync();
    expect(report.status, report.error).toBe('succeeded');
    expect(report.groups['rhel:8']).toMatchObject({ removed: 1 });
    expect((await rows()).find((r) => r.group_name === 'rhel:8' && r.id === 'CVE-2024-1002')?.deleted).toBe(true);
    expect(await stateOf('rhel:9', 'CVE-2024-1002')).toEqual(['nodejs fixed 1:16.20.2-4.el9_3']);
  });

  it('6. a broken document fails the groups and keeps the served data; repaired, it is applied', async () => {
    const before = await rows();
    const stateBefore = await getDriverState(db.sql, 'redhat');
    changes.push({ path: docPath(OPENSSL.cve), time: '2024-03-08T00:00:00+00:00' });
    await writeLists();
    await fs.writeFile(path.join(mirror, docPath(OPENSSL.cve)), '{"document": {"tracking": ');
    const report = await sync();
    expect(report.status).toBe('failed');
    expect(report.groups['rhel:9']?.error).toMatch(/SOURCE_INVALID|redhat: 2024\/cve-2024-1003\.json: malformed JSON/);
    expect(report.error).toContain('2024/cve-2024-1003.json');
    expect(await rows()).toEqual(before);
    expect(await getDriverState(db.sql, 'redhat')).toEqual(stateBefore);

    // Red Hat republishes a repaired document: a newer entry in changes.csv.
    await change({ ...OPENSSL, impact: 'Moderate', current: '2024-03-08T01:00:00+00:00' }, '2024-03-08T01:00:00+00:00');
    const fixed = await sync();
    expect(fixed.status, fixed.error).toBe('succeeded');
    const doc = JSON.parse((await rows()).find((r) => r.group_name === 'rhel:9' && r.id === 'CVE-2024-1003')?.doc ?? '{}') as { severity: string };
    expect(doc.severity).toBe('Medium');
  });

  it('7. takes a new archive once the lists no longer reach back, and tombstones what it lacks', async () => {
    await writeArchive(mirror, 'csaf_vex_2024-04-01.tar.zst', [CURL_CHANGED, OPENSSL, BASH].map(vexDocument));
    await fs.writeFile(path.join(mirror, 'archive_latest.txt'), 'csaf_vex_2024-04-01.tar.zst\n');
    changes.length = 0;
    deletions.length = 0;
    changes.push({ path: docPath(BASH.cve), time: '2024-04-02T00:00:00+00:00' });
    await writeLists();
    const report = await sync();
    expect(report.status, report.error).toBe('succeeded');
    expect(lastRequests).toContain('200 /csaf_vex_2024-04-01.tar.zst');
    expect(await live()).toEqual([
      'rhel:10 CVE-2024-1001', 'rhel:10 CVE-2024-1007', 'rhel:7 CVE-2024-1003', 'rhel:8 CVE-2024-1001', 'rhel:8 CVE-2024-1003',
      'rhel:9 CVE-2024-1001', 'rhel:9 CVE-2024-1003', 'rhel:9 CVE-2024-1007',
    ]);
    const ws = await fs.readdir(path.join(home, 'workspaces', 'redhat'));
    expect(ws.filter((n) => n.startsWith('csaf_vex_'))).toEqual(['csaf_vex_2024-04-01.index.tsv', 'csaf_vex_2024-04-01.tar.zst']);
  });
});
