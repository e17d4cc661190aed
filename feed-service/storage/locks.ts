/**
 * Per-driver advisory locks: only one process (CLI, service replica, bundle import) syncs a driver at
 * a time. Session-level locks on a connection of their own, so a crashed holder releases on disconnect.
 */
import { AirfeedError, databaseDownCode } from '../../drivers/_framework/errors.ts';
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
 * When the server dies while the lock is held (a killed or crashed PostgreSQL, which `serve`
 * restarts), the lock goes with its session: release() then meets a closed connection
 * (CONNECTION_CLOSED, thanks to the guard scripts/patch-deps.mjs adds for porsager/postgres#1208)
 * and has nothing left to undo, so it returns; the sync reports its own failure.
 */
export async function sessionLock(sql: Sql, space: number, name: string, options: { wait: boolean }): Promise<SessionLock | undefined> {
  const conn = await sql.reserve();
  let held = false;
  try {
    if (options.wait) {
      await conn`select pg_advisory_lock(${space}, hashtext(${name}))`;
      held = true;
    } else {
      held = (await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(${space}, hashtext(${name})) as ok`)[0]?.ok ?? false;
    }
  } finally {
    if (!held) conn.release();
  }
  if (!held) return undefined;
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await conn`select pg_advisory_unlock(${space}, hashtext(${name}))`;
      } catch (err) {
        // The session died meanwhile, and its lock with it; any other failure is the caller's to see.
        if (databaseDownCode(err) === null) throw err;
      } finally {
        conn.release();
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
