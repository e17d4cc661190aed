/**
 * Child process of test/storage/locks-dead-server.test.ts (its own process, so a crash is an exit
 * code, not a torn test worker): takes a driver lock on the embedded server of home argv[2], kills
 * that server's postmaster with -9, releases the lock, and says what happened on stdout.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { SERVICE_PG_VARIABLES } from '../../drivers/_framework/pg/embedded.ts';
import { openPostgres } from '../../drivers/_framework/pg/sql.ts';
import { lockDriver } from '../../feed-service/storage/locks.ts';

const home = process.argv[2] ?? '';
const db = await openPostgres({ url: undefined, embeddedDir: path.join(home, 'db'), database: 'airfeed', variables: SERVICE_PG_VARIABLES, log: silentLogger });
const lock = await lockDriver(db.sql, 'alpine');
console.log('locked');
const pid = Number((await fs.readFile(path.join(home, 'db', 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
process.kill(pid, 'SIGKILL');
// Let the client see its connection die before the release writes to it.
await new Promise((r) => setTimeout(r, 500));
const outcome = await Promise.race([
  lock.release().then(() => 'released', (err: Error) => `release failed: ${err.message}`),
  new Promise<string>((r) => setTimeout(() => r('release hangs'), 10_000)),
]);
console.log(outcome);
// A write scheduled on a dead connection throws from a timer (porsager/postgres#1208): give it the time to.
await new Promise((r) => setTimeout(r, 500));
console.log('alive');
await db.close().catch(() => undefined);
process.exit(0);
