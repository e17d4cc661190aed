/** Opens the database: the external one named by DATABASE_URL, or the embedded one under AIRFEED_HOME. */
import path from 'node:path';
import type { Logger } from 'pino';
import postgres from 'postgres';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { Config } from '../config.ts';
import { ensureDatabase, startEmbedded } from '../../drivers/_framework/pg/embedded.ts';
import { migrate } from './migrate.ts';

export type Sql = postgres.Sql;
/** A transaction handle, as given by `sql.begin`. */
export type Tx = postgres.TransactionSql;

export interface Database {
  sql: Sql;
  /** Where the data lives, for messages: `embedded (<dir>)` or the URL without password. */
  description: string;
  close(): Promise<void>;
  /** The embedded server behind `sql`, when this process uses one (absent for DATABASE_URL). */
  embedded?: EmbeddedHandle;
}

/** What a long-running process needs to notice that its embedded server died, and start it again. */
export interface EmbeddedHandle {
  alive(): Promise<boolean>;
  /** Starts the server again on the same directory and port; the pool reconnects by itself. */
  restart(): Promise<void>;
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

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** Connects, checks the server answers, and applies pending migrations. */
export async function openDatabase(config: Config, log: Logger, options: { migrate?: boolean } = {}): Promise<Database> {
  let url = config.databaseUrl;
  let stopServer = async (): Promise<void> => undefined;
  let description: string;
  let embedded: EmbeddedHandle | undefined;
  if (url === undefined) {
    const dir = path.join(config.home, 'db');
    let server = await startEmbedded(dir, log, config.embeddedPort);
    stopServer = () => server.stop();
    url = await ensureDatabase(server.adminUrl, 'airfeed');
    description = `embedded PostgreSQL (${dir}, port ${server.port})`;
    const port = server.port;
    embedded = {
      alive: () => server.alive(),
      restart: async () => {
        await server.stop();
        server = await startEmbedded(dir, log, port);
      },
    };
  } else {
    description = redact(url);
  }
  const sql = createSql(url);
  try {
    await sql`select 1`;
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => undefined);
    await stopServer();
    throw new AirfeedError('DB_UNAVAILABLE', `cannot connect to ${description}: ${(err as Error).message}`, { cause: err });
  }
  const close = async (): Promise<void> => {
    await sql.end({ timeout: 5 });
    await stopServer();
  };
  if (options.migrate !== false) {
    try {
      await migrate(sql, log);
    } catch (err) {
      await close();
      throw err;
    }
  }
  return { sql, description, close, ...(embedded ? { embedded } : {}) };
}
