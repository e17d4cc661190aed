/** Disabling a group through the admin API hides it and stops its sync; enabling brings it back with its data. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Scheduler } from '../../feed-service/scheduler.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { adminAuth, type AlpineHome, alpineHome, makeApp, makeScheduler, SPEC } from './service-helpers.ts';

let db: TestDb;
let app: FastifyInstance;
let env: AlpineHome;
let scheduler: Scheduler;

const get = async (url: string): Promise<{ status: number; body: unknown }> => {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.statusCode === 200 ? res.json() : undefined };
};
const patch = (url: string, enabled: boolean) => app.inject({ method: 'PATCH', url, headers: adminAuth, payload: { enabled } });
const stored = (group: string) => db.sql`select id, seq, hash, deleted from records where group_name = ${group} order by id`;

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await app.close();
  await scheduler.stop();
  await db.drop();
});
beforeEach(async () => {
  await db.sql`truncate records, groups, drivers, events, sync_runs cascade`;
  await db.sql`update feeds set enabled = true`;
  env = await alpineHome(db.sql);
  if (scheduler) await scheduler.stop();
  if (app) await app.close();
  scheduler = makeScheduler(db.sql, env);
  app = await makeApp(db.sql, { sync: scheduler });
  expect(await scheduler.tick('alpine', { at: new Date() })).toBe('succeeded');
});

describe('enable and disable through the admin API', () => {
  it('a disabled group leaves every listing, its data answers 404, and a sync leaves its data alone', async () => {
    const kept = await stored('alpine:3.20');
    const res = await patch('/v2/admin/groups/alpine:3.20', false);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ group: { name: 'alpine:3.20', feed: 'vulnerabilities', enabled: false, feedEnabled: true } });

    const v1Groups = (await get('/v1/service/feeds/vulnerabilities')).body as { groups: { name: string }[] };
    expect(v1Groups.groups.map((g) => g.name)).toEqual(['alpine:3.19']);
    const v2Groups = (await get('/v2/groups')).body as { groups: { name: string }[] };
    expect(v2Groups.groups.map((g) => g.name)).toEqual(['alpine:3.19']);
    expect((await get('/v1/service/feeds/vulnerabilities/alpine:3.20')).status).toBe(404);
    expect((await get('/v2/groups/alpine:3.20')).status).toBe(404);
    expect((await get('/v2/groups/alpine:3.20/records')).status).toBe(404);
    const byId = (await get('/v2/vulnerabilities/CVE-2024-0001')).body as { records: { group: string }[] };
    expect(byId.records.map((r) => r.group)).toEqual(['alpine:3.19']);
    // The admin listing still shows it, disabled.
    const all = (await app.inject({ method: 'GET', url: '/v2/admin/groups', headers: adminAuth })).json<{ groups: { name: string; enabled: boolean }[] }>();
    expect(all.groups.find((g) => g.name === 'alpine:3.20')?.enabled).toBe(false);

    const changed = structuredClone(SPEC);
    changed['v3.20']!['main']!['openssl'] = { '3.3.1-r0': ['CVE-2024-4603', 'CVE-2024-5535'] };
    changed['v3.19']!['main']!['musl'] = { '1.2.4-r3': ['CVE-2020-28928'] };
    await env.write(changed);
    expect(await scheduler.tick('alpine', { at: new Date(Date.now() + 60_000) })).toBe('succeeded');
    expect(await stored('alpine:3.20')).toEqual(kept);
    const runs = await db.sql<{ counts: Record<string, unknown> }[]>`select counts from sync_runs order by id desc limit 1`;
    expect(Object.keys(runs[0]?.counts ?? {})).toEqual(['alpine:3.19']);

    expect((await patch('/v2/admin/groups/alpine:3.20', true)).statusCode).toBe(200);
    const back = (await get('/v2/groups/alpine:3.20')).body as { recordCount: number };
    expect(back.recordCount).toBe(4);
    const page = (await get('/v1/service/feeds/vulnerabilities/alpine:3.20')).body as { data: unknown[] };
    expect(page.data).toHaveLength(4);
    // The next sync catches it up.
    expect(await scheduler.tick('alpine', { at: new Date(Date.now() + 120_000) })).toBe('succeeded');
    const after = (await get('/v2/groups/alpine:3.20')).body as { recordCount: number };
    expect(after.recordCount).toBe(5);
  });

  it('a disabled feed hides its groups everywhere; unknown names answer 404', async () => {
    expect((await patch('/v2/admin/feeds/vulnerabilities', false)).json()).toEqual({ feed: { name: 'vulnerabilities', enabled: false } });
    expect((await get('/v1/service/feeds')).body).toEqual({ feeds: [], next_token: '' });
    expect((await get('/v1/service/feeds/vulnerabilities')).status).toBe(404);
    expect(((await get('/v2/groups')).body as { groups: unknown[] }).groups).toEqual([]);
    expect((await get('/v2/groups/alpine:3.19/records')).status).toBe(404);
    expect((await patch('/v2/admin/feeds/vulnerabilities', true)).statusCode).toBe(200);
    expect(((await get('/v2/groups')).body as { groups: unknown[] }).groups).toHaveLength(2);
    expect((await patch('/v2/admin/groups/alpine:9.99', false)).statusCode).toBe(404);
    expect((await patch('/v2/admin/feeds/nosuch', false)).statusCode).toBe(404);
  });
});
