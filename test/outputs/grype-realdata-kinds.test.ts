/**
 * The grype mappings on real driver output in ../shared/realdata (absent in a fresh clone: then
 * skipped): the KEV driver's records of CISA's catalog (one KEV handle per catalog entry, counted
 * from the file itself; the ransomware flag and URLs as grype-db writes them) and the OSV documents
 * of the Go, RustSec and GHSA databases as the OSV driver stores them (every record one
 * vulnerability handle of provider github, one package handle per affected package with a usable
 * range, GHSA/GO → CVE aliases), every blob valid against grype's blob schema.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { kev } from '../../drivers/kev/index.ts';
import { buildGrypeDatabase, type BuildResult } from '../../feed-service/outputs/grype/build.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { skipUnless } from '../helpers/skip.ts';
import { openReadOnly, SCHEMA_DIR } from './grype-helpers.ts';
import { putRecords } from './grype-records.ts';
import { osvDocs } from './osv-helpers.ts';

const REAL = path.resolve(import.meta.dirname, '../../../shared/realdata');
const KEV_DIR = path.join(REAL, 'kev/cisa-kev-2025-08-25');
const OSV_SETS = ['osv/govulndb-osv/data', 'osv/rustsec-osv/data/crates', 'osv/ghsa-sample'].map((d) => path.join(REAL, d));
const present = existsSync(KEV_DIR) && OSV_SETS.every((d) => existsSync(d)) && existsSync(SCHEMA_DIR);

describe('grype database from real KEV and OSV driver output', skipUnless(present, '../shared/realdata (KEV catalog, OSV databases) or ../shared/grype-v6-schema is absent, as in a fresh clone'), () => {
  let db: TestDb;
  let result: BuildResult;
  let sqlite: Database.Database;
  let catalog: { vulnerabilities: { cveID: string; knownRansomwareCampaignUse?: string }[] };
  let osvCount = 0;
  let affectedWithRanges = 0;

  beforeAll(async () => {
    db = await createTestDb();
    const report = await syncDriver(db.sql, kev, { home: await tempDir('airfeed-grype-kev-'), http: new HttpClient(), log: silentLogger, source: KEV_DIR });
    expect(report.status).toBe('succeeded');
    catalog = JSON.parse(await fs.readFile(path.join(KEV_DIR, 'known_exploited_vulnerabilities.json'), 'utf8')) as typeof catalog;
    for (const dir of OSV_SETS) {
      const docs = await osvDocs(dir);
      osvCount += docs.length;
      // An affected package grype can read: a range other than GIT, or an explicit version list.
      for (const { doc } of docs) {
        for (const a of (doc['affected'] as { ranges?: { type: string }[]; versions?: string[] }[] | undefined) ?? []) {
          if ((a.ranges ?? []).some((r) => r.type !== 'GIT') || (a.versions ?? []).length > 0) affectedWithRanges++;
        }
      }
      await putRecords(db.sql, 'osv', 'github', docs.map((d) => d.record));
    }
    const dir = await tempDir('airfeed-grype-real-kinds-');
    result = await buildGrypeDatabase(db.sql, dir);
    sqlite = openReadOnly(path.join(dir, 'vulnerability.db'));
  }, 600_000);
  afterAll(async () => {
    sqlite?.close();
    await db.drop();
  });

  it('writes one KEV handle per catalog entry, flags and URLs as grype-db does', () => {
    expect(result.counts.kev).toBe(catalog.vulnerabilities.length);
    expect(sqlite.prepare('select count(distinct cve) n from known_exploited_vulnerability_handles').get()).toEqual({ n: new Set(catalog.vulnerabilities.map((v) => v.cveID)).size });
    const flags = sqlite.prepare("select json_extract(b.value, '$.known_ransomware_campaign_use') f, count(*) n from known_exploited_vulnerability_handles k join blobs b on b.id = k.blob_id group by f order by f").all();
    const known = catalog.vulnerabilities.filter((v) => v.knownRansomwareCampaignUse === 'Known').length;
    expect(flags).toEqual([{ f: 'known', n: known }, { f: 'unknown', n: catalog.vulnerabilities.length - known }]);
  });

  it('writes one github vulnerability handle per OSV document and a package handle per readable affected package', () => {
    expect(sqlite.prepare("select count(*) n from vulnerability_handles where provider_id = 'github'").get()).toEqual({ n: osvCount });
    expect(result.counts.affectedPackages).toBe(affectedWithRanges);
    const byType = sqlite.prepare('select p.ecosystem, count(*) n from affected_package_handles a join packages p on p.id = a.package_id group by p.ecosystem order by p.ecosystem').all() as { ecosystem: string }[];
    expect(byType.map((r) => r.ecosystem)).toEqual(['go-module', 'java-archive', 'rust-crate']);
    expect((sqlite.prepare("select count(*) n from vulnerability_aliases where alias like 'CVE-%'").get() as { n: number }).n).toBeGreaterThan(1000);
  });

  it('stores only blobs valid against grype\'s blob schema', async () => {
    const schema = JSON.parse(await fs.readFile(path.join(SCHEMA_DIR, 'blob-schema-6.1.9.json'), 'utf8')) as { $id: string };
    const ajv = new Ajv2020.default({ allErrors: true });
    ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s));
    ajv.addSchema(schema);
    const kinds: [string, string][] = [
      ['select b.value from vulnerability_handles h join blobs b on b.id = h.blob_id', 'VulnerabilityBlob'],
      ['select b.value from affected_package_handles h join blobs b on b.id = h.blob_id', 'PackageBlob'],
      ['select b.value from known_exploited_vulnerability_handles h join blobs b on b.id = h.blob_id', 'KnownExploitedVulnerabilityBlob'],
    ];
    const failures: string[] = [];
    for (const [query, def] of kinds) {
      const validate = ajv.getSchema(`${schema.$id}#/$defs/${def}`)!;
      for (const { value } of sqlite.prepare(query).all() as { value: string }[]) {
        if (!validate(JSON.parse(value))) failures.push(`${def} ${value.slice(0, 200)}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    expect(failures.slice(0, 3)).toEqual([]);
  });
});
