/**
 * The embedded server's directory (see the layout table in embedded.ts): its paths, the secret, init,
 * leases, and the keeper process (watchdog.mjs) that starts or adopts the postmaster.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { AirfeedError } from '../errors.ts';
import { type Binaries, pidAlive, readPid, run, setpriv, writePrivate } from './host.ts';

const USER = 'postgres';

export const WATCHDOG = path.join(path.dirname(fileURLToPath(import.meta.url)), 'watchdog.mjs');
export interface Paths {
  dir: string;
  dataDir: string;
  secret: string;
  portFile: string;
  leases: string;
  watchdogPid: string;
  log: string;
}

export function pathsOf(dir: string): Paths {
  return {
    dir,
    dataDir: path.join(dir, 'pg'),
    secret: path.join(dir, 'secret'),
    portFile: path.join(dir, 'pg.port'),
    leases: path.join(dir, 'leases'),
    watchdogPid: path.join(dir, 'watchdog.pid'),
    log: path.join(dir, 'pg.log'),
  };
}

export async function readSecret(file: string): Promise<string | null> {
  try {
    const text = (await fs.readFile(file, 'utf8')).trim();
    return text === '' ? null : text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The postmaster's pid from its lock file, when that process still runs. */
export async function runningPostmaster(dataDir: string): Promise<number | null> {
  const pid = await readPid(path.join(dataDir, 'postmaster.pid'));
  return pid !== null && pidAlive(pid) ? pid : null;
}

/**
 * initdb into `pg.init/`, renamed to `pg/` only when complete, so an interrupted init leaves no data
 * directory that looks usable. The password goes in through a pipe.
 */
export async function initialise(p: Paths, bins: Binaries, owner: { uid: number; gid: number } | undefined, log: Logger): Promise<string> {
  const staging = `${p.dataDir}.init`;
  await fs.rm(staging, { recursive: true, force: true });
  await fs.rm(p.dataDir, { recursive: true, force: true });
  await fs.mkdir(staging, { mode: 0o700 });
  if (owner) await fs.chown(staging, owner.uid, owner.gid);
  const secret = randomBytes(32).toString('hex');
  await writePrivate(p.secret, `${secret}\n`);
  // initdb reads the password from a file (a pipe from Node is a socket, which it cannot open): a
  // 0600 file inside this directory, readable by the server's user only, removed right after.
  const pwfile = path.join(p.dir, 'initdb.pw');
  await writePrivate(pwfile, `${secret}\n`);
  if (owner) await fs.chown(pwfile, owner.uid, owner.gid);
  log.info({ dataDir: p.dataDir }, 'initialising embedded postgres');
  try {
    await run(bins.initdb, [
      `--pgdata=${staging}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwfile}`,
      '--encoding=UTF8', '--locale=C', '--no-sync',
    ], owner ?? {});
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    throw new AirfeedError('DB_UNAVAILABLE', `could not initialise the embedded PostgreSQL in ${p.dataDir}: ${(err as Error).message}`, { cause: err });
  } finally {
    await fs.rm(pwfile, { force: true });
  }
  await fs.rename(staging, p.dataDir);
  return secret;
}

/** Spawns the keeper, which starts the postmaster (or adopts `adoptPid`). */
export async function spawnWatchdog(p: Paths, bins: Binaries, port: number, owner: { uid: number; gid: number } | undefined, adoptPid?: number): Promise<number> {
  const config = {
    dir: p.dir,
    dataDir: p.dataDir,
    port,
    postgres: bins.postgres,
    flags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    logFile: p.log,
    setpriv: await setpriv(),
    ...(owner ?? {}),
    ...(adoptPid !== undefined ? { adoptPid } : {}),
  };
  const child = spawn(process.execPath, [WATCHDOG, JSON.stringify(config)], { detached: true, stdio: 'ignore' });
  child.unref();
  if (child.pid === undefined) throw new AirfeedError('DB_UNAVAILABLE', `cannot start the embedded PostgreSQL's keeper (${process.execPath} ${WATCHDOG})`);
  return child.pid;
}

export async function holdLease(p: Paths): Promise<string> {
  await fs.mkdir(p.leases, { recursive: true, mode: 0o700 });
  const lease = path.join(p.leases, String(process.pid));
  await fs.writeFile(lease, `${process.pid}\n`, { mode: 0o600 });
  return lease;
}

export async function liveLeases(p: Paths): Promise<number> {
  const names = await fs.readdir(p.leases).catch(() => [] as string[]);
  return names.filter((n) => pidAlive(Number(n))).length;
}
