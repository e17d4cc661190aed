/**
 * Settings for a node-postgres client on the same server and database as a porsager client. Types
 * only at load time: the CLI's light commands (`--version`, `--help`) import no database module.
 */
import path from 'node:path';
import type pg from 'pg';
import type { Sql } from './sql.ts';

/**
 * node-postgres settings for a connection to the same server and database as `sql`, for the one
 * thing porsager's client cannot do safely: hold a session on a connection of its own while the
 * server may die. A reserved porsager connection whose backend dies throws from a `setImmediate` on
 * its next write (porsager/postgres#1208, open in 3.4.9), which no caller can catch and which ends
 * the process; node-postgres reports the same death as an `error` event and a rejected query.
 */
export async function pgClientConfig(sql: Sql): Promise<pg.ClientConfig> {
  const o = sql.options as unknown as {
    host: string[]; port: number[]; path?: string | false; user: string; pass: string | (() => string | Promise<string>) | null;
    database: string; ssl: boolean | string | object; connect_timeout: number | null;
  };
  const password = typeof o.pass === 'function' ? await o.pass() : (o.pass ?? undefined);
  // porsager's `require` encrypts without checking the certificate, `verify-full` checks it. `prefer` and
  // `allow` fall back to plain text in porsager; node-postgres cannot, so they ask for TLS here too.
  const ssl = o.ssl === false || o.ssl === 'disable' ? false
    : typeof o.ssl === 'object' ? (o.ssl as pg.ClientConfig['ssl'])
      : { rejectUnauthorized: o.ssl === 'verify-full' };
  return {
    host: o.path ? path.dirname(o.path) : o.host[0], port: o.port[0], user: o.user, database: o.database, ssl,
    ...(password !== undefined ? { password } : {}),
    ...(o.connect_timeout ? { connectionTimeoutMillis: o.connect_timeout * 1000 } : {}),
  };
}
