import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { getGroup, listGroups, setEnabled } from '../../feed-service/storage/groups.ts';
import { lockDriver } from '../../feed-service/storage/locks.ts';
import { listEvents, listRuns } from '../../feed-service/storage/runs.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { type MirrorSpec, tempDir, writeMirror } from '../helpers/mirror.ts';

let db: TestDb;
let home: string;
let mirror: string;

const spec: MirrorSpec = {
  'v3.19': {
    main: { openssl: { '3.1.4-r1': ['CVE-2023-5678'], '3.1.4-r3': ['CVE-2023-6129'] }, musl: { '1.2.4-r2': ['CVE-2020-28928'] } },
    community: { go: { '1.21.5-r0': ['CVE-2023-39326', 'CVE-2023-45285'] } },
  },
  'v3.20': {
    main: { openssl: { '3.3.0-r2': ['CVE-2024-4603'] }, xen: { '4.18.2-r0': ['XSA-458'] } },
    community: { go: { '1.22.3-r0': ['CVE-2024-24787'] } },
  },
};

function sync(options: { force?: boolean; source?: string } = {}): ReturnType<typeof syncDriver> {
  return syncDriver(db.sql, alpine, { home, http: new HttpClient(), log: silentLogger, source: options.source ?? mirror, ...(options.force ? { force: true } : {}) });
}

async function records(group: string): Promise<{ id: string; seq: number; hash: string; deleted: boolean }[]> {
  return db.sql`select id, seq, hash, deleted from records where group_name = ${group} order by id`;
}

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.sql`truncate records, groups, drivers, events, sync_runs cascade`;
  await db.sql`update feeds set enabled = true`;
  home = await tempDir('airfeed-home-');
  mirror = await writeMirror(path.join(home, 'mirror'), spec);
});

