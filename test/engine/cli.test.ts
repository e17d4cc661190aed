/** `airfeed-engine` as a person runs it: --help, sync from a loopback service, import, db status with staleness. */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBundle } from '../../feed-service/bundles/export.ts';
import { makeKey, type TestKey } from '../bundles/helpers.ts';
import type { TestDb } from '../helpers/db.ts';
import { createEngineTestDb } from '../helpers/engine-db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { SPEC } from '../service/service-helpers.ts';
import { type LoopbackService, startService } from './sources/helpers.ts';

const BIN = path.resolve(import.meta.dirname, '../../scripts/airfeed-engine.mjs');

let service: LoopbackService;
let online: TestDb;
let offline: TestDb;
let key: TestKey;
let dir: string;

/** Runs the CLI without blocking this process, which serves the feed service the CLI talks to. */
function engine(db: TestDb, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, AIRFEED_ENGINE_DATABASE_URL: db.url, AIRFEED_ENGINE_HOME: dir, AIRFEED_LOG_LEVEL: 'silent' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = await tempDir('airfeed-engine-cli-');
  [service, online, offline, key] = await Promise.all([startService(SPEC), createEngineTestDb(), createEngineTestDb(), makeKey(dir)]);
});
afterAll(async () => {
  await Promise.all([service.close(), online.drop(), offline.drop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

describe('airfeed-engine', () => {
  it('explains itself with --help, on every command', () => {
    const top = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(top.status).toBe(0);
    for (const cmd of ['sync', 'import', 'scan', 'db', 'versions']) expect(top.stdout).toContain(`  ${cmd}`);
    const scan = spawnSync(process.execPath, [BIN, 'scan', '--help'], { encoding: 'utf8' });
    expect(scan.stdout).toContain('--policy <file>');
    expect(scan.stdout).toContain('Exit code: 0 the policy passes, 1 it fails, 2 error');
    const bad = spawnSync(process.execPath, [BIN, 'sync'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("required option '--from <url>' not specified");
  });

  it('syncs from a feed service, then reports nothing to transfer', async () => {
    const first = await engine(online, ['sync', '--from', service.url]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^alpine:3\.19\s+replace\s+5\s+5\s+0\s+5\s+\d+$/m);
    const again = await engine(online, ['sync', '--from', service.url, '--json']);
    const doc = JSON.parse(again.stdout) as { protocol: string; groups: { group: string; transferred: number; mode: string }[] };
    expect(doc.protocol).toBe('v2');
    expect(doc.groups.map((g) => [g.group, g.mode, g.transferred])).toEqual([
      ['alpine:3.19', 'changes', 0],
      ['alpine:3.20', 'changes', 0],
    ]);
  });

  it('imports a bundle with the trust directory, refuses it without a trusted key, and says when it is already installed', async () => {
    const bundle = path.join(dir, 'full.tar');
    await exportBundle(service.db.sql, { privateKey: key.privateKey, out: bundle, created: new Date('2026-11-01T00:00:00Z') });
    const untrusted = await engine(offline, ['import', bundle]);
    expect(untrusted.status).toBe(2);
    expect(untrusted.stderr).toContain(`no trusted keys: pass --trust <public key file or directory>, or put the producer's .pub.pem in ${path.join(dir, 'trusted-keys')}`);
    await fs.mkdir(path.join(dir, 'trusted-keys'));
    await fs.copyFile(key.publicFile, path.join(dir, 'trusted-keys', 'producer.pub.pem'));
    const ok = await engine(offline, ['import', bundle]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^imported full bundle/m);
    const again = await engine(offline, ['import', bundle, '--json']);
    expect((JSON.parse(again.stdout) as { status: string }).status).toBe('unchanged');
  });

  it('db status shows where data came from and flags stale groups with exit code 1', async () => {
    const fresh = await engine(online, ['db', 'status']);
    expect(fresh.status).toBe(0);
    expect(fresh.stdout).toMatch(new RegExp(`^alpine:3\\.20\\s+service ${service.url.replace(/[.]/g, '\\.')}\\s+4\\s+4\\s`, 'm'));
    // The bundle was created on 2026-11-01: a month old, stale against a one-week limit.
    const stale = await engine(offline, ['db', 'status', '--max-age', '7d', '--json']);
    expect(stale.status).toBe(1);
    const doc = JSON.parse(stale.stdout) as { groups: { name: string; stale: boolean; source: string }[] };
    expect(doc.groups.map((g) => [g.name, g.stale])).toEqual([
      ['alpine:3.19', true],
      ['alpine:3.20', true],
    ]);
    expect(doc.groups[0]?.source).toMatch(/^bundle full-/);
    expect((await engine(offline, ['db', 'status', '--max-age', 'soon'])).stderr).toContain('--max-age soon');
  });
});
