import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAirfeedError } from '../../../drivers/_framework/errors.ts';
import { HttpClient } from '../../../drivers/_framework/http.ts';
import { silentLogger } from '../../../drivers/_framework/log.ts';
import type { VulnRecord } from '../../../drivers/_framework/record.ts';
import { syncFromService } from '../../../engine-client/sources/service.ts';
import { lookupAffected } from '../../../engine-client/store/status.ts';
import type { TestDb } from '../../helpers/db.ts';
import { createEngineTestDb } from '../../helpers/engine-db.ts';
import { makeRecord } from '../../helpers/records.ts';
import { engineState } from './helpers.ts';

/** What the tiny server answers: path (with query) → status, content type and body. */
type Route = (url: URL, req: http.IncomingMessage) => { status: number; type: string; body: string; location?: string } | undefined;

let route: Route = () => undefined;
const seen: { url: string; accept: string | undefined; authorization: string | undefined }[] = [];
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  seen.push({ url: `${url.pathname}${url.search}`, accept: req.headers.accept, authorization: req.headers.authorization });
  const answer = route(url, req) ?? { status: 404, type: 'application/json', body: '{"error":"not found"}' };
  res.writeHead(answer.status, { 'content-type': answer.type, ...(answer.location ? { location: answer.location } : {}) });
  res.end(answer.body);
});
let base: string;
let db: TestDb;
const client = new HttpClient({ retries: 0 });

function line(seq: number, r: VulnRecord, deleted = false): string {
  return JSON.stringify({ seq, id: r.id, deleted, updatedAt: '2025-01-01T00:00:00.000000Z', record: r });
}

/** A /v2 service with one group whose change stream is `lines` (all of them, whatever `after`). */
function v2Service(maxSeq: number, lines: string[]): Route {
  return (url) => {
    if (url.pathname === '/v2/groups') return { status: 200, type: 'application/json', body: JSON.stringify({ groups: [{ name: 'alpine:3.20', feed: 'vulnerabilities', maxSeq }] }) };
    if (url.pathname === '/v2/groups/alpine:3.20/records') return { status: 200, type: 'application/x-ndjson', body: lines.map((l) => `${l}\n`).join('') };
    return undefined;
  };
}

beforeAll(async () => {
  db = await createEngineTestDb();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await db.drop();
});
beforeEach(async () => {
  await db.sql`truncate groups, vulnerabilities, affected`;
  seen.length = 0;
});

