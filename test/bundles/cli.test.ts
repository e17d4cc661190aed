/** The `airfeed keys` and `airfeed bundle` commands, end to end through the CLI entry point. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { main } from '../../feed-service/cli/main.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { iterate, makeRecord } from '../helpers/records.ts';
import { liveRecords } from './helpers.ts';

let A: TestDb;
let B: TestDb;
let dir: string;
const saved = { ...process.env };

/** Runs the CLI; returns its exit code and what it printed. */
async function run(db: TestDb, home: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  process.env['DATABASE_URL'] = db.url;
  process.env['AIRFEED_HOME'] = home;
  process.env['AIRFEED_LOG_LEVEL'] = 'silent';
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  try {
    const code = await main(['node', 'airfeed', ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    stdout.mockRestore();
  }
}

beforeAll(async () => {
  [A, B] = await Promise.all([createTestDb(), createTestDb()]);
  dir = await tempDir('airfeed-cli-');
  await registerGroups(A.sql, 'alpine', 'vulnerabilities', [{ name: 'alpine:3.20', description: 'Alpine 3.20' }]);
  await applyGroup(A.sql, { group: 'alpine:3.20', complete: true, records: iterate(['CVE-1', 'CVE-2'].map((id) => makeRecord('alpine:3.20', id))) });
});
afterEach(() => {
  process.env = { ...saved };
});
afterAll(async () => {
  await Promise.all([A.drop(), B.drop()]);
  await fs.rm(dir, { recursive: true, force: true });
});

describe('airfeed keys and bundle', () => {
  it('generates keys, exports, verifies, inspects, imports and lists history', async () => {
    const homeA = path.join(dir, 'home-a');
    const homeB = path.join(dir, 'home-b');
    const keys = await run(A, homeA, 'keys', 'generate', '--out', path.join(dir, 'keys'), '--json');
    expect(keys.code).toBe(0);
    const k = JSON.parse(keys.out) as { keyId: string; privateFile: string; publicFile: string };
    const id = await run(A, homeA, 'keys', 'id', k.publicFile, k.privateFile);
    expect(id.out.split('\n').map((l) => l.split('  ')[0])).toEqual([k.keyId, k.keyId]);

    const file = path.join(dir, 'full.tar');
    const exp = await run(A, homeA, 'bundle', 'export', '--key', k.privateFile, '--out', file, '--created', '2025-01-01T00:00:00Z', '--expires-in', '36500d', '--json');
    expect(exp.code).toBe(0);
    const exported = JSON.parse(exp.out) as { bundleId: string; kind: string; manifestSha256: string };
    expect(exported).toMatchObject({ kind: 'full', bundleId: expect.stringMatching(/^full-20250101T000000Z-/) as unknown });

    const ver = await run(A, homeA, 'bundle', 'verify', file, '--trust', k.publicFile, '--json');
    expect(ver.code).toBe(0);
    expect(JSON.parse(ver.out)).toMatchObject({ ok: true, bundleId: exported.bundleId, keyId: k.keyId, expired: false, manifestSha256: exported.manifestSha256 });
    const human = await run(A, homeA, 'bundle', 'verify', file, '--trust', k.publicFile);
    expect(human.out).toMatch(/: OK\n[\s\S]*alpine:3\.20 +vulnerabilities +\(0, \d+\] +2 +0/);

    const insp = await run(A, homeA, 'bundle', 'inspect', file, '--json');
    expect(JSON.parse(insp.out)).toMatchObject({ bundleId: exported.bundleId, formatVersion: 2 });

    // No trusted keys on the importing side yet: refused, saying what to do.
    const untrusted = await run(B, homeB, 'bundle', 'import', file);
    expect(untrusted.code).toBe(1);
    expect(untrusted.err).toMatch(/no trusted keys: pass --trust .* or put the producer's \.pub\.pem in .*home-b\/trusted-keys/);

    await fs.mkdir(path.join(homeB, 'trusted-keys'), { recursive: true });
    await fs.copyFile(k.publicFile, path.join(homeB, 'trusted-keys', 'producer.pub.pem'));
    const imp = await run(B, homeB, 'bundle', 'import', file);
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(/imported full bundle full-20250101T000000Z-[0-9a-f]{16}: 1 groups, 2 records/);
    expect(await liveRecords(B.sql)).toEqual(await liveRecords(A.sql));
    const again = await run(B, homeB, 'bundle', 'import', file, '--json');
    expect(JSON.parse(again.out)).toMatchObject({ status: 'unchanged' });

    const hist = await run(B, homeB, 'bundle', 'history', '--json');
    expect((JSON.parse(hist.out) as unknown[]).length).toBe(1);
    expect((await run(B, homeB, 'bundle', 'history')).out).toMatch(/full-20250101T000000Z-[0-9a-f]{16} +full +alpine:3\.20 +2/);
  });

  it('explains itself with --help and examples', async () => {
    const help = await run(A, dir, 'bundle', 'export', '--help');
    expect(help.out).toMatch(/--base <manifest\.json\|bundle\.tar>/);
    expect(help.out).toMatch(/Examples:\n {2}airfeed bundle export --key/);
    const k = await run(A, dir, 'keys', 'generate', '--out', path.join(dir, 'help-keys'), '--json');
    const { privateFile } = JSON.parse(k.out) as { privateFile: string };
    const bad = await run(A, dir, 'bundle', 'export', '--key', privateFile, '--out', path.join(dir, 'x.tar'), '--created', 'yesterday');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--created yesterday is not a time/);
  });
});