describe('sync alpine from a mirror directory', () => {
  it('creates the groups it discovers and applies their records', async () => {
    const report = await sync();
    expect(report.status).toBe('succeeded');
    expect(Object.keys(report.groups).sort()).toEqual(['alpine:3.19', 'alpine:3.20']);
    expect(report.groups['alpine:3.20']).toMatchObject({ added: 3, changed: 0, removed: 0, unchanged: 0 });
    const groups = await listGroups(db.sql);
    expect(groups.map((g) => [g.name, g.feed, g.driver, g.recordCount, g.enabled])).toEqual([
      ['alpine:3.19', 'vulnerabilities', 'alpine', 5, true],
      ['alpine:3.20', 'vulnerabilities', 'alpine', 3, true],
    ]);
    expect((await records('alpine:3.20')).map((r) => r.id)).toEqual(['CVE-2024-24787', 'CVE-2024-4603', 'XSA-458']);
    const runs = await listRuns(db.sql);
    expect(runs[0]).toMatchObject({ driver: 'alpine', status: 'succeeded' });
    const types = (await listEvents(db.sql)).map((e) => e.type).reverse();
    expect(types).toEqual([
      'feeds.sync.started',
      // The first sync sees both groups for the first time.
      'feeds.sync.group_appeared', 'feeds.sync.group_appeared',
      'feeds.sync.group_started', 'feeds.sync.group_completed',
      'feeds.sync.group_started', 'feeds.sync.group_completed',
      'feeds.sync.completed',
    ]);
  });

  it('writes nothing and takes no sequence value on a re-sync with no upstream change', async () => {
    await sync();
    const before = { a: await records('alpine:3.19'), b: await records('alpine:3.20') };
    const seq = await db.sql`select last_value from change_seq`;
    const report = await sync();
    expect(report.status).toBe('unchanged');
    const forced = await sync({ force: true });
    expect(forced.status).toBe('succeeded');
    expect(forced.groups['alpine:3.19']).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 5, skipped: false });
    expect({ a: await records('alpine:3.19'), b: await records('alpine:3.20') }).toEqual(before);
    expect(await db.sql`select last_value from change_seq`).toEqual(seq);
  });

  it('gives one changed fixed version exactly one new sequence value, and skips the untouched group', async () => {
    await sync();
    const before = await records('alpine:3.19');
    const other = await records('alpine:3.20');
    const changed = structuredClone(spec);
    changed['v3.19']!['main']!['musl'] = { '1.2.4-r3': ['CVE-2020-28928'] };
    await writeMirror(mirror, changed);
    const report = await sync();
    expect(report.groups['alpine:3.19']).toMatchObject({ added: 0, changed: 1, removed: 0, unchanged: 4 });
    expect(report.groups['alpine:3.20']).toMatchObject({ skipped: true });
    const after = await records('alpine:3.19');
    const moved = after.filter((r, i) => r.seq !== before[i]?.seq);
    expect(moved.map((r) => r.id)).toEqual(['CVE-2020-28928']);
    expect(await records('alpine:3.20')).toEqual(other);
  });

  it('turns a removed entry into a tombstone', async () => {
    await sync();
    const removed = structuredClone(spec);
    delete removed['v3.20']!['main']!['xen'];
    await writeMirror(mirror, removed);
    const report = await sync();
    expect(report.groups['alpine:3.20']).toMatchObject({ removed: 1, unchanged: 2 });
    const xsa = (await records('alpine:3.20')).find((r) => r.id === 'XSA-458');
    expect(xsa?.deleted).toBe(true);
    expect((await getGroup(db.sql, 'alpine:3.20'))?.recordCount).toBe(2);
  });

  it('does not sync a disabled group and keeps its data', async () => {
    await sync();
    const kept = await records('alpine:3.20');
    await setEnabled(db.sql, 'alpine:3.20', false);
    const changed = structuredClone(spec);
    changed['v3.20']!['main']!['openssl'] = { '3.3.1-r0': ['CVE-2024-4603', 'CVE-2024-5535'] };
    changed['v3.19']!['main']!['musl'] = { '1.2.4-r3': ['CVE-2020-28928'] };
    await writeMirror(mirror, changed);
    const report = await sync();
    expect(Object.keys(report.groups)).toEqual(['alpine:3.19']);
    expect(await records('alpine:3.20')).toEqual(kept);
    await setEnabled(db.sql, 'alpine:3.20', true);
    const again = await sync();
    expect(again.groups['alpine:3.20']).toMatchObject({ added: 1, changed: 1 });
  });

  it('fails the run on malformed upstream JSON, naming the file, and keeps the previous data', async () => {
    await sync();
    const before = await records('alpine:3.20');
    const file = path.join(mirror, 'v3.20', 'main.json');
    const text = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, text.slice(0, Math.floor(text.length / 2)));
    const report = await sync();
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/v3\.20\/main\.json/);
    expect(await records('alpine:3.20')).toEqual(before);
    expect((await getGroup(db.sql, 'alpine:3.20'))?.recordCount).toBe(3);
    const [run] = await listRuns(db.sql);
    expect(run).toMatchObject({ status: 'failed' });
    expect(run?.error).toMatch(/v3\.20\/main\.json/);
    const failedEvents = (await listEvents(db.sql)).filter((e) => e.type === 'feeds.sync.group_failed' || e.type === 'feeds.sync.failed');
    expect(failedEvents.length).toBeGreaterThan(0);
    // Repaired upstream: the next run succeeds.
    await fs.writeFile(file, text);
    expect((await sync()).status).not.toBe('failed');
  });

  it('fails the group on invalid UTF-8 upstream, naming the file and byte offset, and keeps serving the previous data', async () => {
    await sync();
    const before = await records('alpine:3.20');
    const file = path.join(mirror, 'v3.20', 'main.json');
    const text = await fs.readFile(file);
    // A package name whose first two bytes are not UTF-8 (0xff 0xfe): once stored as "\uFFFD\uFFFDaom".
    const at = text.indexOf(Buffer.from('"name":'));
    expect(at).toBeGreaterThan(0);
    const quote = text.indexOf(0x22, at + 7);
    const broken = Buffer.concat([text.subarray(0, quote + 1), Buffer.from([0xff, 0xfe]), text.subarray(quote + 1)]);
    await fs.writeFile(file, broken);
    const report = await sync();
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/v3\.20\/main\.json/);
    expect(report.error).toContain(`byte ${quote + 1}`);
    expect(report.error).toMatch(/UTF-8/);
    expect(await records('alpine:3.20')).toEqual(before);
    expect(JSON.stringify(await records('alpine:3.20'))).not.toContain('\uFFFD');
    await fs.writeFile(file, text);
    expect((await sync()).status).not.toBe('failed');
  });

  it('refuses a second concurrent sync of the same driver, clearly', async () => {
    const held = await lockDriver(db.sql, 'alpine');
    try {
      await expect(sync()).rejects.toThrow(/driver alpine is already being synced by another process/);
    } finally {
      await held.release();
    }
    expect((await sync()).status).toBe('succeeded');
  });

  it('lets a waiting sync proceed once the lock is released', async () => {
    const held = await lockDriver(db.sql, 'alpine');
    const waiting = syncDriver(db.sql, alpine, { home, http: new HttpClient(), log: silentLogger, source: mirror, wait: true });
    let settled = false;
    void waiting.then(() => (settled = true), () => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    await held.release();
    expect((await waiting).status).toBe('succeeded');
  });
});
