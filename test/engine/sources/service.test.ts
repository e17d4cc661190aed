import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../drivers/_framework/http.ts';
import { silentLogger } from '../../../drivers/_framework/log.ts';
import { syncFromService } from '../../../engine-client/sources/service.ts';
import { listGroups, lookupAffected } from '../../../engine-client/store/status.ts';
import type { TestDb } from '../../helpers/db.ts';
import { createEngineTestDb } from '../../helpers/engine-db.ts';
import type { MirrorSpec } from '../../helpers/mirror.ts';
import { affectedSet, type LoopbackService, startService } from './helpers.ts';

const spec: MirrorSpec = {
  'v3.19': {
    main: { openssl: { '3.1.4-r1': ['CVE-2023-5678'], '3.1.4-r3': ['CVE-2023-6129'] }, musl: { '1.2.4-r2': ['CVE-2020-28928'] } },
    community: { go: { '1.21.5-r0': ['CVE-2023-39326', 'CVE-2024-0001'] } },
  },
  'v3.20': {
    main: { openssl: { '3.3.0-r2': ['CVE-2024-4603'] }, xen: { '4.18.2-r0': ['XSA-458'] } },
    community: { go: { '1.22.3-r0': ['CVE-2024-24787', 'CVE-2024-0001'] } },
  },
};

const EXPECTED_AFFECTED = [
  'alpine:3.19 CVE-2020-28928 musl 1.2.4-r2',
  'alpine:3.19 CVE-2023-39326 go 1.21.5-r0',
  'alpine:3.19 CVE-2023-5678 openssl 3.1.4-r1',
  'alpine:3.19 CVE-2023-6129 openssl 3.1.4-r3',
  'alpine:3.19 CVE-2024-0001 go 1.21.5-r0',
  'alpine:3.20 CVE-2024-0001 go 1.22.3-r0',
  'alpine:3.20 CVE-2024-24787 go 1.22.3-r0',
  'alpine:3.20 CVE-2024-4603 openssl 3.3.0-r2',
  'alpine:3.20 XSA-458 xen 4.18.2-r0',
];

let service: LoopbackService;
let v2: TestDb;
let v1: TestDb;
let plain: TestDb;
const http = new HttpClient({ retries: 0 });

beforeAll(async () => {
  [service, v2, v1, plain] = await Promise.all([startService(spec), createEngineTestDb(), createEngineTestDb(), createEngineTestDb()]);
});
afterAll(async () => {
  await Promise.all([service.close(), v2.drop(), v1.drop(), plain.drop()]);
});

function byGroup<T extends { group: string }>(results: T[]): Record<string, T> {
  return Object.fromEntries(results.map((r) => [r.group, r]));
}

