/** /v2: groups, cursor paging and NDJSON by change sequence, tombstones, lookup by id. */
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSql } from '../../feed-service/storage/db.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { makeRecord } from '../helpers/records.ts';
import { type AlpineHome, alpineHome, loadGroup, makeApp, SPEC } from './service-helpers.ts';

let db: TestDb;
let app: FastifyInstance;
let env: AlpineHome;

interface Item {
  seq: number;
  id: string;
  deleted: boolean;
  updatedAt: string;
  record: { id: string; namespace: string; fixedIn: { package: string; version: string }[] };
}
interface PageBody {
  group: string;
  after: number;
  next: number;
  more: boolean;
  records: Item[];
}

async function page(group: string, after: number, limit?: number): Promise<PageBody> {
  const res = await app.inject({ method: 'GET', url: `/v2/groups/${group}/records?after=${after}${limit ? `&limit=${limit}` : ''}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<PageBody>();
}

/** Pages with the cursor until `more` is false; returns the records and the last cursor. */
async function pageAll(group: string, after: number, limit: number): Promise<{ items: Item[]; cursor: number }> {
  const items: Item[] = [];
  let cursor = after;
  for (;;) {
    const p = await page(group, cursor, limit);
    items.push(...p.records);
    cursor = p.next;
    if (!p.more) return { items, cursor };
  }
}

async function ndjson(group: string, after: number, limit?: number): Promise<{ items: Item[]; contentType: string }> {
  const res = await app.inject({
    method: 'GET',
    url: `/v2/groups/${group}/records?after=${after}${limit ? `&limit=${limit}` : ''}`,
    headers: { accept: 'application/x-ndjson' },
  });
  expect(res.statusCode).toBe(200);
  const lines = res.body.split('\n');
  expect(lines.pop()).toBe('');
  return { items: lines.map((l) => JSON.parse(l) as Item), contentType: String(res.headers['content-type']) };
}

beforeAll(async () => {
  db = await createTestDb();
  app = await makeApp(db.sql);
});
afterAll(async () => {
  await app.close();
  await db.drop();
});
beforeEach(async () => {
  await db.sql`truncate records, groups, drivers, events, sync_runs cascade`;
  env = await alpineHome(db.sql);
  await env.sync();
});

describe('/v2 groups', () => {
  it('lists groups with enabled flag, record count, last sync, last success and highest sequence', async () => {
    const res = await app.inject({ method: 'GET', url: '/v2/groups' });
    const { groups } = res.json<{ groups: Record<string, unknown>[] }>();
    const maxSeq = await db.sql<{ m: number }[]>`select max(seq) as m from records where group_name = 'alpine:3.20'`;
    expect(groups.map((g) => g['name'])).toEqual(['alpine:3.19', 'alpine:3.20']);
    expect(groups[1]).toMatchObject({ feed: 'vulnerabilities', driver: 'alpine', enabled: true, recordCount: 4, maxSeq: maxSeq[0]?.m });
    expect(Date.parse(String(groups[1]?.['lastSync']))).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(String(groups[1]?.['lastSuccess']))).toBeGreaterThan(Date.now() - 60_000);
    const one = await app.inject({ method: 'GET', url: '/v2/groups/alpine:3.20' });
    expect(one.json()).toEqual(groups[1]);
    const feeds = await app.inject({ method: 'GET', url: '/v2/feeds' });
    expect(feeds.json()).toEqual({ feeds: [{ name: 'vulnerabilities', description: 'Operating system package vulnerabilities (Alpine, Debian, Ubuntu, Red Hat)', groupCount: 2 }] });
  });
});

describe('/v2 records by change sequence', () => {
  it('gives the same records through cursor pages and through NDJSON, in sequence order', async () => {
    const paged = await pageAll('alpine:3.19', 0, 2);
    const streamed = await ndjson('alpine:3.19', 0);
    expect(streamed.contentType).toBe('application/x-ndjson');
    expect(paged.items).toHaveLength(5);
    expect(streamed.items).toEqual(paged.items);
    const seqs = paged.items.map((i) => i.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(paged.cursor).toBe(seqs[seqs.length - 1]);
    // The stored normalized record is served as is.
    const stored = await db.sql<{ doc: string }[]>`select doc from records where group_name = 'alpine:3.19' and id = 'CVE-2020-28928'`;
    expect(paged.items.find((i) => i.id === 'CVE-2020-28928')?.record).toEqual(JSON.parse(stored[0]?.doc ?? 'null'));
    // NDJSON honours limit and after like the pages do.
    expect((await ndjson('alpine:3.19', seqs[1] ?? 0, 2)).items).toEqual(paged.items.slice(2, 4));
  });

  it('streams NDJSON in numeric sequence order across digit boundaries (9 < 10 < 100), with and without limit', async () => {
    const records = Array.from({ length: 120 }, (_, i) => makeRecord('test:digits', `CVE-2024-${String(i).padStart(5, '0')}`));
    await loadGroup(db.sql, 'test:digits', records);
    const seqs = (await db.sql<{ seq: number }[]>`select seq from records where group_name = 'test:digits' order by seq`).map((r) => r.seq);
    expect(seqs[seqs.length - 1]).toBeGreaterThanOrEqual(100);
    const all = (await ndjson('test:digits', 0)).items.map((i) => i.seq);
    expect(all).toEqual(seqs);
    // A limited stream is the next `limit` changes, not the first ones in text order.
    const after = seqs[94] ?? 0;
    expect((await ndjson('test:digits', after, 10)).items.map((i) => i.seq)).toEqual(seqs.slice(95, 105));
    expect((await pageAll('test:digits', 0, 7)).items.map((i) => i.seq)).toEqual(seqs);
  });

  it('answers a stored cursor after a re-sync with one change with exactly that record', async () => {
    const { cursor } = await pageAll('alpine:3.19', 0, 100);
    const other = (await pageAll('alpine:3.20', 0, 100)).cursor;
    const changed = structuredClone(SPEC);
    changed['v3.19']!['main']!['musl'] = { '1.2.4-r3': ['CVE-2020-28928'] };
    await env.write(changed);
    await env.sync();
    const delta = await page('alpine:3.19', cursor);
    expect(delta.records.map((r) => [r.id, r.record.fixedIn[0]?.version])).toEqual([['CVE-2020-28928', '1.2.4-r3']]);
    expect(delta.more).toBe(false);
    expect((await ndjson('alpine:3.19', cursor)).items).toEqual(delta.records);
    // Nothing changed in the other group, nothing after its cursor; asking again from the new cursor is empty too.
    expect((await page('alpine:3.20', other)).records).toEqual([]);
    const again = await page('alpine:3.19', delta.next);
    expect(again).toMatchObject({ records: [], next: delta.next, more: false });
  });

  it('includes tombstones, marked deleted, in sequence order', async () => {
    const { cursor } = await pageAll('alpine:3.20', 0, 100);
    const removed = structuredClone(SPEC);
    delete removed['v3.20']!['main']!['xen'];
    await env.write(removed);
    await env.sync();
    const delta = await page('alpine:3.20', cursor);
    expect(delta.records.map((r) => [r.id, r.deleted])).toEqual([['XSA-458', true]]);
    expect((await ndjson('alpine:3.20', cursor)).items.map((r) => r.deleted)).toEqual([true]);
  });

  it('streams NDJSON over a real socket and gives the connection back when the client goes away mid-stream', async () => {
    await loadGroup(db.sql, 'test:big', Array.from({ length: 20_000 }, (_, i) => makeRecord('test:big', `CVE-2024-${i}`)));
    // A pool of two: a stream that kept its connection after an abort would starve the third request.
    const sql = createSql(db.url, { max: 2 });
    const listening = await makeApp(sql);
    await listening.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(listening.server.address() as { port: number }).port}/v2/groups/test:big/records`;
      for (let i = 0; i < 5; i++) {
        const ctrl = new AbortController();
        const res = await request(url, { headers: { accept: 'application/x-ndjson' }, signal: ctrl.signal });
        expect(res.headers['content-type']).toBe('application/x-ndjson');
        for await (const chunk of res.body) {
          expect((chunk as Buffer).length).toBeGreaterThan(0);
          break;
        }
        ctrl.abort();
      }
      const full = await request(url, { headers: { accept: 'application/x-ndjson' }, headersTimeout: 10_000, bodyTimeout: 10_000 });
      let lines = 0;
      for await (const chunk of full.body) for (const b of chunk as Buffer) if (b === 10) lines++;
      expect(lines).toBe(20_000);
    } finally {
      await listening.close();
      await sql.end({ timeout: 5 });
    }
  });
});

describe('/v2 vulnerabilities by id', () => {
  it('finds an id across every served group', async () => {
    const res = await app.inject({ method: 'GET', url: '/v2/vulnerabilities/CVE-2024-0001' });
    const body = res.json<{ id: string; records: (Item & { group: string; feed: string })[] }>();
    expect(body.id).toBe('CVE-2024-0001');
    expect(body.records.map((r) => [r.group, r.feed, r.record.namespace, r.deleted])).toEqual([
      ['alpine:3.19', 'vulnerabilities', 'alpine:3.19', false],
      ['alpine:3.20', 'vulnerabilities', 'alpine:3.20', false],
    ]);
    const missing = await app.inject({ method: 'GET', url: '/v2/vulnerabilities/CVE-1999-0001' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
