/**
 * The embedded PostgreSQL's trust and lifecycle (drivers/_framework/pg/embedded.ts): a secret per
 * home that no other local user can read, no secret outside the home even when init is killed, the
 * old constant password refused, no library deciding the exit code, and no server outliving its users.
 * Deadlines below are liveness bounds ("gone within seconds"), not performance assertions.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { LEGACY_PASSWORD, startEmbedded } from '../../drivers/_framework/pg/embedded.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHILD = path.join(root, 'test/storage/embedded-child.ts');
const homes: string[] = [];

async function newHome(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-emb-'));
  // As root the server runs as `postgres`, which must pass through the home (mkdtemp makes it 0700).
  await fs.chmod(dir, 0o711);
  homes.push(dir);
  return path.join(dir, 'db');
}

afterAll(async () => {
  for (const dir of homes) await fs.rm(dir, { recursive: true, force: true });
});

async function canLogin(port: number, password: string): Promise<boolean> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres', connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function postmasterPid(dir: string): Promise<number | null> {
  const text = await fs.readFile(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => Promise<boolean> | boolean, seconds = 30): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${seconds} s: ${what}`);
    await delay(100);
  }
}

function child(dir: string, mode: 'hold' | 'exit-code'): { proc: ChildProcess; ready: Promise<{ port: number; beforeExit: number }>; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, mode], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const ready = new Promise<{ port: number; beforeExit: number }>((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      const m = /READY (\d+) (\d+)/.exec(d.toString());
      if (m) resolve({ port: Number(m[1]), beforeExit: Number(m[2]) });
    });
    void exited.then((code) => reject(new Error(`child exited (${code}) before it was ready: ${stderr}`)));
  });
  // A child killed on purpose before it is ready is not an error of the test.
  ready.catch(() => undefined);
  return { proc, ready, exited };
}

/** Files directly in the OS temp directory whose content holds `secret` (bounded reads). */
async function tmpFilesHolding(secret: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await fs.readdir(os.tmpdir())) {
    const file = path.join(os.tmpdir(), name);
    const st = await fs.lstat(file).catch(() => null);
    if (!st?.isFile() || st.size > 1024 * 1024) continue;
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    if (text.includes(secret)) out.push(file);
  }
  return out;
}