describe('a malformed /v2 change stream', () => {
  it('fails with ENGINE_SOURCE_INVALID naming the URL, group and line, and leaves the group as it was', async () => {
    const a = makeRecord('alpine:3.20', 'CVE-2024-0001', '1.0-r1', 'zlib');
    const b = makeRecord('alpine:3.20', 'CVE-2024-0002', '2.0-r0', 'curl');
    route = v2Service(2, [line(1, a), line(2, b)]);
    await syncFromService(db.sql, { url: base, http: client, log: silentLogger });
    expect(seen.find((s) => s.url.startsWith('/v2/groups/alpine:3.20/records'))).toMatchObject({ url: '/v2/groups/alpine:3.20/records?after=0', accept: 'application/x-ndjson, application/json;q=0.9' });
    const before = await engineState(db.sql);

    const changed = makeRecord('alpine:3.20', 'CVE-2024-0001', '1.0-r2', 'zlib');
    route = v2Service(4, [line(3, changed), '{"seq":4,"id":"CVE-2024-0003","deleted":false,"record":{"id":', line(5, b, true)]);
    const err = await syncFromService(db.sql, { url: base, http: client, log: silentLogger }).catch((e: unknown) => e);
    expect(isAirfeedError(err, 'ENGINE_SOURCE_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`^${base}/v2/groups/alpine:3\\.20/records\\?after=2: group alpine:3\\.20: line 2: is not JSON`));
    expect((err as Error).cause).toBeInstanceOf(SyntaxError);
    // The first line was staged but rolled back with the group: the old fix, the old cursor.
    expect(await engineState(db.sql)).toEqual(before);
    expect((await lookupAffected(db.sql, 'alpine:3.20', ['zlib'])).map((r) => r.fixed)).toEqual(['1.0-r1']);
  });

  it('refuses a record that is not a normalized record, naming the field', async () => {
    const bad = { ...makeRecord('alpine:3.20', 'CVE-2024-0009'), severity: 'Dire' };
    route = v2Service(1, [JSON.stringify({ seq: 1, id: 'CVE-2024-0009', deleted: false, updatedAt: 'x', record: bad })]);
    await expect(syncFromService(db.sql, { url: base, http: client, log: silentLogger })).rejects.toThrow(/group alpine:3\.20: line 1: record CVE-2024-0009: field severity/);
    expect(await db.sql`select * from groups`).toHaveLength(0);
  });

  it('refuses a line whose sequence is not after the cursor asked for', async () => {
    const a = makeRecord('alpine:3.20', 'CVE-2024-0001');
    route = v2Service(5, [line(5, a)]);
    await syncFromService(db.sql, { url: base, http: client, log: silentLogger });
    route = v2Service(6, [line(4, a)]);
    await expect(syncFromService(db.sql, { url: base, http: client, log: silentLogger })).rejects.toThrow(/after=5: group alpine:3\.20: line 1: sequence 4 is not after 5/);
  });
});

describe('an Anchore-style service (no /v2)', () => {
  const vuln = (name: string, fixedIn: { Name: string; Version: string }[]): unknown => ({
    Vulnerability: {
      Name: name, NamespaceName: 'debian:12', Severity: 'High', Description: '', Link: `https://security-tracker.debian.org/tracker/${name}`,
      Metadata: {}, FixedIn: fixedIn.map((f) => ({ ...f, NamespaceName: 'debian:12', VersionFormat: 'dpkg' })),
    },
  });
  const advisory = {
    Advisory: {
      ghsaId: 'GHSA-aaaa-bbbb-cccc', namespace: 'github:npm', Severity: 'Medium', Summary: 's', url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc',
      CVE: [], Metadata: {}, withdrawn: null,
      FixedIn: [{ name: 'lodash', range: '>= 4.0.0 < 4.17.21 || < 3.10.2', identifier: '4.17.21', ecosystem: 'npm', namespace: 'github:npm' }],
    },
    Vulnerability: {},
  };

  it('falls back to /v1 on a 404 from /v2/groups, follows next_token, and sends since next time', async () => {
    route = (url) => {
      const json = (body: unknown): { status: number; type: string; body: string } => ({ status: 200, type: 'application/json', body: JSON.stringify(body) });
      if (url.pathname === '/v1/service/feeds') return json({ feeds: [{ name: 'vulnerabilities' }, { name: 'github' }], next_token: '' });
      if (url.pathname === '/v1/service/feeds/vulnerabilities') return json({ groups: [{ name: 'debian:12' }], next_token: '' });
      if (url.pathname === '/v1/service/feeds/github') return json({ groups: [{ name: 'github:npm' }], next_token: '' });
      if (url.pathname === '/v1/service/feeds/vulnerabilities/debian:12') {
        if (url.searchParams.get('next_token') === 'p2') return json({ data: [vuln('CVE-2024-2', [{ Name: 'curl', Version: 'None' }])], next_token: '' });
        return json({ data: [vuln('CVE-2024-1', [{ Name: 'openssl', Version: '3.0.11-1~deb12u1' }, { Name: 'openssl', Version: 'None' }])], next_token: 'p2' });
      }
      if (url.pathname === '/v1/service/feeds/github/github:npm') return json({ data: [advisory], next_token: '' });
      return undefined;
    };
    const now = new Date('2025-03-01T12:00:00.123Z');
    const result = await syncFromService(db.sql, { url: base, http: client, log: silentLogger, now });
    expect(result.protocol).toBe('v1');
    expect(result.groups.map((g) => [g.group, g.feed, g.transferred, g.records, g.affected])).toEqual([
      ['debian:12', 'vulnerabilities', 2, 2, 3],
      ['github:npm', 'github', 1, 1, 1],
    ]);
    expect(await lookupAffected(db.sql, 'debian:12', ['openssl', 'curl', 'zlib'])).toEqual([
      { group: 'debian:12', vulnId: 'CVE-2024-2', package: 'curl', scheme: 'dpkg', state: 'affected', fixed: null, ranges: null, versions: null, channel: null, severity: 'High', link: 'https://security-tracker.debian.org/tracker/CVE-2024-2' },
      { group: 'debian:12', vulnId: 'CVE-2024-1', package: 'openssl', scheme: 'dpkg', state: 'fixed', fixed: '3.0.11-1~deb12u1', ranges: null, versions: null, channel: null, severity: 'High', link: 'https://security-tracker.debian.org/tracker/CVE-2024-1' },
      { group: 'debian:12', vulnId: 'CVE-2024-1', package: 'openssl', scheme: 'dpkg', state: 'affected', fixed: null, ranges: null, versions: null, channel: null, severity: 'High', link: 'https://security-tracker.debian.org/tracker/CVE-2024-1' },
    ]);
    expect(await lookupAffected(db.sql, 'github:npm', ['lodash'])).toEqual([
      {
        group: 'github:npm', vulnId: 'GHSA-aaaa-bbbb-cccc', package: 'lodash', scheme: 'semver', state: 'fixed', fixed: '4.17.21', versions: null, channel: null, severity: 'Medium',
        link: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc',
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '4.0.0' }, { fixed: '4.17.21' }, { introduced: '0' }, { fixed: '3.10.2' }] }],
      },
    ]);
    seen.length = 0;
    await syncFromService(db.sql, { url: base, http: client, log: silentLogger });
    const dataCalls = seen.filter((s) => s.url.startsWith('/v1/service/feeds/vulnerabilities/debian:12')).map((s) => s.url);
    expect(dataCalls).toEqual([
      '/v1/service/feeds/vulnerabilities/debian:12?since=2025-03-01T12:00:00.123000',
      '/v1/service/feeds/vulnerabilities/debian:12?since=2025-03-01T12:00:00.123000&next_token=p2',
    ]);
  });

  it('names the URL, group and record of a malformed page, and rolls that group back', async () => {
    route = (url) => {
      const json = (body: unknown): { status: number; type: string; body: string } => ({ status: 200, type: 'application/json', body: JSON.stringify(body) });
      if (url.pathname === '/v1/service/feeds') return json({ feeds: [{ name: 'vulnerabilities' }], next_token: '' });
      if (url.pathname === '/v1/service/feeds/vulnerabilities') return json({ groups: [{ name: 'debian:12' }], next_token: '' });
      if (url.pathname === '/v1/service/feeds/vulnerabilities/debian:12') return json({ data: [vuln('CVE-2024-1', []), { Vulnerability: { Name: 'CVE-2024-3' } }], next_token: '' });
      return undefined;
    };
    await expect(syncFromService(db.sql, { url: base, http: client, log: silentLogger, protocol: 'v1' })).rejects.toThrow(
      new RegExp(`^${base}/v1/service/feeds/vulnerabilities/debian:12: group debian:12: record 2 of the page: vulnerability record: field Vulnerability\\.NamespaceName`),
    );
    expect(await db.sql`select * from vulnerabilities`).toHaveLength(0);
  });
});

