/**
 * Debian and Ubuntu scans end to end on real PostgreSQL: the debian and ubuntu drivers sync their
 * fixture mirrors into a feed service served on loopback; one engine syncs it online, another
 * imports a bundle of it; both scan a Debian 12 dpkg status file and an Ubuntu 22.04 SBOM and must
 * give the same matches, with states, fixes and advisories as a careful reading of the fixture data
 * says. Then this machine's own /var/lib/dpkg/status, its release read from /etc/os-release, with
 * every matched source name and version checked against dpkg-query's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { debian } from '../../drivers/debian/index.ts';
import { ubuntu } from '../../drivers/ubuntu/index.ts';
import { parseInput } from '../../engine-client/inputs/index.ts';
import type { Inventory } from '../../engine-client/inputs/types.ts';
import { type Match, matchInventory, type MatchResult } from '../../engine-client/match/match.ts';
import { importBundleIntoEngine } from '../../engine-client/sources/bundle.ts';
import { syncFromService } from '../../engine-client/sources/service.ts';
import { lookupAdvisories } from '../../engine-client/store/advisories.ts';
import type { Sql } from '../../engine-client/store/db.ts';
import { listGroups, lookupAffected } from '../../engine-client/store/status.ts';
import { exportBundle } from '../../feed-service/bundles/export.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { makeKey, type TestKey } from '../bundles/helpers.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { createEngineTestDb } from '../helpers/engine-db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { haveCommand, skipUnless } from '../helpers/skip.ts';
import { makeApp } from '../service/service-helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const STATUS = path.join(ROOT, 'test/fixtures/engine/inputs/dpkg-status-bookworm');
const SBOM = path.join(ROOT, 'test/fixtures/engine/inputs/cyclonedx-1.5-syft-ubuntu2204.json');
const ENGINE_BIN = path.join(ROOT, 'scripts/airfeed-engine.mjs');
const http = new HttpClient({ retries: 0 });

let service: TestDb;
let app: FastifyInstance;
let url: string;
let online: TestDb;
let offline: TestDb;
let key: TestKey;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('airfeed-deb-e2e-');
  [service, online, offline, key] = await Promise.all([createTestDb(), createEngineTestDb(), createEngineTestDb(), makeKey(dir)]);
  for (const [driver, mirror] of [[debian, 'test/fixtures/drivers/debian'], [ubuntu, 'test/fixtures/drivers/ubuntu']] as const) {
    const report = await syncDriver(service.sql, driver, { home: path.join(dir, 'home'), http, log: silentLogger, source: path.join(ROOT, mirror) });
    if (report.status !== 'succeeded') throw new Error(`${driver.id} sync failed: ${report.error ?? ''}`);
  }
  app = await makeApp(service.sql);
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  await syncFromService(online.sql, { url, http, log: silentLogger });
  const bundle = path.join(dir, 'full.tar');
  await exportBundle(service.sql, { privateKey: key.privateKey, out: bundle, created: new Date('2026-11-30T00:00:00Z') });
  await importBundleIntoEngine(offline.sql, bundle, { trust: key.trust, now: new Date('2026-12-01T00:00:00Z') });
});
afterAll(async () => {
  await app.close();
  await Promise.all([service.drop(), online.drop(), offline.drop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

async function scan(sql: Sql, inv: Inventory, options: { ubuntuPro?: boolean; distro?: { id: string; release: string } } = {}): Promise<MatchResult> {
  const available = new Set((await listGroups(sql)).map((g) => g.name));
  return matchInventory(inv, {
    lookup: (g, names) => lookupAffected(sql, g, names), available, advisories: (keys) => lookupAdvisories(sql, keys),
    ...(options.distro ? { distro: options.distro } : {}), ...(options.ubuntuPro ? { ubuntuPro: true } : {}),
  });
}

const line = (m: Match): string =>
  [m.package, m.matchedName, m.matchedVersion, m.vulnId, m.severity, m.state, m.fixedVersion ?? '-', m.unavailableFix ? `${m.unavailableFix.version}@${m.unavailableFix.channel}` : '-', (m.advisories ?? []).map((a) => a.id).join(',') || '-'].join(' ');

describe('a Debian 12 dpkg status file', () => {
  // The fixture tracker data (test/fixtures/drivers/debian) for bookworm, read by hand against the
  // packages of dpkg-status-bookworm: libcurl4 7.88.1-9 is below curl's 7.88.1-10 (curl itself,
  // 7.88.1-10+deb12u5, is not); libsox3's binNMU 3.5+b1 is source 3.5, the fix; prototypejs is not
  // affected; glibc and bash (TEMP id) are open; zlib is <ignored>; libxml2 undetermined.
  const EXPECTED = [
    'firefox-esr firefox-esr 115.2.0esr-1~deb12u1 CVE-2023-4863 High fixed 115.2.1esr-1~deb12u1 - DSA-5496-1',
    'libwebp7 libwebp 1.2.4-0.2 CVE-2023-4863 High fixed 1.2.4-0.2+deb12u1 - DSA-5497-1',
    'bash bash 5.2.15-2 TEMP-0841856-B18BAF Negligible affected - - -',
    'libc6 glibc 2.36-9+deb12u4 CVE-2019-1010022 Negligible affected - - -',
    'libcurl4 curl 7.88.1-9 CVE-2023-28322 Unknown fixed 7.88.1-10 - -',
    'libxml2 libxml2 2.9.14+dfsg-1.3~deb12u1 CVE-2023-28484 Unknown under_investigation - - -',
    'xserver-xorg-core xorg-server 2:21.1.7-1 CVE-2023-1393 Unknown fixed 2:21.1.7-3 - -',
    'zlib1g zlib 1:1.2.13.dfsg-1 CVE-2023-45853 Unknown will_not_fix - - -',
  ];

  it('gives the same matches online and from a bundle: states, fixes and advisories', async () => {
    const inv = await parseInput(STATUS);
    const viaService = await scan(online.sql, inv, { distro: { id: 'debian', release: '12' } });
    const viaBundle = await scan(offline.sql, inv, { distro: { id: 'debian', release: '12' } });
    expect(viaService.matches.map(line)).toEqual(EXPECTED);
    expect(viaBundle.matches).toEqual(viaService.matches);
    expect(viaService.packages).toBe(11);
    expect(viaService.problems).toEqual([]);
    expect(viaService.ubuntuPro).toBeUndefined();
    expect(viaService.matches[1]?.advisories).toEqual([{ id: 'DSA-5497-1', link: 'https://security-tracker.debian.org/tracker/DSA-5497-1' }]);
  });

  const run = (args: string[]) => spawnSync(process.execPath, [ENGINE_BIN, 'scan', ...args], {
    encoding: 'utf8', env: { ...process.env, AIRFEED_ENGINE_DATABASE_URL: offline.url, AIRFEED_LOG_LEVEL: 'silent' },
  });

  it('airfeed-engine scan shows states and advisories, and --ignore-wont-fix leaves won\'t-fix and deferred out of the verdict', async () => {
    const table = run([STATUS, '--distro', 'debian:12', '--fail-on', 'critical']);
    expect(table.stderr).toBe('');
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^libwebp7 +1\.2\.4-0\.2 +libwebp 1\.2\.4-0\.2 +CVE-2023-4863 +High +1\.2\.4-0\.2\+deb12u1 +DSA-5497-1 +debian:12$/m);
    expect(table.stdout).toMatch(/^zlib1g .* \(won't fix\) +debian:12$/m);
    expect(table.stdout).toMatch(/^libxml2 .* \(under investigation\) +debian:12$/m);

    const json = run([STATUS, '--distro', 'debian:12', '--fail-on', 'unknown', '--ignore-wont-fix', '--format', 'json']);
    expect(json.status).toBe(1);
    const doc = JSON.parse(json.stdout) as { matches: { package: string; state: string; policy: string }[]; verdict: { violations: number; ignored: number; ignoreWontFix: boolean } };
    expect(doc.matches.find((m) => m.package === 'zlib1g')).toMatchObject({ state: 'will_not_fix', policy: 'ignored' });
    expect(doc.verdict).toMatchObject({ violations: 7, ignored: 1, ignoreWontFix: true });
  });
});

describe('an Ubuntu 22.04 SBOM', () => {
  const ESM_FIX = '1:4.1.48-4+deb11u2ubuntu0.1~esm1';

  it('without Ubuntu Pro: a Pro-only fix is no fix, the match stays and says what it needs', async () => {
    const inv = await parseInput(SBOM);
    const r = await scan(online.sql, inv);
    expect(r.ubuntuPro).toEqual({ enabled: false, reason: 'no --ubuntu-pro, and no Ubuntu Pro (ESM) package in the input' });
    expect(r.matches.map(line)).toEqual([
      'libssl3 openssl 3.0.2-0ubuntu1.10 CVE-2024-0727 Low fixed 3.0.2-0ubuntu1.14 - USN-6622-1',
      'libnetty-java netty 1:4.1.48-4 CVE-2022-24823 Low fixed - 1:4.1.48-4+deb11u2ubuntu0.1~esm1@esm-apps -',
      'zlib1g zlib 1:1.2.11.dfsg-2ubuntu9.2 CVE-2023-45853 Low affected - - -',
      'libwayland-client0 wayland 1.20.0-1 CVE-2021-3782 Medium fixed 1.20.0-1ubuntu0.1 - USN-5614-1',
      'tzdata tzdata 2023c-0ubuntu0.22.04.2 USN-6990-1 Unknown fixed 2024a-0ubuntu0.22.04.1 - USN-6990-1',
    ].sort((a, b) => rank(b) - rank(a) || (a < b ? -1 : 1)));
    const viaBundle = await scan(offline.sql, inv);
    expect(viaBundle.matches).toEqual(r.matches);
  });

  it('with --ubuntu-pro, or an ESM package in the input, the Pro fix is the fix', async () => {
    const inv = await parseInput(SBOM);
    const flagged = await scan(online.sql, inv, { ubuntuPro: true });
    expect(flagged.ubuntuPro).toEqual({ enabled: true, reason: '--ubuntu-pro' });
    expect(flagged.matches.find((m) => m.vulnId === 'CVE-2022-24823')).toMatchObject({ fixedVersion: ESM_FIX });
    expect(flagged.matches.find((m) => m.vulnId === 'CVE-2022-24823')?.unavailableFix).toBeUndefined();

    const withEsm: Inventory = { ...inv, packages: [...inv.packages, { name: 'libexpat1', version: '2.4.7-1ubuntu0.3+esm1', kind: 'deb', source: { name: 'expat' }, location: 'test' }] };
    const evidence = await scan(online.sql, withEsm);
    expect(evidence.ubuntuPro).toEqual({ enabled: true, reason: 'libexpat1 2.4.7-1ubuntu0.3+esm1 (test) is an Ubuntu Pro (ESM) build' });
    expect(evidence.matches.find((m) => m.vulnId === 'CVE-2022-24823')).toMatchObject({ fixedVersion: ESM_FIX });

    // At the Pro fix itself: not vulnerable, with or without Pro.
    const fixed: Inventory = { ...inv, packages: inv.packages.map((p) => (p.name === 'libnetty-java' ? { ...p, version: ESM_FIX } : p)) };
    expect((await scan(online.sql, fixed)).matches.some((m) => m.vulnId === 'CVE-2022-24823')).toBe(false);
  });

  it('airfeed-engine scan says which Pro assumption it made', () => {
    const out = spawnSync(process.execPath, [ENGINE_BIN, 'scan', SBOM, '--fail-on', 'none'], {
      encoding: 'utf8', env: { ...process.env, AIRFEED_ENGINE_DATABASE_URL: offline.url, AIRFEED_LOG_LEVEL: 'silent' },
    });
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('Ubuntu Pro: not assumed (no --ubuntu-pro, and no Ubuntu Pro (ESM) package in the input)');
    expect(out.stdout).toMatch(/^libnetty-java .* \(1:4\.1\.48-4\+deb11u2ubuntu0\.1~esm1 needs Ubuntu Pro esm-apps\) +ubuntu:22\.04$/m);
  });
});

const RANKS: Record<string, number> = { Unknown: 0, Negligible: 1, Low: 2, Medium: 3, High: 4, Critical: 5 };
function rank(l: string): number {
  return RANKS[l.split(' ')[4] ?? ''] ?? 0;
}

const thisMachine = existsSync('/var/lib/dpkg/status') && existsSync('/etc/os-release') && haveCommand('dpkg-query');
const osRelease = thisMachine ? await fs.readFile('/etc/os-release', 'utf8') : '';
const isDebian12 = /^ID=debian$/m.test(osRelease) && /^VERSION_ID="?12"?$/m.test(osRelease);

describe("this machine's dpkg database", skipUnless(thisMachine && isDebian12, 'this machine is not Debian 12 with /var/lib/dpkg/status and dpkg-query'), () => {
  it('scans /var/lib/dpkg/status with the release from /etc/os-release, matching by the source dpkg-query names', async () => {
    const out = spawnSync(process.execPath, [ENGINE_BIN, 'scan', '/var/lib/dpkg/status', '--format', 'json', '--fail-on', 'none'], {
      encoding: 'utf8', env: { ...process.env, AIRFEED_ENGINE_DATABASE_URL: online.url, AIRFEED_LOG_LEVEL: 'silent' },
    });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const doc = JSON.parse(out.stdout) as { distro: string; distroSource: string; packages: number; matches: { package: string; matchedName: string; matchedVersion: string }[] };
    expect(doc.distro).toBe('debian:12');
    expect(doc.distroSource).toBe('/etc/os-release');
    // dpkg's own view of what is installed and built from which source at which version.
    const q = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Status} ${Package} ${source:Package} ${source:Version}\\n'], { encoding: 'utf8' });
    const installed = new Map(q.stdout.trim().split('\n').map((l) => l.split(' ')).filter((f) => f[0] === 'installed').map((f) => [f[1] ?? '', `${f[2] ?? ''} ${f[3] ?? ''}`]));
    expect(doc.packages).toBe(installed.size);
    for (const m of doc.matches) expect(`${m.matchedName} ${m.matchedVersion}`, m.package).toBe(installed.get(m.package));
    expect(doc.matches.length).toBeGreaterThan(0);
  });

  it('gives the same matches from the bundle-fed engine as from the online one', async () => {
    const inv = await parseInput('/var/lib/dpkg/status');
    const distro = { id: 'debian', release: '12' };
    const a = await scan(online.sql, inv, { distro });
    const b = await scan(offline.sql, inv, { distro });
    expect(b.matches).toEqual(a.matches);
    expect(a.matches.length).toBeGreaterThan(0);
  });
});