describe('embedded PostgreSQL: a secret per home', () => {
  it('makes a 0600 secret at init, refuses the old constant password, and leaves no secret outside the home', async () => {
    const dir = await newHome();
    const before = new Set(await fs.readdir(os.tmpdir()));
    const server = await startEmbedded(dir, silentLogger);
    try {
      const secret = (await fs.readFile(path.join(dir, 'secret'), 'utf8')).trim();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect((await fs.stat(path.join(dir, 'secret'))).mode & 0o777).toBe(0o600);
      expect(await canLogin(server.port, secret)).toBe(true);
      expect(await canLogin(server.port, LEGACY_PASSWORD)).toBe(false);
      expect(server.adminUrl).toContain(encodeURIComponent(secret));
      // No password file of the old wrapper, and no new temp file holding the secret.
      const added = (await fs.readdir(os.tmpdir())).filter((n) => !before.has(n));
      expect(added.filter((n) => n.startsWith('pg-password-'))).toEqual([]);
      expect(await tmpFilesHolding(secret)).toEqual([]);
      // Inside the home, only the secret file holds it (the server keeps a SCRAM verifier, not the password).
      const holders = execFileSync('grep', ['-rl', '--', secret, dir], { encoding: 'utf8' }).trim().split('\n');
      expect(holders).toEqual([path.join(dir, 'secret')]);
      // Nobody but the owner may enter the data directory or the leases.
      expect((await fs.stat(path.join(dir, 'pg'))).mode & 0o077).toBe(0);
      expect((await fs.stat(path.join(dir, 'leases'))).mode & 0o077).toBe(0);
    } finally {
      await server.stop();
    }
    expect(await server.alive()).toBe(false);
  });

  it('moves a home made with the old constant password to a secret of its own', async () => {
    const dir = await newHome();
    const first = await startEmbedded(dir, silentLogger);
    // Turn it into a home as an older airfeed left it: constant password, no secret file.
    const client = new pg.Client({ connectionString: first.adminUrl });
    await client.connect();
    await client.query(`alter role postgres password '${LEGACY_PASSWORD}'`);
    await client.end();
    await fs.rm(path.join(dir, 'secret'));
    await first.stop();

    const second = await startEmbedded(dir, silentLogger);
    try {
      const secret = (await fs.readFile(path.join(dir, 'secret'), 'utf8')).trim();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect((await fs.stat(path.join(dir, 'secret'))).mode & 0o777).toBe(0o600);
      expect(await canLogin(second.port, LEGACY_PASSWORD)).toBe(false);
      expect(await canLogin(second.port, secret)).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('leaves no secret outside the home when init is killed, and the next start initialises cleanly', async () => {
    const dir = await newHome();
    const c = child(dir, 'hold');
    // Kill it as soon as initdb runs for this home.
    await until('initdb runs', () => {
      try {
        return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').some((l) => l.includes('initdb') && l.includes(dir));
      } catch {
        return false;
      }
    });
    c.proc.kill('SIGKILL');
    await c.exited;
    const secret = (await fs.readFile(path.join(dir, 'secret'), 'utf8').catch(() => '')).trim();
    if (secret !== '') expect(await tmpFilesHolding(secret)).toEqual([]);
    for (const name of await fs.readdir(dir)) {
      const st = await fs.lstat(path.join(dir, name));
      if (st.isFile() && name !== 'pg.port' && name !== 'start.lock' && name !== 'pg.log') expect([name, st.mode & 0o077]).toEqual([name, 0]);
    }
    expect(await fs.stat(path.join(dir, 'pg', 'PG_VERSION')).catch(() => null)).toBeNull();
    await until('initdb is gone', () => !execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(`--pgdata=${dir}`));

    const server = await startEmbedded(dir, silentLogger);
    try {
      const fresh = (await fs.readFile(path.join(dir, 'secret'), 'utf8')).trim();
      expect(await canLogin(server.port, fresh)).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

describe('embedded PostgreSQL: lifecycle', () => {
  it('decides no exit code: a process that starts the server exits with the code it set', async () => {
    const dir = await newHome();
    const c = child(dir, 'exit-code');
    const { beforeExit } = await c.ready;
    expect(beforeExit).toBe(0);
    expect(await c.exited).toBe(3);
  });

  it('stops the server within seconds of a kill -9 of its only user, and the next start works', async () => {
    const dir = await newHome();
    const c = child(dir, 'hold');
    await c.ready;
    const pid = await postmasterPid(dir);
    expect(pid).not.toBeNull();
    expect(alive(pid ?? 0)).toBe(true);
    c.proc.kill('SIGKILL');
    await c.exited;
    await until('the postmaster is gone', () => !alive(pid ?? 0));

    const server = await startEmbedded(dir, silentLogger);
    try {
      expect(await server.alive()).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('keeps the server while another process still uses it, and stops it when the last one leaves', async () => {
    const dir = await newHome();
    const c = child(dir, 'hold');
    await c.ready;
    const mine = await startEmbedded(dir, silentLogger);
    const pid = await postmasterPid(dir);
    await mine.stop(); // the child still holds a lease
    expect(alive(pid ?? 0)).toBe(true);
    c.proc.kill('SIGKILL');
    await c.exited;
    await until('the postmaster is gone', () => !alive(pid ?? 0));
  });

  it('starts a server when the previous keeper is still finishing after its server ended', async () => {
    const dir = await newHome();
    const first = await startEmbedded(dir, silentLogger);
    await first.stop();
    // A keeper that outlives its server for a moment (it is finishing): alive, with no postmaster.
    const lingering = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 1500)'], { stdio: 'ignore' });
    await fs.writeFile(path.join(dir, 'watchdog.pid'), `${lingering.pid}\n`);
    const exited = new Promise((resolve) => lingering.on('exit', resolve));
    // Before the fix this waited for an answer from a server nobody was starting, until its deadline.
    const server = await startEmbedded(dir, silentLogger);
    try {
      expect(await server.alive()).toBe(true);
    } finally {
      await server.stop();
      await exited;
    }
  });

  it('ends the server when its keeper is killed with -9 (parent-death signal)', async () => {
    const dir = await newHome();
    const server = await startEmbedded(dir, silentLogger);
    const pid = await postmasterPid(dir);
    const keeper = Number((await fs.readFile(path.join(dir, 'watchdog.pid'), 'utf8')).trim());
    process.kill(keeper, 'SIGKILL');
    await until('the postmaster is gone', () => !alive(pid ?? 0));
    // The user notices and starts it again (serve does this by itself).
    const again = await startEmbedded(dir, silentLogger);
    expect(await again.alive()).toBe(true);
    await again.stop();
    await server.stop();
  });
});