describe('a read token', () => {
  it('goes with every request to the service, and not on to another origin it redirects to', async () => {
    const a = makeRecord('alpine:3.20', 'CVE-2024-0001');
    route = v2Service(1, [line(1, a)]);
    await syncFromService(db.sql, { url: base, http: client, token: 'secret-read-token', log: silentLogger });
    expect(seen.map((s) => [s.url, s.authorization])).toEqual([
      ['/v2/groups', 'Bearer secret-read-token'],
      ['/v2/groups/alpine:3.20/records?after=0', 'Bearer secret-read-token'],
    ]);
    expect(seen[1]?.accept).toBe('application/x-ndjson, application/json;q=0.9');
    seen.length = 0;
    await db.sql`truncate groups, vulnerabilities, affected`;
    // The same server under another name is another origin: the redirect there must not carry the token.
    const other = base.replace('127.0.0.1', 'localhost');
    const inner = v2Service(1, [line(1, a)]);
    route = (url, req) =>
      url.pathname === '/v2/groups' && req.headers.host?.startsWith('127.0.0.1')
        ? { status: 302, type: 'text/plain', body: '', location: `${other}/v2/groups` }
        : inner(url, req);
    await syncFromService(db.sql, { url: base, http: client, token: 'secret-read-token', log: silentLogger });
    expect(seen.map((s) => [s.url, s.authorization])).toEqual([
      ['/v2/groups', 'Bearer secret-read-token'],
      ['/v2/groups', undefined],
      ['/v2/groups/alpine:3.20/records?after=0', 'Bearer secret-read-token'],
    ]);
  });
});
