/**
 * The database dies (killed, crashed: `serve` restarts it) while the service holds a connection:
 * the holder gets an error it can handle, and the process lives on. Before, a write to the dead
 * connection threw from a timer (porsager/postgres#1208: `TypeError: Cannot read properties of null
 * (reading 'write')`) and ended the process, taking `airfeed serve` down with its syncs:
 *
 * the guard scripts/patch-deps.mjs adds to postgres at install (upstream's fix is not released)
 * rejects the write with CONNECTION_CLOSED instead, so:
 *
 * - a sync's driver lock is released without an error (storage/locks.ts: the lock went with its
 *   session);
 * - a transaction's next statement fails with CONNECTION_CLOSED.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('../helpers/dead-connection.ts', import.meta.url));
const homes: string[] = [];

afterAll(async () => {
  for (const h of homes) await fs.rm(h, { recursive: true, force: true });
});

async function run(mode: 'lock' | 'transaction'): Promise<{ code: number | null; out: string[]; err: string }> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-dead-connection-'));
  homes.push(home);
  await fs.chmod(home, 0o711); // as root the server runs as `postgres`, which must enter the home
  const env = { ...process.env };
  delete env['DATABASE_URL'];
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, home, mode], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, out: out.trim().split('\n'), err };
}

describe('a connection whose server died', () => {
  it('a driver lock on it is released without an error, and the process lives on', async () => {
    const r = await run('lock');
    expect({ code: r.code, out: r.out }, r.err).toEqual({ code: 0, out: ['locked', 'release succeeded', 'alive'] });
  });

  it('a transaction on it fails with CONNECTION_CLOSED, and the process lives on', async () => {
    const r = await run('transaction');
    expect({ code: r.code, out: r.out }, r.err).toEqual({ code: 0, out: ['in transaction', 'transaction failed: CONNECTION_CLOSED', 'alive'] });
  });
});
