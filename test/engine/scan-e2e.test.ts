/**
 * The engine end to end, on real PostgreSQL: Alpine data (the demo mirror, a real subset of secdb)
 * synced into a feed service served on loopback; one engine syncs it online, another imports a
 * bundle of the same data; both scan the same installed database and must give the same matches.
 * Then one upstream change: the service re-syncs, the online engine's next sync transfers exactly
 * that one record, and the scan result changes accordingly. The CLI is run for its exit codes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle } from '../../feed-service/bundles/export.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { parseInput } from '../../engine-client/inputs/index.ts';
import { matchInventory, type MatchResult } from '../../engine-client/match/match.ts';
import { importBundleIntoEngine } from '../../engine-client/sources/bundle.ts';
import { syncFromService } from '../../engine-client/sources/service.ts';
import type { Sql } from '../../engine-client/store/db.ts';
import { listGroups, lookupAffected } from '../../engine-client/store/status.ts';
import { makeKey, type TestKey } from '../bundles/helpers.ts';
import type { TestDb } from '../helpers/db.ts';
import { createEngineTestDb } from '../helpers/engine-db.ts';
import { type MirrorSpec, tempDir } from '../helpers/mirror.ts';
import { type LoopbackService, startService } from './sources/helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEMO = path.join(ROOT, 'drivers/alpine/demo-mirror');
const INSTALLED = path.join(ROOT, 'test/fixtures/engine/inputs/apk-installed');
const ENGINE_BIN = path.join(ROOT, 'scripts/airfeed-engine.mjs');

/** The demo mirror as a MirrorSpec, so a test can change one fix and write it back. */
async function demoSpec(): Promise<MirrorSpec> {
  const spec: MirrorSpec = {};
  for (const branch of (await fs.readdir(DEMO)).sort()) {
    for (const file of (await fs.readdir(path.join(DEMO, branch))).sort()) {
      const doc = JSON.parse(await fs.readFile(path.join(DEMO, branch, file), 'utf8')) as { packages: { pkg: { name: string; secfixes: Record<string, string[]> } }[] };
      const repo = file.replace(/\.json$/, '');
      const pkgs = ((spec[branch] ??= {})[repo] ??= {});
      for (const p of doc.packages) pkgs[p.pkg.name] = p.pkg.secfixes;
    }
  }
  return spec;
}

async function scanWith(sql: Sql): Promise<MatchResult> {
  const inventory = await parseInput(INSTALLED);
  const available = new Set((await listGroups(sql)).map((g) => g.name));
  return matchInventory(inventory, { lookup: (g, names) => lookupAffected(sql, g, names), available, distro: { id: 'alpine', release: '3.20' } });
}

const summary = (r: MatchResult): string[] => r.matches.map((m) => `${m.package} ${m.installedVersion} ${m.matchedName} ${m.vulnId} ${m.fixedVersion ?? 'none'}`);

// What a careful reading of the demo mirror's v3.20 files says about the installed database: curl
// 8.9.1-r2 (and libcurl, origin curl) misses three fixes, openssl's 3.3.2-r1 fix is missing from
// libcrypto3 and libssl3 3.3.2-r0, libexpat 2.6.3-r0 (origin expat) misses 2.6.4-r0; busybox
// 1.36.1-r29 (and busybox-binsh, ssl_client) has every fix, musl 1.2.5-r0 and zlib 1.3.1-r1 too.
const EXPECTED = [
  'curl 8.9.1-r2 curl CVE-2024-11053 8.11.1-r0',
  'curl 8.9.1-r2 curl CVE-2024-8096 8.10.0-r0',
  'curl 8.9.1-r2 curl CVE-2024-9681 8.11.0-r0',
  'libcrypto3 3.3.2-r0 openssl CVE-2024-9143 3.3.2-r1',
  'libcurl 8.9.1-r2 curl CVE-2024-11053 8.11.1-r0',
  'libcurl 8.9.1-r2 curl CVE-2024-8096 8.10.0-r0',
  'libcurl 8.9.1-r2 curl CVE-2024-9681 8.11.0-r0',
  'libexpat 2.6.3-r0 expat CVE-2024-50602 2.6.4-r0',
  'libssl3 3.3.2-r0 openssl CVE-2024-9143 3.3.2-r1',
];

let service: LoopbackService;
let online: TestDb;
let offline: TestDb;
let key: TestKey;
let dir: string;
let spec: MirrorSpec;
const http = new HttpClient({ retries: 0 });

