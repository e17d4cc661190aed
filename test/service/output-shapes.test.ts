/**
 * The registry of output shapes: every name has its shape; a driver that brings a new feed serves
 * its own /v1 shape from its own folder (Driver.v1Shape) without the registry being edited; a feed
 * with no shape at all is refused by name rather than served in another feed's shape.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../drivers/_framework/log.ts';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { OUTPUT_SHAPE_NAMES, OUTPUT_SHAPES, v1ShapeFor } from '../../drivers/_framework/shapes/index.ts';
import type { Driver } from '../../drivers/_framework/types.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { iterate, makeRecord } from '../helpers/records.ts';
import { makeApp } from './service-helpers.ts';

/** A driver of a feed the registry does not know, with its own /v1 shape. */
const enrichment: Driver = {
  ...alpine,
  id: 'kev-like',
  feed: { name: 'enrichment-test', description: 'A feed outside the Anchore three' },
  v1Shape: (r: VulnRecord, ctx) => ({ Enrichment: { cve: r.id, kev: r.kev ?? null, removed: ctx.deleted } }),
};

const record: VulnRecord = {
  ...makeRecord('kev:catalog', 'CVE-2021-44228'),
  fixedIn: [],
  kev: {
    vendorProject: 'Apache', product: 'Log4j2', vulnerabilityName: 'Apache Log4j2 Remote Code Execution Vulnerability', dateAdded: '2021-12-10',
    dueDate: '2021-12-24', requiredAction: 'Apply updates per vendor instructions.', knownRansomwareCampaignUse: 'Known', notes: '', cwes: ['CWE-502'],
  },
};

let db: TestDb;
let app: FastifyInstance;
beforeAll(async () => {
  db = await createTestDb();
  await db.sql`insert into feeds (name, description) values ('enrichment-test', 'KEV and EPSS')`;
  await registerGroups(db.sql, 'kev-like', enrichment.feed.name, [{ name: 'kev:catalog', description: 'CISA KEV' }]);
  await applyGroup(db.sql, { group: 'kev:catalog', complete: true, records: iterate([record]) });
  app = await makeApp(db.sql, { drivers: [alpine, enrichment], log: silentLogger });
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

describe('the output shape registry', () => {
  it('has a shape for every name', () => {
    expect(Object.keys(OUTPUT_SHAPES).sort()).toEqual([...OUTPUT_SHAPE_NAMES]);
    const ctx = { deleted: false, updatedAt: '2025-01-01T00:00:00.000000Z' };
    expect(OUTPUT_SHAPES.v2.render(record, ctx)).toBe(record);
    expect(OUTPUT_SHAPES.osv.render(record, ctx)).toMatchObject({ id: 'CVE-2021-44228' });
    expect(OUTPUT_SHAPES.affected.render(record, ctx)).toEqual([]);
  });

  it('serves a new feed in the shape its driver brings', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/service/feeds/enrichment-test/kev:catalog' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ data: [{ Enrichment: { cve: 'CVE-2021-44228', kev: record.kev, removed: false } }], next_token: '' });
  });

  it('refuses a feed no shape is known for, by name', async () => {
    expect(() => v1ShapeFor('enrichment-test', [alpine])).toThrow('feed "enrichment-test" has no /v1 record shape: it is not one of github, nvdv2, vulnerabilities, and no driver of it declares v1Shape');
    const bare = await makeApp(db.sql, { drivers: [alpine], log: silentLogger });
    try {
      const res = await bare.inject({ method: 'GET', url: '/v1/service/feeds/enrichment-test/kev:catalog' });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('NAME_UNMAPPED');
    } finally {
      await bare.close();
    }
  });
});