describe('syncFromService over /v2', () => {
  it('syncs every served group from a real loopback service', async () => {
    const result = await syncFromService(v2.sql, { url: service.url, http, log: silentLogger });
    expect(result.protocol).toBe('v2');
    expect(result.missing).toEqual([]);
    const groups = byGroup(result.groups);
    expect(Object.keys(groups).sort()).toEqual(['alpine:3.19', 'alpine:3.20']);
    expect(groups['alpine:3.19']).toMatchObject({ mode: 'replace', transferred: 5, upserts: 5, deletions: 0, records: 5, affected: 5 });
    expect(groups['alpine:3.20']).toMatchObject({ mode: 'replace', transferred: 4, upserts: 4, deletions: 0, records: 4, affected: 4 });
    const [served] = await service.db.sql<{ maxSeq: number }[]>`select max_seq as "maxSeq" from groups where name = 'alpine:3.20'`;
    expect(groups['alpine:3.20']?.cursor).toBe(served?.maxSeq);
    expect(await affectedSet(v2.sql)).toEqual(EXPECTED_AFFECTED);
    const stored = await listGroups(v2.sql);
    expect(stored.map((g) => [g.name, g.feed, g.source, g.recordCount, g.affectedCount])).toEqual([
      ['alpine:3.19', 'vulnerabilities', `service ${service.url}`, 5, 5],
      ['alpine:3.20', 'vulnerabilities', `service ${service.url}`, 4, 4],
    ]);
    // The doc kept is the normalized record as the service stores it.
    const [doc] = await v2.sql<{ doc: string }[]>`select doc from vulnerabilities where group_name = 'alpine:3.20' and id = 'XSA-458'`;
    const [original] = await service.db.sql<{ doc: string }[]>`select doc from records where group_name = 'alpine:3.20' and id = 'XSA-458'`;
    expect(doc?.doc).toBe(original?.doc);
  });

  it('transfers nothing on a second sync with no change', async () => {
    const result = await syncFromService(v2.sql, { url: service.url, http, log: silentLogger });
    expect(result.groups.map((g) => [g.group, g.mode, g.transferred, g.upserts, g.deletions])).toEqual([
      ['alpine:3.19', 'changes', 0, 0, 0],
      ['alpine:3.20', 'changes', 0, 0, 0],
    ]);
    expect(await affectedSet(v2.sql)).toEqual(EXPECTED_AFFECTED);
  });

  it('transfers exactly the one changed record after an upstream change', async () => {
    const changed = structuredClone(spec);
    changed['v3.19']!['main']!['musl'] = { '1.2.4-r3': ['CVE-2020-28928'] };
    await service.alpine.write(changed);
    await service.alpine.sync();
    const result = byGroup((await syncFromService(v2.sql, { url: service.url, http, log: silentLogger })).groups);
    expect(result['alpine:3.19']).toMatchObject({ mode: 'changes', transferred: 1, upserts: 1, deletions: 0, records: 5 });
    expect(result['alpine:3.20']).toMatchObject({ transferred: 0 });
    const rows = await lookupAffected(v2.sql, 'alpine:3.19', ['musl']);
    expect(rows).toEqual([
      { group: 'alpine:3.19', vulnId: 'CVE-2020-28928', package: 'musl', scheme: 'apk', state: 'fixed', fixed: '1.2.4-r3', ranges: null, versions: null, channel: null, severity: 'Unknown', link: expect.any(String) as string },
    ]);
  });

  it('deletes a record the service tombstoned', async () => {
    const removed = structuredClone(spec);
    removed['v3.19']!['main']!['musl'] = { '1.2.4-r3': ['CVE-2020-28928'] };
    delete removed['v3.20']!['main']!['xen'];
    await service.alpine.write(removed);
    await service.alpine.sync();
    const result = byGroup((await syncFromService(v2.sql, { url: service.url, http, log: silentLogger })).groups);
    expect(result['alpine:3.20']).toMatchObject({ mode: 'changes', transferred: 1, upserts: 0, deletions: 1, records: 3, affected: 3 });
    expect(await v2.sql`select id from vulnerabilities where id = 'XSA-458'`).toHaveLength(0);
    expect(await lookupAffected(v2.sql, 'alpine:3.20', ['xen'])).toEqual([]);
  });

  it('syncs only the groups asked for, and reports asked-for groups the service does not list', async () => {
    const other = await createEngineTestDb();
    try {
      const result = await syncFromService(other.sql, { url: `${service.url}/`, http, log: silentLogger, groups: ['alpine:3.20', 'alpine:9.9'] });
      expect(result.groups.map((g) => g.group)).toEqual(['alpine:3.20']);
      expect(result.missing).toEqual(['alpine:9.9']);
      expect((await listGroups(other.sql)).map((g) => g.name)).toEqual(['alpine:3.20']);
    } finally {
      await other.drop();
    }
  });

  it('reads JSON pages when asked to (accept: json), with the same result', async () => {
    const result = await syncFromService(plain.sql, { url: service.url, http, accept: 'json', log: silentLogger });
    expect(result.groups.map((g) => g.transferred)).toEqual([5, 4]);
    expect(await affectedSet(plain.sql)).toEqual(await affectedSet(v2.sql));
  });
});

describe('syncFromService over /v1', () => {
  it('gives the same affected rows as /v2 against the same service', async () => {
    const now = new Date();
    const result = await syncFromService(v1.sql, { url: service.url, http, log: silentLogger, protocol: 'v1', now });
    expect(result.protocol).toBe('v1');
    expect(result.groups.map((g) => [g.group, g.feed, g.mode])).toEqual([
      ['alpine:3.19', 'vulnerabilities', 'replace'],
      ['alpine:3.20', 'vulnerabilities', 'replace'],
    ]);
    expect(await affectedSet(v1.sql)).toEqual(await affectedSet(v2.sql));
    // /v1 has no deletions: the removed record is kept, with no affected rows.
    const [kept] = await v1.sql<{ doc: string }[]>`select doc from vulnerabilities where group_name = 'alpine:3.20' and id = 'XSA-458'`;
    expect(JSON.parse(kept?.doc ?? '{}')).toMatchObject({ Vulnerability: { Name: 'XSA-458', FixedIn: [] } });
    const [state] = await v1.sql<{ since: Date }[]>`select v1_since as since from groups where name = 'alpine:3.19'`;
    expect(state?.since.getTime()).toBe(now.getTime());
  });

  it('asks for records since the previous sync next time and keeps the rows equal', async () => {
    const result = await syncFromService(v1.sql, { url: `${service.url}/v1/service/feeds`, http, log: silentLogger });
    expect(result.protocol).toBe('v1');
    // The service re-sends its overlap window (the last hour): everything here, unchanged, so nothing is rewritten.
    expect(result.groups.map((g) => [g.group, g.mode, g.upserts, g.deletions])).toEqual([
      ['alpine:3.19', 'changes', 0, 0],
      ['alpine:3.20', 'changes', 0, 0],
    ]);
    expect(result.groups.every((g) => g.transferred > 0)).toBe(true);
    expect(await affectedSet(v1.sql)).toEqual(await affectedSet(v2.sql));
  });
});
