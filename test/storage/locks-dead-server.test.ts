/**
 * A sync holds its driver's lock on a connection of its own; when the server dies meanwhile (killed,
 * crashed: `serve` restarts it), releasing that lock must neither throw nor end the process. With
 * the lock on a reserved porsager connection it did end it (porsager/postgres#1208: a TypeError
 * thrown from a timer), which took `airfeed serve` down with its syncs.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('../helpers/lock-after-server-death.ts', import.meta.url));
const homes: string[] = [];

afterAll(async () => {
  for (const h of homes) await fs.rm(h, { recursive: true, force: true });
});

describe('a driver lock whose server died', () => {
  it('is released without an error, and the process lives on', async () => {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-lock-death-'));
    homes.push(home);
    await fs.chmod(home, 0o711); // as root the server runs as `postgres`, which must enter the home
    const env = { ...process.env };
    delete env['DATABASE_URL'];
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, home], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, out: out.trim().split('\n') }, err).toEqual({ code: 0, out: ['locked', 'released', 'alive'] });
  });
});
