/**
 * The PostgreSQL a benchmark suite runs against: DATABASE_URL's server, or an embedded one in a
 * fresh work directory (removed by `stop`). Shared by every suite so they measure the same setup.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { startEmbedded } from '../../drivers/_framework/pg/embedded.ts';

export interface BenchServer {
  /** A temp directory for the suite's files (and the embedded server's data). */
  work: string;
  /** The server's maintenance database URL, for ensureDatabase/dropDatabase. */
  adminUrl: string;
  /** Stops the embedded server (when one was started) and removes `work`. */
  stop: () => Promise<void>;
}

/** Makes the work directory and, unless DATABASE_URL is set, starts an embedded server in it. */
export async function benchServer(prefix: string): Promise<BenchServer> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  // mkdtemp makes 0700; the embedded server (user postgres when we are root) must enter it.
  await fs.chmod(work, 0o755);
  const external = process.env['DATABASE_URL'];
  const server = external ? undefined : await startEmbedded(path.join(work, 'db'), silentLogger);
  return {
    work,
    adminUrl: external ?? server?.adminUrl ?? '',
    async stop() {
      await server?.stop();
      await fs.rm(work, { recursive: true, force: true });
    },
  };
}
