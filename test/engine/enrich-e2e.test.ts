/**
 * The engine knows how severe a match is, end to end on real PostgreSQL: a feed service on loopback
 * holds the Alpine demo mirror (a real subset of secdb) and the groups `nvdv2:cves`, `kev:catalog` and
 * `epss:scores`; engines sync it online or import a bundle of it, and `airfeed-engine scan` is run.
 *
 * The NVD records (test/fixtures/engine/enrich/nvd-records.json) carry what NVD publishes for the CVEs
 * the Alpine fixture image matches, as read from NVD API 2.0 records (lastModified in each record:
 * CVE-2024-9681 analysed by NVD, 6.5 MEDIUM; CVE-2024-11053, CVE-2024-9143 and CVE-2024-50602 with
 * CISA-ADP's metric only, 5.9, 4.3 and 5.9 MEDIUM; CVE-2024-8096 as first received, no metric), and
 * CVE-2021-3156 (sudo, NVD 7.8 HIGH). The KEV record is the catalog's entry for CVE-2021-3156. The
 * EPSS records are test values in the real record shape (FIRST's scores change daily).
 *
 * What NVD says decides the verdicts: none of the fixture image's five CVEs is High, so its scan
 * still passes `failOn: High` — but it now fails `failOn: Medium`, which it passed while every
 * severity was Unknown. The image with an old sudo fails `failOn: High` on NVD's rating, and is
 * listed in KEV.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { validateRecord, type VulnRecord } from '../../drivers/_framework/record.ts';
import { importBundleIntoEngine } from '../../engine-client/sources/bundle.ts';
import { syncFromService } from '../../engine-client/sources/service.ts';
import { exportBundle } from '../../feed-service/bundles/export.ts';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { makeKey } from '../bundles/helpers.ts';
import type { TestDb } from '../helpers/db.ts';
import { createEngineTestDb } from '../helpers/engine-db.ts';
import { type MirrorSpec, tempDir } from '../helpers/mirror.ts';
import { iterate } from '../helpers/records.ts';
import { type LoopbackService, startService } from './sources/helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEMO = path.join(ROOT, 'drivers/alpine/demo-mirror');
const INPUTS = path.join(ROOT, 'test/fixtures/engine/inputs');
const ENRICH = path.join(ROOT, 'test/fixtures/engine/enrich');
const ENGINE_BIN = path.join(ROOT, 'scripts/airfeed-engine.mjs');

const records = (file: string): VulnRecord[] => (JSON.parse(readFileSync(path.join(ENRICH, file), 'utf8')) as unknown[]).map((r) => validateRecord(r));

async function demoSpec(): Promise<MirrorSpec> {
  const spec: MirrorSpec = {};
  for (const branch of (await fs.readdir(DEMO)).sort()) {
    for (const file of (await fs.readdir(path.join(DEMO, branch))).sort()) {
      const doc = JSON.parse(await fs.readFile(path.join(DEMO, branch, file), 'utf8')) as { packages: { pkg: { name: string; secfixes: Record<string, string[]> } }[] };
      const pkgs = ((spec[branch] ??= {})[file.replace(/\.json$/, '')] ??= {});
      for (const p of doc.packages) pkgs[p.pkg.name] = p.pkg.secfixes;
    }
  }
  return spec;
}

interface JsonMatch {
  package: string;
  vulnId: string;
  severity: string;
  severitySource: string | null;
  cvss: { version: string; baseScore: number | null; source: string | null; type: string | null; from: string } | null;
  kev: { id: string; dateAdded: string; dueDate: string } | null;
  epss: { id: string; score: number; percentile: number; date: string } | null;
  policy: string;
  policyReasons: string[];
}
interface JsonReport {
  matches: JsonMatch[];
  enrichment: { group: string; held: boolean }[];
  verdict: { pass: boolean; violations: number; failOnKev: boolean };
  problems: unknown[];
}

let service: LoopbackService;
let before: TestDb;
let online: TestDb;
let offline: TestDb;
let anchore: TestDb;
let dir: string;
const http = new HttpClient({ retries: 0 });

function scan(db: TestDb, input: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [ENGINE_BIN, 'scan', path.join(INPUTS, input), '--distro', 'alpine:3.20', ...args], {
    encoding: 'utf8',
    env: { ...process.env, AIRFEED_ENGINE_DATABASE_URL: db.url, AIRFEED_LOG_LEVEL: 'silent' },
  });
}
function scanJson(db: TestDb, input: string, args: string[] = []): { status: number | null; report: JsonReport } {
  const r = scan(db, input, [...args, '--format', 'json']);
  if (r.stderr !== '') throw new Error(r.stderr);
  return { status: r.status, report: JSON.parse(r.stdout) as JsonReport };
}
const row = (m: JsonMatch): string => `${m.package} ${m.vulnId} ${m.severity} ${m.severitySource ?? '-'} ${m.cvss ? `${m.cvss.baseScore} ${m.cvss.source} ${m.cvss.from}` : '-'}`;

beforeAll(async () => {
  dir = await tempDir('airfeed-enrich-');
  [service, before, online, offline, anchore] = await Promise.all([
    startService(await demoSpec()), createEngineTestDb(), createEngineTestDb(), createEngineTestDb(), createEngineTestDb(),
  ]);
  // The engine as it is today: Alpine only.
  await syncFromService(before.sql, { url: service.url, http, log: silentLogger });
  await registerGroups(service.db.sql, 'nvd', 'nvdv2', [{ name: 'nvdv2:cves', description: 'NVD CVEs' }]);
  await registerGroups(service.db.sql, 'kev', 'enrichment', [{ name: 'kev:catalog', description: 'CISA KEV' }]);
  await registerGroups(service.db.sql, 'epss', 'enrichment', [{ name: 'epss:scores', description: 'FIRST EPSS' }]);
  await applyGroup(service.db.sql, { group: 'nvdv2:cves', complete: true, records: iterate(records('nvd-records.json')) });
  await applyGroup(service.db.sql, { group: 'kev:catalog', complete: true, records: iterate(records('kev-records.json')) });
  await applyGroup(service.db.sql, { group: 'epss:scores', complete: true, records: iterate(records('epss-records.json')) });
  await syncFromService(online.sql, { url: service.url, http, log: silentLogger });
});
afterAll(async () => {
  await Promise.all([service.close(), before.drop(), online.drop(), offline.drop(), anchore.drop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

describe('scan of the Alpine fixture image', () => {
  it('without NVD data every severity is Unknown, and failOn: Medium passes', () => {
    const { status, report } = scanJson(before, 'apk-installed', ['--fail-on', 'medium']);
    expect(status).toBe(0);
    expect(report.matches).toHaveLength(9);
    expect(new Set(report.matches.map((m) => `${m.severity} ${m.severitySource}`))).toEqual(new Set(['Unknown null']));
    expect(report.enrichment).toEqual([
      { group: 'epss:scores', held: false, updatedAt: null, stale: false },
      { group: 'kev:catalog', held: false, updatedAt: null, stale: false },
      { group: 'nvdv2:cves', held: false, updatedAt: null, stale: false },
    ]);
  });

  it("reports NVD's severities and CVSS, which now fail failOn: Medium (NVD rates none of them High)", () => {
    const { status, report } = scanJson(online, 'apk-installed', ['--fail-on', 'medium']);
    expect(status).toBe(1);
    expect(report.matches.map(row)).toEqual([
      'curl CVE-2024-11053 Medium nvd 5.9 134c704f-9b21-4f2e-91b3-4a467353bcc0 nvd',
      'curl CVE-2024-9681 Medium nvd 6.5 nvd@nist.gov nvd',
      'libcrypto3 CVE-2024-9143 Medium nvd 4.3 134c704f-9b21-4f2e-91b3-4a467353bcc0 nvd',
      'libcurl CVE-2024-11053 Medium nvd 5.9 134c704f-9b21-4f2e-91b3-4a467353bcc0 nvd',
      'libcurl CVE-2024-9681 Medium nvd 6.5 nvd@nist.gov nvd',
      'libexpat CVE-2024-50602 Medium nvd 5.9 134c704f-9b21-4f2e-91b3-4a467353bcc0 nvd',
      'libssl3 CVE-2024-9143 Medium nvd 4.3 134c704f-9b21-4f2e-91b3-4a467353bcc0 nvd',
      // NVD had received CVE-2024-8096 without a metric: still Unknown, and said so.
      'curl CVE-2024-8096 Unknown - -',
      'libcurl CVE-2024-8096 Unknown - -',
    ]);
    expect(report.verdict.violations).toBe(7);
    expect(report.matches.find((m) => m.vulnId === 'CVE-2024-9681')?.policyReasons).toEqual(['severity Medium (NVD)']);
    // The default policy (failOn: High) still passes this image.
    expect(scanJson(online, 'apk-installed').status).toBe(0);
  });

  it('shows EPSS scores in the JSON output', () => {
    const { report } = scanJson(online, 'apk-installed');
    const byId = new Map(report.matches.map((m) => [m.vulnId, m]));
    expect(byId.get('CVE-2024-9143')?.epss).toEqual({ id: 'CVE-2024-9143', score: 0.00469, percentile: 0.62471, date: '2026-11-30' });
    expect(byId.get('CVE-2024-9681')?.epss).toBeNull();
    expect(report.matches.every((m) => m.kev === null)).toBe(true);
    expect(report.enrichment.map((e) => `${e.group} ${e.held}`)).toEqual(['epss:scores true', 'kev:catalog true', 'nvdv2:cves true']);
  });

  it('fails an EPSS percentile gate on the matches at or above it only', () => {
    const { status, report } = scanJson(online, 'apk-installed', ['--fail-on', 'none', '--fail-on-epss', 'percentile:0.6']);
    expect(status).toBe(1);
    expect(report.matches.filter((m) => m.policy === 'fail').map((m) => `${m.package} ${m.vulnId} ${m.policyReasons.join('; ')}`)).toEqual([
      'libcrypto3 CVE-2024-9143 EPSS percentile 0.62471 >= 0.6',
      'libssl3 CVE-2024-9143 EPSS percentile 0.62471 >= 0.6',
    ]);
  });

  it('prints severity source, CVSS, KEV and EPSS columns in the table', () => {
    const r = scan(online, 'apk-installed', []);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^PACKAGE +INSTALLED +MATCHED AS +VULNERABILITY +SEVERITY +CVSS +KEV +EPSS +FIXED IN +ADVISORY +GROUP +POLICY$/m);
    expect(r.stdout).toMatch(/libcrypto3 +3\.3\.2-r0 +openssl 3\.3\.2-r0 +CVE-2024-9143 +Medium \(NVD\) +4\.3 v3\.1 NVD +0\.5% \(62nd\) +3\.3\.2-r1/);
  });
});

describe('scan of an image with an old sudo', () => {
  it("fails failOn: High on NVD's rating, and shows the KEV listing", () => {
    const { status, report } = scanJson(online, 'apk-installed-sudo');
    expect(status).toBe(1);
    const sudo = report.matches.find((m) => m.vulnId === 'CVE-2021-3156');
    expect(sudo).toMatchObject({
      package: 'sudo',
      severity: 'High',
      severitySource: 'nvd',
      cvss: { version: '3.1', baseScore: 7.8, source: 'nvd@nist.gov', type: 'Primary', from: 'nvd' },
      kev: { id: 'CVE-2021-3156', dateAdded: '2022-04-06', dueDate: '2022-04-27' },
      epss: { id: 'CVE-2021-3156', score: 0.94204, percentile: 0.99919, date: '2026-11-30' },
      policy: 'fail',
      policyReasons: ['severity High (NVD)'],
    });
    // The image passes the same policy without NVD data: every match is Unknown.
    expect(scanJson(before, 'apk-installed-sudo').status).toBe(0);
  });

  it('fails on the KEV listing alone with failOnKev, and an allowlist entry still wins', async () => {
    const kevOnly = scanJson(online, 'apk-installed-sudo', ['--fail-on', 'none', '--fail-on-kev']);
    expect(kevOnly.status).toBe(1);
    expect(kevOnly.report.verdict.failOnKev).toBe(true);
    expect(kevOnly.report.matches.filter((m) => m.policy === 'fail').map((m) => `${m.vulnId} ${m.policyReasons.join('; ')}`)).toEqual(['CVE-2021-3156 KEV (listed 2022-04-06)']);
    const policy = path.join(dir, 'policy.yaml');
    await fs.writeFile(policy, 'failOn: High\nfailOnKev: true\nallowlist:\n  - id: CVE-2021-3156\n    reason: sudoedit removed from the image\n');
    const allowed = scanJson(online, 'apk-installed-sudo', ['--policy', policy]);
    expect(allowed.status).toBe(0);
    expect(allowed.report.matches.find((m) => m.vulnId === 'CVE-2021-3156')?.policy).toBe('allowed');
  });

  it('refuses a KEV or EPSS gate, or CPE matching, when the engine holds no such data (exit 2)', () => {
    const kev = scan(before, 'apk-installed-sudo', ['--fail-on-kev']);
    expect(kev.status).toBe(2);
    expect(kev.stderr).toContain('the engine holds no kev:catalog');
    expect(kev.stderr).toContain('--groups kev:catalog');
    const epss = scan(before, 'apk-installed-sudo', ['--fail-on-epss', '0.5']);
    expect(epss.status).toBe(2);
    expect(epss.stderr).toContain('the engine holds no epss:scores');
    const cpe = scan(before, 'apk-installed-sudo', ['--match', 'cpe']);
    expect(cpe.status).toBe(2);
    expect(cpe.stderr).toContain('the engine holds no nvdv2:cves');
  });
});

describe('an engine that imported a bundle of the same data', () => {
  it('gives the same enriched matches as the one that synced online', async () => {
    const key = await makeKey(dir);
    const bundle = path.join(dir, 'full.tar');
    await exportBundle(service.db.sql, { privateKey: key.privateKey, out: bundle, created: new Date('2026-11-30T00:00:00Z') });
    await importBundleIntoEngine(offline.sql, bundle, { trust: key.trust, now: new Date('2026-12-01T00:00:00Z') });
    for (const input of ['apk-installed', 'apk-installed-sudo']) {
      expect(scanJson(offline, input).report.matches).toEqual(scanJson(online, input).report.matches);
    }
  });
});

describe('scan --match cpe', () => {
  it("matches binaries known only by their CPE against NVD's configurations, rated by NVD, with KEV", () => {
    const off = scanJson(online, 'cyclonedx-1.5-binaries.json');
    expect(off.report.matches).toEqual([]);
    const { status, report } = scanJson(online, 'cyclonedx-1.5-binaries.json', ['--match', 'cpe']);
    expect(status).toBe(1);
    expect(report.matches.map((m) => `${m.package} ${m.vulnId} ${m.severity} ${m.severitySource ?? '-'} ${m.kev ? 'KEV' : '-'} ${m.policy}`)).toEqual([
      'sudo CVE-2021-3156 High nvd KEV fail',
      'curl CVE-2024-9681 Medium nvd - pass',
    ]);
    expect(report.problems).toEqual([]);
  });
});

describe('an engine that syncs the Anchore /v1 API', () => {
  it("rates from the nvdv2 feed's records and reads KEV from the enrichment feed's Metadata", async () => {
    await syncFromService(anchore.sql, { url: service.url, http, log: silentLogger, protocol: 'v1' });
    const { status, report } = scanJson(anchore, 'apk-installed-sudo');
    expect(status).toBe(1);
    const sudo = report.matches.find((m) => m.vulnId === 'CVE-2021-3156');
    // The /v1 nvdv2 shape carries one metric per CVSS family without saying whose; the enrichment
    // feed's /v1 shape (drivers/_framework/shapes/enrichment.ts) carries the KEV block and EPSS in Metadata.
    expect(sudo).toMatchObject({
      severity: 'High', severitySource: 'nvd', cvss: { version: '3.1', baseScore: 7.8, source: null, type: null, from: 'nvd' }, kev: { dateAdded: '2022-04-06' },
      epss: { id: 'CVE-2021-3156', score: 0.94204, percentile: 0.99919, date: '2026-11-30' },
    });
    const fixture = scanJson(anchore, 'apk-installed', ['--fail-on', 'medium']).report;
    expect(fixture.matches.map((m) => `${m.package} ${m.vulnId} ${m.severity} ${m.severitySource ?? '-'}`)).toEqual(
      scanJson(online, 'apk-installed', ['--fail-on', 'medium']).report.matches.map((m) => `${m.package} ${m.vulnId} ${m.severity} ${m.severitySource ?? '-'}`),
    );
  });
});
