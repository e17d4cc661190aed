/**
 * Child process for the embedded-server tests: starts (or joins) the embedded PostgreSQL in a
 * directory and reports on stdout. Modes:
 * - `hold`: prints `READY <port>` and keeps its lease until killed;
 * - `exit-code`: prints `READY <port>`, sets process.exitCode = 3 and lets the event loop end, so
 *   the test sees whether anything but our code decides the exit code.
 * Usage: node --import tsx test/storage/embedded-child.ts <dir> <mode>
 */
import { silentLogger } from '../../drivers/_framework/log.ts';
import { startEmbedded } from '../../drivers/_framework/pg/embedded.ts';

const [dir = '', mode = 'hold'] = process.argv.slice(2);
const server = await startEmbedded(dir, silentLogger);
process.stdout.write(`READY ${server.port} ${process.listenerCount('beforeExit')}\n`);
if (mode === 'hold') {
  setInterval(() => undefined, 60_000);
} else {
  await server.stop();
  process.exitCode = 3;
}
