/**
 * The PostgreSQL kit the feed service and the engine share (each has its own database, schema and
 * migrations): the porsager client with airfeed's type settings, and opening a database either on
 * an external server (a URL) or on the embedded server of a home directory.
 */
import type { Logger } from 'pino';
import postgres from 'postgres';
import { AirfeedError } from '../errors.ts';
import { ensureDatabase, type PgVariables, startEmbedded } from './embedded.ts';

export type Sql = postgres.Sql;
/** A transaction handle, as given by `sql.begin`. */
export type Tx = postgres.TransactionSql;

/** What a long-running process needs to notice that its embedded server died, and start it again. */
export interface EmbeddedHandle {
  alive(): Promise<boolean>;
  /** Starts the server again on the same directory and port; the pool reconnects by itself. */
  restart(): Promise<void>;
}

export interface Database {
  sql: Sql;
  /** Where the data lives, for messages: `embedded PostgreSQL (<dir>, port N)` or the URL without password. */
  description: string;
  close(): Promise<void>;
  /** The embedded server behind `sql`, when this process uses one (absent for an external URL). */
  embedded?: EmbeddedHandle;
}

/** Creates a porsager client with airfeed's type settings (int8 as number, notices silenced). */
export function createSql(url: string, options: { max?: number } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => undefined,
    connect_timeout: 10,
    // Change-sequence values and counts stay far below 2^53.
    types: {
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
    },
  });
}

/** The URL with its password replaced, for messages. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

export interface OpenOptions {
  /** An external server's database URL; undefined selects the embedded server in `embeddedDir`. */
  url: string | undefined;
  embeddedDir: string;
  /** The database to create and use on the embedded server. */
  database: string;
  embeddedPort?: number | undefined;
  /** The program's variables, for messages (SERVICE_PG_VARIABLES, or the engine's AIRFEED_ENGINE_*). */
  variables: PgVariables;
  log: Logger;
}

/** Connects (starting the embedded server when no URL is given) and checks the server answers. */
export async function openPostgres(o: OpenOptions): Promise<Database> {
  let url = o.url;
  let stopServer = async (): Promise<void> => undefined;
  let description: string;
  let embedded: EmbeddedHandle | undefined;
  if (url === undefined) {
    let server = await startEmbedded(o.embeddedDir, o.log, o.embeddedPort, o.variables);
    stopServer = () => server.stop();
    try {
      url = await ensureDatabase(server.adminUrl, o.database);
    } catch (err) {
      await stopServer();
      throw new AirfeedError('DB_UNAVAILABLE', `cannot create database ${o.database} on the embedded PostgreSQL in ${o.embeddedDir} (${o.variables.home}): ${(err as Error).message}`, { cause: err });
    }
    description = `embedded PostgreSQL (${o.embeddedDir}, port ${server.port})`;
    const port = server.port;
    embedded = {
      alive: () => server.alive(),
      restart: async () => {
        await server.stop();
        server = await startEmbedded(o.embeddedDir, o.log, port, o.variables);
      },
    };
  } else {
    description = redactUrl(url);
  }
  const sql = createSql(url);
  try {
    await sql`select 1`;
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => undefined);
    await stopServer();
    const where = o.url === undefined ? `${o.variables.home}'s embedded server` : o.variables.url;
    throw new AirfeedError('DB_UNAVAILABLE', `cannot connect to ${description} (from ${where}): ${(err as Error).message}`, { cause: err });
  }
  const close = async (): Promise<void> => {
    await sql.end({ timeout: 5 });
    await stopServer();
  };
  return { sql, description, close, ...(embedded ? { embedded } : {}) };
}
