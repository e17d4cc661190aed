/**
 * Per-driver advisory locks: only one process (CLI, service replica, bundle import) syncs a driver at
 * a time. Session-level locks on a reserved connection, so a crashed holder releases on disconnect.
 */
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { Sql, Tx } from './db.ts';

// Namespace for airfeed's driver locks among advisory locks (first key of the two-key form).
const DRIVER_LOCK_SPACE = 7_324_002;
// Namespace for per-group write locks, taken inside apply transactions.
const GROUP_LOCK_SPACE = 7_324_003;

export interface DriverLock {
  release(): Promise<void>;
}

/**
 * Takes the driver's lock. Without `wait`, throws DRIVER_LOCKED at once when another session holds
 * it; with `wait`, blocks until it is free.
 */
export async function lockDriver(sql: Sql, driver: string, options: { wait?: boolean } = {}): Promise<DriverLock> {
  const conn = await sql.reserve();
  try {
    if (options.wait) {
      await conn`select pg_advisory_lock(${DRIVER_LOCK_SPACE}, hashtext(${driver}))`;
    } else {
      const rows = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(${DRIVER_LOCK_SPACE}, hashtext(${driver})) as ok`;
      if (!rows[0]?.ok) {
        const holder = await conn<{ pid: number; app: string | null }[]>`
          select l.pid, a.application_name as app from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and l.classid = ${DRIVER_LOCK_SPACE} and l.objid = hashtext(${driver})::oid
            and l.granted limit 1`;
        const who = holder[0] ? ` (database backend pid ${holder[0].pid})` : '';
        throw new AirfeedError('DRIVER_LOCKED', `driver ${driver} is already being synced by another process${who}`, {
          details: { driver },
        });
      }
    }
  } catch (err) {
    conn.release();
    throw err;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await conn`select pg_advisory_unlock(${DRIVER_LOCK_SPACE}, hashtext(${driver}))`;
      } finally {
        conn.release();
      }
    },
  };
}

/** Serializes writers of one group inside a transaction, so change sequences commit in order per group. */
export async function lockGroupInTransaction(tx: Tx, group: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(${GROUP_LOCK_SPACE}, hashtext(${group}))`;
}
