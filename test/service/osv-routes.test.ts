/**
 * The OSV routes of /v2: every record of the demo mirror through `/v2/groups/{g}/records/{id}/osv`
 * and every id through `/v2/vulnerabilities/{id}/osv`, equal to the registry's `osv` shape and valid
 * against the OSV schema (skipped, saying why, when ../shared is absent); merging across groups; tombstones
 * withdrawn; unknown ids and disabled groups are 404.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { validateRecord } from '../../drivers/_framework/record.ts';
import { renderShape } from '../../drivers/_framework/shapes/index.ts';
import type { OsvVulnerability } from '../../drivers/_framework/shapes/osv.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { setEnabled } from '../../feed-service/storage/groups.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { OSV_SCHEMA_ABSENT, osvSchemaPresent, osvValidator } from '../helpers/osv-schema.ts';
import { skipUnless } from '../helpers/skip.ts';
import { type AlpineHome, alpineHome, makeApp, SPEC } from './service-helpers.ts';

let db: TestDb;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDb();
  app = await makeApp(db.sql);
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

async function osv(url: string): Promise<OsvVulnerability> {
  const res = await app.inject({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  return res.json<OsvVulnerability>();
}

describe('the OSV view of every demo-mirror record', () => {
  let rows: { group: string; id: string; doc: string; updatedAt: string }[] = [];
  const views = new Map<string, OsvVulnerability>();
  beforeAll(async () => {
    await db.sql`truncate records, groups, drivers, events, sync_runs cascade`;
    const home = await tempDir('airfeed-osv-demo-');
    const report = await syncDriver(db.sql, alpine, { home, http: new HttpClient(), log: silentLogger, source: path.resolve('drivers/alpine/demo-mirror') });
    await rm(home, { recursive: true, force: true });
    expect(report.status).toBe('succeeded');
    rows = await db.sql<{ group: string; id: string; doc: string; updatedAt: string }[]>`
      select group_name as group, id, doc, to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "updatedAt"
      from records order by group_name, id`;
  });

  it("serves the registry's osv shape for each record, and each id merged across groups", async () => {
    expect(rows.length).toBeGreaterThan(30);
    for (const r of rows) {
      const view = await osv(`/v2/groups/${r.group}/records/${encodeURIComponent(r.id)}/osv`);
      expect(view).toEqual(renderShape('osv', validateRecord(JSON.parse(r.doc)), { deleted: false, updatedAt: r.updatedAt }));
      views.set(`${r.group} ${r.id}`, view);
    }
    for (const id of new Set(rows.map((r) => r.id))) {
      const merged = await osv(`/v2/vulnerabilities/${encodeURIComponent(id)}/osv`);
      // Every group's affected packages, not-affected ones apart.
      const entries = rows.filter((r) => r.id === id).flatMap((r) => validateRecord(JSON.parse(r.doc)).fixedIn);
      expect(merged.affected?.length ?? 0).toBe(entries.filter((f) => f.state !== 'not_affected').length);
      views.set(`merged ${id}`, merged);
    }
  });

  it('is valid against the OSV schema, record by record and merged', skipUnless(osvSchemaPresent, OSV_SCHEMA_ABSENT), () => {
    expect(views.size).toBeGreaterThan(rows.length);
    const validate = osvValidator();
    const failures = [...views].map(([what, view]) => [what, validate(view)]).filter(([, error]) => error !== null);
    expect(failures).toEqual([]);
  });
});

describe('OSV views of a two-branch mirror', () => {
  let env: AlpineHome;
  beforeEach(async () => {
    await db.sql`truncate records, groups, drivers, events, sync_runs cascade`;
    env = await alpineHome(db.sql);
    await env.sync();
  });

  it('merges one id across groups, and prefixes ids OSV does not know', async () => {
    const merged = await osv('/v2/vulnerabilities/CVE-2024-0001/osv');
    expect(merged.id).toBe('CVE-2024-0001');
    expect(merged.affected).toEqual([
      { package: { ecosystem: 'Alpine:v3.19', name: 'go' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.21.5-r0' }] }] },
      { package: { ecosystem: 'Alpine:v3.20', name: 'go' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.22.3-r0' }] }] },
    ]);
    const xsa = await osv('/v2/groups/alpine:3.20/records/XSA-458/osv');
    expect(xsa).toMatchObject({ id: 'ALPINE-XSA-458', aliases: ['XSA-458'] });
  });

  it('serves a tombstone withdrawn, and leaves it out of the merged view while another group has the id', async () => {
    const spec = structuredClone(SPEC);
    delete spec['v3.20']?.community?.['go'];
    await env.write(spec);
    await env.sync();
    const tomb = await osv('/v2/groups/alpine:3.20/records/CVE-2024-0001/osv');
    expect(tomb.withdrawn).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const merged = await osv('/v2/vulnerabilities/CVE-2024-0001/osv');
    expect(merged.withdrawn).toBeUndefined();
    expect(merged.affected?.map((a) => a.package.ecosystem)).toEqual(['Alpine:v3.19']);
    const gone = await osv('/v2/vulnerabilities/CVE-2024-24787/osv');
    expect(gone.withdrawn).toBe(tomb.withdrawn);
  });

  it('answers 404 for an unknown id, an id not in the group, and a disabled group', async () => {
    for (const url of ['/v2/vulnerabilities/CVE-1999-9999/osv', '/v2/groups/alpine:3.19/records/XSA-458/osv']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('NOT_FOUND');
    }
    await setEnabled(db.sql, 'alpine:3.20', false);
    const res = await app.inject({ method: 'GET', url: '/v2/groups/alpine:3.20/records/XSA-458/osv' });
    expect(res.statusCode).toBe(404);
  });
});
