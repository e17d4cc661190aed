/** Opens the database: the external one named by DATABASE_URL, or the embedded one under AIRFEED_HOME. */
import path from 'node:path';
import type { Logger } from 'pino';
import postgres from 'postgres';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { Config } from '../config.ts';
import { ensureDatabase, startEmbedded } from './embedded.ts';
import { migrate } from './migrate.ts';

export type Sql = postgres.Sql;
/** A transaction handle, as given by `sql.begin`. */
export type Tx = postgres.TransactionSql;

export interface Database {
  sql: Sql;
  /** Where the data lives, for messages: `embedded (<dir>)` or the URL without password. */
  description: string;
  close(): Promise<void>;
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
  if (url === undefined) {
    const server = await startEmbedded(path.join(config.home, 'db'), log, config.embeddedPort);
    stopServer = server.stop;
    url = await ensureDatabase(server.adminUrl, 'airfeed');
    description = `embedded PostgreSQL (${path.join(config.home, 'db')}, port ${server.port})`;
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
  return { sql, description, close };
}
