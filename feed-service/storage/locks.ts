/**
 * Per-driver advisory locks: only one process (CLI, service replica, bundle import) syncs a driver at
 * a time. Session-level locks on a connection of their own, so a crashed holder releases on disconnect.
 */
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { pgClientConfig } from '../../drivers/_framework/pg/client-config.ts';
import type { Sql, Tx } from './db.ts';

// Namespace for airfeed's driver locks among advisory locks (first key of the two-key form).
const DRIVER_LOCK_SPACE = 7_324_002;
// Namespace for per-group write locks, taken inside apply transactions.
const GROUP_LOCK_SPACE = 7_324_003;

/** A session advisory lock held on a connection of its own; released on release() or disconnect. */
export interface SessionLock {
  release(): Promise<void>;
}
/** The driver lock. */
export type DriverLock = SessionLock;

/**
 * Takes the session advisory lock (space, hashtext(name)) on a connection of its own: waiting for it,
 * or trying once (undefined when another session holds it).
 *
 * The connection is node-postgres's, not a reserved porsager one: when the server dies while a sync
 * holds its lock (a killed or crashed PostgreSQL, which `serve` restarts), the release of a reserved
 * porsager connection threw from a timer and ended the whole service (porsager/postgres#1208; see
 * pg/client-config.ts). Here the death is an `error` event: the lock is gone with its session anyway, so
 * release() then only closes the client, and the sync reports its own failure.
 */
export async function sessionLock(sql: Sql, space: number, name: string, options: { wait: boolean }): Promise<SessionLock | undefined> {
  // Loaded here, not at the top: the CLI's light commands (`--version`) load no database module.
  const { default: pg } = await import('pg');
  const client = new pg.Client(await pgClientConfig(sql));
  let dead = false;
  // Without a listener an `error` event (the backend died) would be thrown and end the process.
  client.on('error', () => {
    dead = true;
  });
  const close = (): Promise<void> => client.end().catch(() => undefined);
  let held = false;
  try {
    await client.connect();
    if (options.wait) {
      await client.query('select pg_advisory_lock($1, hashtext($2))', [space, name]);
      held = true;
    } else {
      held = (await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [space, name])).rows[0]?.ok ?? false;
    }
  } finally {
    if (!held) await close();
  }
  if (!held) return undefined;
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        // A dead session holds no lock any more; a live one is told to let go before it closes.
        if (!dead) await client.query('select pg_advisory_unlock($1, hashtext($2))', [space, name]);
      } catch {
        // The connection died meanwhile: the lock went with it.
      } finally {
        await close();
      }
    },
  };
}

/**
 * Takes the driver's lock. Without `wait`, throws DRIVER_LOCKED at once when another session holds
 * it; with `wait`, blocks until it is free.
 */
export async function lockDriver(sql: Sql, driver: string, options: { wait?: boolean } = {}): Promise<DriverLock> {
  const lock = await sessionLock(sql, DRIVER_LOCK_SPACE, driver, { wait: options.wait ?? false });
  if (lock) return lock;
  const holder = await sql<{ pid: number }[]>`
    select l.pid from pg_locks l
    where l.locktype = 'advisory' and l.classid = ${DRIVER_LOCK_SPACE} and l.objid = hashtext(${driver})::oid and l.granted limit 1`;
  const who = holder[0] ? ` (database backend pid ${holder[0].pid})` : '';
  throw new AirfeedError('DRIVER_LOCKED', `driver ${driver} is already being synced by another process${who}`, { details: { driver } });
}

/** Serializes writers of one group inside a transaction, so change sequences commit in order per group. */
export async function lockGroupInTransaction(tx: Tx, group: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(${GROUP_LOCK_SPACE}, hashtext(${group}))`;
}
