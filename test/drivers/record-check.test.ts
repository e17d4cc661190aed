/**
 * The record fast check (drivers/_framework/record-check.ts) is never looser than the zod schema:
 * every value it accepts, zod accepts too. Checked on NVD records and on a record using every field
 * the check covers, and on every variant of them with one member deleted, replaced or added; and
 * what it leaves to zod (per-package states, enrichment blocks) it does leave.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VulnRecord } from '../../drivers/_framework/record.ts';
import { surelyValidRecord } from '../../drivers/_framework/record-check.ts';
import { NvdItem } from '../../drivers/nvd/api.ts';
import { toRecord } from '../../drivers/nvd/record.ts';
import { type Json, variants } from '../helpers/variants.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/drivers/nvd');

const FULL: Json = {
  schemaVersion: 2, id: 'CVE-2024-0001', namespace: 'nvdv2:cves', severity: 'High', title: 'A title', description: 'English',
  descriptions: [{ lang: 'es', value: 'Español' }], link: null, aliases: ['GHSA-xxxx'], related: ['CVE-2024-0002'], upstream: ['CVE-2024-0003'],
  status: 'Analyzed',
  cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N', baseScore: 7.5, baseSeverity: 'HIGH', exploitabilityScore: null, impactScore: 3.6, source: 'nvd@nist.gov', type: 'Primary' }],
  weaknesses: [{ id: 'CWE-79', source: null, type: 'Secondary' }],
  configurations: [{
    operator: 'AND', negate: false,
    nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:x:y:*:*:*:*:*:*:*:*', matchCriteriaId: 'M', versionStartIncluding: '1.0', versionEndExcluding: '2.0' }] }],
  }],
  fixedIn: [], references: [{ url: 'https://example.org/a', type: 'WEB', source: 'nvd@nist.gov', tags: ['Patch'] }],
  published: '2024-01-01T00:00:00Z', modified: '2024-01-02T00:00:00.123Z', withdrawn: null,
  metadata: { sourceIdentifier: 'cna@example.org' }, provenance: { driver: 'nvd', source: 'nvdcve-2024.json.gz' },
};

async function nvdRecords(): Promise<Json[]> {
  const out: Json[] = [];
  for (const f of ['nvdcve-2016.json', 'nvdcve-modified.json']) {
    const doc = JSON.parse(await fs.readFile(path.join(FIXTURES, f), 'utf8')) as { vulnerabilities: unknown[] };
    for (const item of doc.vulnerabilities) {
      const { cve } = NvdItem.parse(item);
      if (cve.vulnStatus !== 'Rejected') out.push(JSON.parse(JSON.stringify(toRecord(cve, 'nvd: test', f))) as Json);
    }
  }
  return out;
}

describe('surelyValidRecord', () => {
  it('accepts NVD records and a record with every field it covers', async () => {
    const records = [...(await nvdRecords()), FULL];
    expect(records.length).toBeGreaterThan(3);
    for (const r of records) {
      expect(VulnRecord.safeParse(r).success).toBe(true);
      expect(surelyValidRecord(r)).toBe(true);
    }
  });

  it('accepts nothing zod refuses', async () => {
    let refused = 0;
    let accepted = 0;
    for (const r of [...(await nvdRecords()), FULL]) {
      for (const v of variants(r)) {
        if (!surelyValidRecord(v)) {
          refused++;
          continue;
        }
        accepted++;
        expect(VulnRecord.safeParse(v).success, JSON.stringify(v).slice(0, 400)).toBe(true);
      }
    }
    // Both kinds occur, so neither half of the check is vacuous.
    expect(refused).toBeGreaterThan(1000);
    expect(accepted).toBeGreaterThan(100);
  });

  it('leaves to zod the records it does not cover', () => {
    const base = FULL as Record<string, Json>;
    const fixedIn = [{ name: 'pkg', version: '1.0', versionFormat: 'semver', state: 'fixed' }];
    for (const extra of [{ fixedIn }, { credits: [{ name: 'A' }] }, { kev: {} }, { epss: { score: 0.1, percentile: 0.5, date: '2024-01-01' } }, { databaseSpecific: { a: 1 } }, { vendorSeverities: [{ source: 's', value: 'v' }] }]) {
      expect(surelyValidRecord({ ...base, ...extra })).toBe(false);
    }
  });
});
