/**
 * Red Hat end to end on real PostgreSQL: the redhat fixture mirror (documents in Red Hat's VEX
 * shape, test/helpers/redhat-fixture.ts) synced into a feed service, exported as a bundle,
 * imported into an engine; then scans of an `rpm -qa` listing (the documented --qf with
 * `%{EPOCH}` and `%{MODULARITYLABEL}`) and a RHEL CycloneDX SBOM with `pkg:rpm/redhat/…?epoch=…&distro=rhel-9.4`
 * purls, read by the engine's own parsers, matched through its store. What is checked:
 * source rpm mapping with the epoch, module streams (a nodejs:20 package sees only the nodejs:20
 * entry, a nodejs:18 one only the nodejs:18 fix), not-affected never matching, will-not-fix and
 * deferred shown as such and ignorable by policy, an EUS-only fix marked, and Rocky and AlmaLinux
 * matched against the RHEL data, saying so.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { redhat } from '../../drivers/redhat/index.ts';
import { parseInput, parseOsRelease } from '../../engine-client/inputs/index.ts';
import type { Distro } from '../../engine-client/inputs/types.ts';
import { matchInventory, type MatchResult } from '../../engine-client/match/match.ts';
import { defaultPolicy, evaluatePolicy } from '../../engine-client/policy/policy.ts';
import { reportJson, reportTable } from '../../engine-client/report/report.ts';
import { importBundleIntoEngine } from '../../engine-client/sources/bundle.ts';
import { listGroups, lookupAffected } from '../../engine-client/store/status.ts';
import { exportBundle } from '../../feed-service/bundles/export.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { makeKey } from '../bundles/helpers.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { createEngineTestDb } from '../helpers/engine-db.ts';
import { tempDir } from '../helpers/mirror.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MIRROR = path.join(ROOT, 'test/fixtures/drivers/redhat');

let service: TestDb;
let engine: TestDb;
let home: string;

async function scan(file: string, distro?: Distro): Promise<MatchResult> {
  const inventory = await parseInput(file);
  const available = new Set((await listGroups(engine.sql)).map((g) => g.name));
  return matchInventory(inventory, { lookup: (g, names) => lookupAffected(engine.sql, g, names), available, ...(distro ? { distro } : {}) });
}

const lines = (r: MatchResult): string[] =>
  r.matches.map((m) => `${m.package} ${m.matchedName} ${m.matchedVersion} ${m.vulnId} ${m.state ?? '?'} ${m.fixedVersion ?? (m.unavailableFix ? `- (${m.unavailableFix.version} ${m.unavailableFix.channel})` : '-')}${m.module ? ` [${m.module}]` : ''}`).sort();

beforeAll(async () => {
  [service, engine] = await Promise.all([createTestDb(), createEngineTestDb()]);
  home = await tempDir('airfeed-redhat-e2e-');
  const report = await syncDriver(service.sql, redhat, { home, http: new HttpClient(), log: silentLogger, source: MIRROR });
  expect(report.status, report.error).toBe('succeeded');
  const key = await makeKey(home);
  const bundle = await exportBundle(service.sql, { privateKey: key.privateKey, out: path.join(home, 'rhel.tar'), created: new Date('2024-03-10T00:00:00Z') });
  expect(bundle.manifest.groups.map((g) => g.name)).toEqual(['rhel:10', 'rhel:7', 'rhel:8', 'rhel:9']);
  await importBundleIntoEngine(engine.sql, bundle.file, { trust: key.trust, now: new Date('2024-03-11T00:00:00Z') });
});
afterAll(async () => {
  await Promise.all([service.drop(), engine.drop()]);
  await fs.rm(home, { recursive: true, force: true });
});

describe('Red Hat data through a bundle into the engine', () => {
  it('scans a RHEL 8 rpm -qa listing: epochs, module streams, source rpms, states, an EUS-only fix', async () => {
    const file = path.join(home, 'rpm-qa-el8.txt');
    await fs.writeFile(file, [
      // nodejs:20 stream: only the nodejs:20 entry (affected, no fix) applies, not the nodejs:18 fix.
      'nodejs\t1:20.11.1-1.module+el8.9.0+21380+12032667\tnodejs-20.11.1-1.module+el8.9.0+21380+12032667.src.rpm\tnodejs:20:8090020240221132011:a75119d5',
      // npm of the nodejs:18 stream below the fix (epoch 1 from the binary onto the source version).
      'npm\t1:10.2.4-1.18.19.0.1.module+el8.9.0+21280+f4f5a8b4\tnodejs-18.19.0-1.module+el8.9.0+21280+f4f5a8b4.src.rpm\tnodejs:18:8090020240103102715:a75119d5',
      // openssl: fix deferred on RHEL 8.
      'openssl-libs\t1:1.1.1k-12.el8_9\topenssl-1.1.1k-12.el8_9.src.rpm\t(none)',
      // curl is not affected on RHEL 8, whatever the version.
      'libcurl\t(none):7.61.1-33.el8\tcurl-7.61.1-33.el8.src.rpm\t(none)',
      // kernel: fixed only in the 8.6 EUS stream.
      'kernel-core\t(none):4.18.0-372.9.1.el8\tkernel-4.18.0-372.9.1.el8.src.rpm\t(none)',
      'gpg-pubkey\t(none):fd431d51-4ae0493b\t(none)\t(none)',
    ].join('\n'));
    const r = await scan(file, { id: 'rhel', release: '8' });
    expect(r.problems).toEqual([]);
    expect(lines(r)).toEqual([
      'kernel-core kernel 4.18.0-372.9.1.el8 CVE-2024-1004 fixed - (0:4.18.0-372.91.1.el8_6 eus)',
      'nodejs nodejs 1:20.11.1-1.module+el8.9.0+21380+12032667 CVE-2024-1002 affected - [nodejs:20]',
      'npm nodejs 1:18.19.0-1.module+el8.9.0+21280+f4f5a8b4 CVE-2024-1002 fixed 1:18.19.1-1.module+el8.9.0+21378+e0b4bc3c [nodejs:18]',
      'openssl-libs openssl 1:1.1.1k-12.el8_9 CVE-2024-1003 deferred -',
    ]);
  });

  it('a package outside modules does not match module entries; one of unknown modularity matches any stream', async () => {
    const none = path.join(home, 'rpm-qa-none.txt');
    await fs.writeFile(none, 'nodejs\t(none):16.20.2-1.el8\tnodejs-16.20.2-1.el8.src.rpm\t(none)\n');
    expect(lines(await scan(none, { id: 'rhel', release: '8' }))).toEqual([]);
    const unknown = path.join(home, 'rpm-qa-nevra.txt');
    await fs.writeFile(unknown, 'nodejs-1:18.19.0-1.module+el8.9.0+21280+f4f5a8b4.x86_64\n');
    // A plain NEVRA says neither the module nor the source: the first entry of the record that applies is reported.
    expect((await scan(unknown, { id: 'rhel', release: '8' })).matches.map((m) => m.vulnId)).toEqual(['CVE-2024-1002']);
  });

  it('scans a RHEL 9.4 CycloneDX SBOM with Red Hat purls; the policy can ignore will-not-fix', async () => {
    const file = path.join(home, 'rhel94.cdx.json');
    const comp = (name: string, version: string, q: string) => ({ type: 'library', name, version, purl: `pkg:rpm/redhat/${name}@${version}?arch=x86_64&${q}&distro=rhel-9.4` });
    await fs.writeFile(file, JSON.stringify({
      bomFormat: 'CycloneDX', specVersion: '1.5',
      components: [
        comp('libcurl', '7.76.1-26.el9_3.1', 'upstream=curl-7.76.1-26.el9_3.1.src.rpm'),
        comp('curl', '7.76.1-26.el9_3.2', 'upstream=curl-7.76.1-26.el9_3.2.src.rpm'),
        comp('nodejs', '16.20.2-4.el9_3', 'epoch=1&upstream=nodejs-16.20.2-4.el9_3.src.rpm'),
        comp('openssl-libs', '3.0.7-27.el9', 'epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm'),
        comp('bash', '5.1.8-9.el9', 'upstream=bash-5.1.8-9.el9.src.rpm'),
      ],
    }));
    const r = await scan(file);
    expect(r.distro).toEqual({ id: 'rhel', release: '9' });
    expect(lines(r)).toEqual([
      'libcurl curl 7.76.1-26.el9_3.1 CVE-2024-1001 fixed 0:7.76.1-26.el9_3.2',
      'openssl-libs openssl 1:3.0.7-27.el9 CVE-2024-1003 affected -',
    ]);
    const strict = evaluatePolicy(r.matches, { ...defaultPolicy(), failOn: 'Low' }, new Date('2024-03-12T00:00:00Z'));
    expect(strict.violations.map((m) => m.vulnId).sort()).toEqual(['CVE-2024-1001', 'CVE-2024-1003']);
  });

  it('RHEL 7: will-not-fix is shown as such, and ignoreWontFix keeps it from failing the scan', async () => {
    const file = path.join(home, 'rpm-qa-el7.txt');
    await fs.writeFile(file, 'openssl-libs\t1:1.0.2k-26.el7_9\topenssl-1.0.2k-26.el7_9.src.rpm\t(none)\n');
    const r = await scan(file, { id: 'rhel', release: '7' });
    expect(lines(r)).toEqual(['openssl-libs openssl 1:1.0.2k-26.el7_9 CVE-2024-1003 will_not_fix -']);
    const policy = { ...defaultPolicy(), failOn: 'Low' as const };
    expect(evaluatePolicy(r.matches, policy, new Date()).pass).toBe(false);
    const ignoring = evaluatePolicy(r.matches, { ...policy, ignoreWontFix: true }, new Date());
    expect(ignoring.pass).toBe(true);
    expect(ignoring.ignored?.map((m) => m.vulnId)).toEqual(['CVE-2024-1003']);
    const report = { input: { file, format: 'rpm-qa' }, result: r, verdict: ignoring, scannedAt: '2024-03-12T00:00:00Z' };
    expect(reportTable(report)).toContain("(won't fix)");
    expect((reportJson(report)['matches'] as { policy: string }[])[0]?.policy).toBe('ignored');
  });

  it('Rocky Linux and AlmaLinux are matched against the RHEL data, and the report says so', async () => {
    const file = path.join(home, 'rpm-qa-rocky.txt');
    await fs.writeFile(file, 'openssl-libs\t1:3.0.7-27.el9.0.2\topenssl-3.0.7-27.el9.0.2.src.rpm\t(none)\n');
    for (const [osRelease, rebuild] of [
      ['NAME="Rocky Linux"\nVERSION="9.4 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n', 'rocky'],
      ['NAME="AlmaLinux"\nVERSION="9.4 (Seafoam Ocelot)"\nID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n', 'almalinux'],
      ['NAME="CentOS Stream"\nVERSION="9"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="9"\n', 'centos'],
    ] as const) {
      const distro = parseOsRelease(osRelease, 'os-release');
      expect(distro).toEqual({ id: 'rhel', release: '9', rebuild });
      const r = await scan(file, distro);
      expect(lines(r)).toEqual(['openssl-libs openssl 1:3.0.7-27.el9.0.2 CVE-2024-1003 affected -']);
      const table = reportTable({ input: { file, format: 'rpm-qa' }, result: r, verdict: evaluatePolicy(r.matches, defaultPolicy(), new Date()), scannedAt: 'now' });
      expect(table).toContain(`note: ${rebuild} 9 is matched against Red Hat's data for RHEL 9 (rhel:9)`);
    }
    const rhel = parseOsRelease('NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n', 'os-release');
    expect(rhel).toEqual({ id: 'rhel', release: '9' });
  });
});
