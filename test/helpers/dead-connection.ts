/**
 * Child process of test/storage/dead-connection.test.ts (its own process, so a crash is an exit
 * code, not a torn test worker). On the embedded server of home argv[2] it holds, per argv[3]:
 *
 * - `lock`: a driver lock (storage/locks.ts), then kills the postmaster with -9 and releases it;
 * - `transaction`: an open transaction, then kills the postmaster and sends the next statement.
 *
 * It prints what happened, then `alive` once a write scheduled on the dead connection had the time
 * to throw from its timer (porsager/postgres#1208).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { SERVICE_PG_VARIABLES } from '../../drivers/_framework/pg/embedded.ts';
import { openPostgres } from '../../drivers/_framework/pg/sql.ts';
import { lockDriver } from '../../feed-service/storage/locks.ts';

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const home = process.argv[2] ?? '';
const mode = process.argv[3] ?? '';
const db = await openPostgres({ url: undefined, embeddedDir: path.join(home, 'db'), database: 'airfeed', variables: SERVICE_PG_VARIABLES, log: silentLogger });
const killServer = async (): Promise<void> => {
  const pid = Number((await fs.readFile(path.join(home, 'db', 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  process.kill(pid, 'SIGKILL');
  // Let the client see its connection die before the next write (the crash needed that order).
  await new Promise((r) => setTimeout(r, 200));
};
const settled = (p: Promise<unknown>, what: string): Promise<string> => Promise.race([
  p.then(() => `${what} succeeded`, (err: Error) => `${what} failed: ${(err as { code?: string }).code ?? err.message}`),
  new Promise<string>((r) => setTimeout(() => r(`${what} hangs`), 10_000)),
]);

if (mode === 'lock') {
  const lock = await lockDriver(db.sql, 'alpine');
  say('locked');
  await killServer();
  say(await settled(lock.release(), 'release'));
} else if (mode === 'transaction') {
  const outcome = db.sql.begin(async (tx) => {
    await tx`select 1`;
    say('in transaction');
    await killServer();
    await tx`select 2`;
  });
  say(await settled(outcome, 'transaction'));
} else throw new Error(`unknown mode ${mode}`);
await new Promise((r) => setTimeout(r, 500));
say('alive');
await db.close().catch(() => undefined);
process.exit(0);
