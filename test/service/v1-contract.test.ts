/**
 * The Anchore feed API contract, replayed as Anchore Engine 1.x sends it: group names with an
 * unencoded colon, `since` and `next_token` appended raw, `since` as Python's naive isoformat.
 */
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setEnabled } from '../../feed-service/storage/groups.ts';
import { microsToIso } from '../../feed-service/storage/serve.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { type AlpineHome, alpineHome, makeApp, SPEC } from './service-helpers.ts';

let db: TestDb;
let app: FastifyInstance;
let env: AlpineHome;
const BASE = '/v1/service/feeds';

interface Page {
  data: { Vulnerability: { Name: string; FixedIn: unknown[] } }[];
  next_token: string;
}

/** What the engine's client does: GET, require 200 and the exact content type, follow next_token, re-send since. */
async function engineDownload(a: FastifyInstance, group: string, since?: string): Promise<{ pages: Page[]; raw: string[] }> {
  const pages: Page[] = [];
  const raw: string[] = [];
  let token = '';
  for (let i = 0; i < 100; i++) {
    const query = [since ? `since=${since}` : '', token ? `next_token=${token}` : ''].filter(Boolean).join('&');
    const res = await a.inject({ method: 'GET', url: `${BASE}/vulnerabilities/${group}${query ? `?${query}` : ''}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    raw.push(res.body);
    const page = res.json<Page>();
    pages.push(page);
    token = page.next_token;
    if (!token) return { pages, raw };
  }
  throw new Error('paging never ended');
}

async function updatedMicros(group: string): Promise<number> {
  const rows = await db.sql<{ us: number }[]>`select max((extract(epoch from updated_at) * 1000000)::bigint) as us from records where group_name = ${group}`;
  return rows[0]?.us ?? 0;
}

const naive = (us: number): string => microsToIso(us).replace(/Z$/, '');

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
  await db.sql`update feeds set enabled = true`;
  env = await alpineHome(db.sql);
});

describe('feed and group lists', () => {
  it('always carries the feeds key, even with nothing to serve', async () => {
    const res = await app.inject({ method: 'GET', url: BASE });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"feeds":[],"next_token":""}');
  });

  it('lists feeds with groups and their groups, with unencoded colons in names', async () => {
    await env.sync();
    const feeds = await app.inject({ method: 'GET', url: BASE });
    expect(feeds.json()).toEqual({ feeds: [{ name: 'vulnerabilities', description: 'Operating system package vulnerabilities (Alpine, Debian, Ubuntu, Red Hat)', access_tier: 0 }], next_token: '' });
    const groups = await app.inject({ method: 'GET', url: `${BASE}/vulnerabilities` });
    expect(groups.json()).toEqual({
      groups: [
        { name: 'alpine:3.19', description: 'Alpine Linux 3.19 security fixes (secdb)', access_tier: 0 },
        { name: 'alpine:3.20', description: 'Alpine Linux 3.20 security fixes (secdb)', access_tier: 0 },
      ],
      next_token: '',
    });
    expect((await app.inject({ method: 'GET', url: `${BASE}/nvdv2` })).statusCode).toBe(404);
  });

  it('does not list a disabled group or a disabled feed, and answers 404 for their data', async () => {
    await env.sync();
    await setEnabled(db.sql, 'alpine:3.20', false);
    const groups = (await app.inject({ method: 'GET', url: `${BASE}/vulnerabilities` })).json<{ groups: { name: string }[] }>();
    expect(groups.groups.map((g) => g.name)).toEqual(['alpine:3.19']);
    expect((await app.inject({ method: 'GET', url: `${BASE}/vulnerabilities/alpine:3.20` })).statusCode).toBe(404);
    await setEnabled(db.sql, 'vulnerabilities', false);
    expect((await app.inject({ method: 'GET', url: BASE })).body).toBe('{"feeds":[],"next_token":""}');
    expect((await app.inject({ method: 'GET', url: `${BASE}/vulnerabilities/alpine:3.19` })).statusCode).toBe(404);
  });
});

describe('group data pages', () => {
  it('serves the Anchore Vulnerability shape with Content-Type exactly application/json, last page next_token ""', async () => {
    await env.sync();
    const { pages, raw } = await engineDownload(app, 'alpine:3.20');
    expect(pages).toHaveLength(1);
    expect(raw[0]?.endsWith(',"next_token":""}')).toBe(true);
    const byName = new Map(pages[0]?.data.map((r) => [r.Vulnerability.Name, r]));
    expect([...byName.keys()].sort()).toEqual(['CVE-2024-0001', 'CVE-2024-24787', 'CVE-2024-4603', 'XSA-458']);
    expect(byName.get('CVE-2024-4603')).toEqual({
      Vulnerability: {
        Name: 'CVE-2024-4603',
        NamespaceName: 'alpine:3.20',
        Severity: 'Unknown',
        Description: '',
        Link: 'https://nvd.nist.gov/vuln/detail/CVE-2024-4603',
        CVSS: [],
        FixedIn: [{ Name: 'openssl', NamespaceName: 'alpine:3.20', Version: '3.3.0-r2', VersionFormat: 'apk' }],
        Metadata: {},
      },
    });
  });

  it('sends the exact Content-Type header on the wire for a request written as the engine writes it', async () => {
    await env.sync();
    const listening = await makeApp(db.sql);
    await listening.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = listening.server.address() as net.AddressInfo;
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
        // Unencoded colon and `+`, exactly as the engine's client concatenates them.
        socket.write('GET /v1/service/feeds/vulnerabilities/alpine:3.20?since=2021-06-03T20:18:03.123456+00:00 HTTP/1.1\r\nHost: feeds\r\nConnection: close\r\n\r\n');
      });
      const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
      expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      const contentTypes = head.split('\r\n').filter((l) => /^content-type:/i.test(l));
      expect(contentTypes).toEqual(['content-type: application/json']);
    } finally {
      await listening.close();
    }
  });

  it('accepts since as a naive time, with microseconds, with +00:00, with Z and with a space where + was', async () => {
    await env.sync();
    const t = await updatedMicros('alpine:3.20');
    // The overlap window is one hour: since = updated_at + 1h still serves the records, 1 µs later does not.
    const edge = t + 3600 * 1_000_000;
    const inside = naive(edge);
    const outside = naive(edge + 1);
    const count = async (since: string): Promise<number> => (await engineDownload(app, 'alpine:3.20', since)).pages.flatMap((p) => p.data).length;
    expect(await count(inside)).toBe(4);
    expect(await count(outside)).toBe(0);
    expect(await count(`${inside}+00:00`)).toBe(4); // decoded as a space by the query parser
    expect(await count(`${outside}+00:00`)).toBe(0);
    expect(await count(`${inside}%2B00:00`)).toBe(4);
    expect(await count(`${inside} 00:00`.replace(' ', '%20'))).toBe(4);
    expect(await count(`${inside}Z`)).toBe(4);
    expect(await count(`${outside}Z`)).toBe(0);
    // The same instant written an hour later in +01:00.
    expect(await count(`${naive(edge + 3600 * 1_000_000)}+01:00`)).toBe(4);
    expect(await count(`${naive(edge + 1 + 3600 * 1_000_000)}+01:00`)).toBe(0);
    // isoformat() drops the fraction when it is zero.
    expect(await count('2021-06-03T20:18:03')).toBe(4);
    expect(await count('2099-06-03T20:18:03')).toBe(0);
  });

  it('pages with next_token, keeps a token valid together with the original since, and ends with ""', async () => {
    await env.sync();
    const small = await makeApp(db.sql, { pageSize: 2 });
    try {
      for (const since of [undefined, '2021-06-03T20:18:03.123456', '2021-06-03T20:18:03.123456+00:00']) {
        const { pages, raw } = await engineDownload(small, 'alpine:3.19', since);
        expect(pages.map((p) => p.data.length)).toEqual([2, 2, 1]);
        expect(pages.slice(0, 2).every((p) => /^[A-Za-z0-9._~-]+$/.test(p.next_token))).toBe(true);
        expect(raw[2]?.endsWith('"next_token":""}')).toBe(true);
        const names = pages.flatMap((p) => p.data.map((r) => r.Vulnerability.Name));
        expect(names.sort()).toEqual(['CVE-2020-28928', 'CVE-2023-39326', 'CVE-2023-5678', 'CVE-2023-6129', 'CVE-2024-0001']);
      }
      // A token from a full download, re-sent with a since that excludes everything: an empty last page.
      const first = (await small.inject({ method: 'GET', url: `${BASE}/vulnerabilities/alpine:3.19` })).json<Page>();
      const res = await small.inject({ method: 'GET', url: `${BASE}/vulnerabilities/alpine:3.19?since=2099-01-01T00:00:00&next_token=${first.next_token}` });
      expect(res.body).toBe('{"data":[],"next_token":""}');
      // An empty next_token is the same as none.
      expect((await small.inject({ method: 'GET', url: `${BASE}/vulnerabilities/alpine:3.19?next_token=` })).json<Page>().data).toHaveLength(2);
    } finally {
      await small.close();
    }
  });

  it('sends a removed record again with an empty FixedIn in the next delta', async () => {
    await env.sync();
    const since = new Date(Date.now() - 1000).toISOString().replace(/Z$/, '000');
    const removed = structuredClone(SPEC);
    delete removed['v3.20']!['main']!['xen'];
    await env.write(removed);
    await env.sync();
    const delta = (await engineDownload(app, 'alpine:3.20', since)).pages.flatMap((p) => p.data);
    const xsa = delta.find((r) => r.Vulnerability.Name === 'XSA-458');
    expect(xsa?.Vulnerability.FixedIn).toEqual([]);
  });

  it('serves anonymous reads and ignores optional HTTP Basic credentials', async () => {
    await env.sync();
    const basic = `Basic ${Buffer.from('engine:whatever').toString('base64')}`;
    const res = await app.inject({ method: 'GET', url: `${BASE}/vulnerabilities/alpine:3.19`, headers: { authorization: basic } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
  });
});
