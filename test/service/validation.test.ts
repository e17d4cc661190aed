/** Malformed input gets a 400 or 404 with a message naming the parameter, never a 500. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToken, encodeToken, MAX_TOKEN_LENGTH, parseSince } from '../../feed-service/http/v1-params.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { adminAuth, alpineHome, makeApp } from './service-helpers.ts';

let db: TestDb;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDb();
  app = await makeApp(db.sql);
  await (await alpineHome(db.sql)).sync();
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

interface Case {
  method?: 'GET' | 'PATCH' | 'POST';
  url: string;
  status: number;
  message: RegExp;
  payload?: string;
  headers?: Record<string, string>;
}

const V1 = '/v1/service/feeds/vulnerabilities/alpine:3.20';
const R = '/v2/groups/alpine:3.20/records';
const forged = Buffer.from('2.123.CVE-1').toString('base64url');
const cases: Case[] = [
  { url: `${R}?limit=-1`, status: 400, message: /query parameter "limit" must be >= 1/ },
  { url: `${R}?limit=0`, status: 400, message: /"limit"/ },
  { url: `${R}?limit=100001`, status: 400, message: /"limit" must be <= 10000/ },
  { url: `${R}?limit=1.5`, status: 400, message: /"limit" must be integer/ },
  { url: `${R}?after=abc`, status: 400, message: /query parameter "after" must be integer/ },
  { url: `${R}?after=-1`, status: 400, message: /"after" must be >= 0/ },
  { url: `${R}?after=99999999999999999999`, status: 400, message: /"after"/ },
  { url: '/v2/groups/alpine:9.99/records', status: 404, message: /no served group "alpine:9\.99"/ },
  { url: '/v2/groups/alpine:9.99', status: 404, message: /alpine:9\.99/ },
  { url: '/v1/service/feeds/vulnerabilities/alpine:9.99', status: 404, message: /no served group "alpine:9\.99"/ },
  { url: '/v1/service/feeds/github/alpine:3.20', status: 404, message: /feed "github" has no served group/ },
  { url: '/v1/service/feeds/nosuch', status: 404, message: /feed "nosuch" is not served/ },
  { url: `${V1}?next_token=${'A'.repeat(MAX_TOKEN_LENGTH + 1)}`, status: 400, message: /"next_token" must NOT have more than 1024 characters/ },
  { url: `${V1}?next_token=not+a+token!`, status: 400, message: /next_token/ },
  { url: `${V1}?next_token=${forged}`, status: 400, message: /"next_token" is not a token this service issued/ },
  { url: `${V1}?since=yesterday`, status: 400, message: /query parameter "since": "yesterday" is not a time/ },
  { url: `${V1}?since=2021-02-30T00:00:00`, status: 400, message: /"since".*not a valid calendar time/ },
  { url: `${V1}?since=2021-06-03T25:00:00`, status: 400, message: /"since"/ },
  { url: `${V1}?since=${'9'.repeat(100)}`, status: 400, message: /"since" must NOT have more than 64 characters/ },
  { url: '/v1/service/feeds?next_token=abc', status: 400, message: /single page/ },
  { url: `/v2/vulnerabilities/${'x'.repeat(300)}`, status: 400, message: /path parameter "id" must NOT have more than 200 characters/ },
  { method: 'PATCH', url: '/v2/admin/groups/alpine:3.20', payload: '{"enabled":"maybe"}', status: 400, message: /body field "enabled" must be boolean/, headers: { ...adminAuth, 'content-type': 'application/json' } },
  { method: 'PATCH', url: '/v2/admin/groups/alpine:3.20', payload: '{}', status: 400, message: /body field "enabled" is required/, headers: { ...adminAuth, 'content-type': 'application/json' } },
  { method: 'PATCH', url: '/v2/admin/groups/alpine:3.20', payload: '{"enabled":', status: 400, message: /JSON/i, headers: { ...adminAuth, 'content-type': 'application/json' } },
  { method: 'PATCH', url: '/v2/admin/groups/alpine:3.20', payload: 'enabled=true', status: 415, message: /content-type/i, headers: { ...adminAuth, 'content-type': 'text/csv' } },
  { url: '/v2/admin/runs?limit=abc', status: 400, message: /query parameter "limit" must be integer/, headers: adminAuth },
  { url: '/v2/admin/events?run=0', status: 400, message: /"run" must be >= 1/, headers: adminAuth },
  { url: '/v3/anything', status: 404, message: /no route GET \/v3\/anything/ },
  { url: '/v2/groups/alpine%003.20/records', status: 400, message: /path parameter "group" holds a NUL character/ },
  { url: '/v2/vulnerabilities/CVE%00', status: 400, message: /path parameter "id" holds a NUL character/ },
  { url: '/v1/service/feeds/vulnerabilities/alpine%003.20', status: 400, message: /path parameter "group" holds a NUL character/ },
  { url: '/v2/groups?feed=x%00', status: 400, message: /query parameter "feed" holds a NUL character/ },
  { url: '/v2/groups/%FF/records', status: 400, message: /the request URL is malformed/ },
  { url: `${V1}?since=2021-06-03%00`, status: 400, message: /"since"/ },
];

describe('malformed requests', () => {
  for (const c of cases) {
    it(`${c.method ?? 'GET'} ${c.url.slice(0, 90)}${c.payload !== undefined ? ` ${c.payload}` : ''} → ${c.status}`, async () => {
      const res = await app.inject({ method: c.method ?? 'GET', url: c.url, ...(c.payload !== undefined ? { payload: c.payload } : {}), headers: c.headers ?? {} });
      expect(res.statusCode, res.body).toBe(c.status);
      const body = res.json<{ error: { code: string; message: string } }>();
      expect(body.error.message).toMatch(c.message);
      expect(typeof body.error.code).toBe('string');
    });
  }
});

describe('parameter parsers', () => {
  it('round-trips tokens, including ids with dots and non-ASCII, using only URL-safe characters', () => {
    for (const id of ['CVE-2024-1', 'XSA-458', 'a.b.c', 'ünïcode-id']) {
      const token = encodeToken({ us: 1_717_171_717_123_456, id });
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeToken(token)).toEqual({ us: 1_717_171_717_123_456, id });
    }
  });

  it('reads since to the microsecond, naive as UTC, in every accepted spelling', () => {
    const us = Date.UTC(2021, 5, 3, 20, 18, 3) * 1000 + 123_456;
    expect(parseSince('2021-06-03T20:18:03.123456')).toBe(us);
    expect(parseSince('2021-06-03T20:18:03.123456Z')).toBe(us);
    expect(parseSince('2021-06-03T20:18:03.123456+00:00')).toBe(us);
    expect(parseSince('2021-06-03T20:18:03.123456 00:00')).toBe(us);
    expect(parseSince('2021-06-03T22:18:03.123456+02:00')).toBe(us);
    expect(parseSince('2021-06-03T19:18:03.123456-01:00')).toBe(us);
    expect(parseSince('2021-06-03T20:18:03')).toBe(us - 123_456);
    expect(parseSince('2021-06-03T20:18:03.1')).toBe(us - 23_456);
    expect(parseSince('2021-06-03')).toBe(Date.UTC(2021, 5, 3) * 1000);
  });
});