beforeAll(async () => {
  spec = await demoSpec();
  dir = await tempDir('airfeed-e2e-');
  [service, online, offline, key] = await Promise.all([startService(spec), createEngineTestDb(), createEngineTestDb(), makeKey(dir)]);
});
afterAll(async () => {
  await Promise.all([service.close(), online.drop(), offline.drop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

describe('scan of an Alpine installed database', () => {
  it('gives the same matches from an online sync and from a bundle of the same data', async () => {
    await syncFromService(online.sql, { url: service.url, http, log: silentLogger });
    const bundle = path.join(dir, 'full.tar');
    await exportBundle(service.db.sql, { privateKey: key.privateKey, out: bundle, created: new Date('2026-11-30T00:00:00Z') });
    await importBundleIntoEngine(offline.sql, bundle, { trust: key.trust, now: new Date('2026-12-01T00:00:00Z') });
    const viaService = await scanWith(online.sql);
    const viaBundle = await scanWith(offline.sql);
    expect(summary(viaService)).toEqual(EXPECTED);
    expect(viaBundle.matches).toEqual(viaService.matches);
    expect(viaService.problems).toEqual([]);
    expect(viaService.packages).toBe(38);
  });

  it('after one upstream change, the next sync transfers exactly one record and the scan changes', async () => {
    // openssl's fix for CVE-2024-9143 moves down to the installed 3.3.2-r0 on v3.20.
    const changed = structuredClone(spec);
    const openssl = changed['v3.20']?.['main']?.['openssl'];
    if (!openssl) throw new Error('demo mirror has no v3.20 openssl');
    delete openssl['3.3.2-r1'];
    openssl['3.3.2-r0'] = [...(openssl['3.3.2-r0'] ?? []), 'CVE-2024-9143'];
    await service.alpine.write(changed);
    const report = await service.alpine.sync();
    expect(report.status).not.toBe('failed');
    const result = await syncFromService(online.sql, { url: service.url, http, log: silentLogger });
    const moved = result.groups.map((g) => [g.group, g.transferred]);
    expect(moved).toEqual([
      ['alpine:3.19', 0],
      ['alpine:3.20', 1],
      ['alpine:edge', 0],
    ]);
    const after = summary(await scanWith(online.sql));
    expect(after).toEqual(EXPECTED.filter((l) => !l.includes('CVE-2024-9143')));
  });
});

describe('airfeed-engine scan (the command)', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [ENGINE_BIN, 'scan', INSTALLED, '--distro', 'alpine:3.20', ...args], {
      encoding: 'utf8',
      env: { ...process.env, AIRFEED_ENGINE_DATABASE_URL: offline.url, AIRFEED_LOG_LEVEL: 'silent', ...env },
    });

  it('exits 0 when the policy passes, 1 when it fails, 2 on an error', async () => {
    const pass = run(['--fail-on', 'critical']);
    expect(pass.stderr).toBe('');
    expect(pass.status).toBe(0);
    expect(pass.stdout).toContain('libcrypto3  3.3.2-r0   openssl 3.3.2-r0  CVE-2024-9143');
    expect(pass.stdout).toMatch(/PASS$/m);

    const policy = path.join(dir, 'policy.yaml');
    await fs.writeFile(
      policy,
      'failOn: Unknown\nallowlist:\n  - id: CVE-2024-9143\n    package: openssl\n    reason: patched in our image build\n  - id: CVE-2024-50602\n    reason: review lapsed\n    expires: 2026-01-01\n',
    );
    const fail = run(['--policy', policy, '--format', 'json']);
    expect(fail.status).toBe(1);
    const doc = JSON.parse(fail.stdout) as { dataAge: { group: string; updatedAt: string }[]; verdict: { pass: boolean; violations: number; allowed: { id: string; package: string }[]; expiredAllowlist: { id: string }[] }; matches: { vulnId: string; package: string; policy: string }[] };
    expect(doc.verdict.pass).toBe(false);
    // The bundle's creation time is how fresh the imported data is.
    expect(doc.dataAge.map((a) => [a.group, a.updatedAt])).toEqual([['alpine:3.20', '2026-11-30T00:00:00.000Z']]);
    expect(doc.verdict.violations).toBe(7);
    expect(doc.verdict.allowed.map((a) => `${a.package} ${a.id}`)).toEqual(['libcrypto3 CVE-2024-9143', 'libssl3 CVE-2024-9143']);
    expect(doc.verdict.expiredAllowlist.map((e) => e.id)).toEqual(['CVE-2024-50602']);
    expect(doc.matches.find((m) => m.vulnId === 'CVE-2024-50602')?.policy).toBe('fail');

    const noData = run(['--distro', 'alpine:3.21']);
    expect(noData.status).toBe(2);
    expect(noData.stderr).toContain('the engine holds no data for alpine:3.21');
    const badInput = spawnSync(process.execPath, [ENGINE_BIN, 'scan', path.join(ROOT, 'test/fixtures/engine/inputs/apk-installed-bad-line')], {
      encoding: 'utf8',
      env: { ...process.env, AIRFEED_ENGINE_DATABASE_URL: offline.url, AIRFEED_LOG_LEVEL: 'silent' },
    });
    expect(badInput.status).toBe(2);
    expect(badInput.stderr).toMatch(/apk-installed-bad-line:\d+/);
  });
});
