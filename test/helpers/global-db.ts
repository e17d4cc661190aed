/**
 * Starts one embedded PostgreSQL for the test run (or uses DATABASE_URL's server) and hands its
 * admin URL to the test files; each file then creates a database of its own (see db.ts).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { startEmbedded } from '../../drivers/_framework/pg/embedded.ts';
import { createSql } from '../../drivers/_framework/pg/sql.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgKind: string;
  }
}

/** Vitest global setup: provides `pgAdminUrl`; returns the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env['DATABASE_URL'];
  if (external) {
    project.provide('pgAdminUrl', external);
    project.provide('pgKind', 'external');
    return async () => undefined;
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-test-pg-'));
  const server = await startEmbedded(dir, silentLogger);
  // A throwaway cluster: surviving an OS crash buys nothing here, and with these on every commit
  // waits for the disk (most of a run's time on a busy machine). Tests kill clients, never the server.
  const admin = createSql(server.adminUrl, { max: 1 });
  try {
    for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes']) await admin.unsafe(`alter system set ${setting} = off`);
    await admin`select pg_reload_conf()`;
  } finally {
    await admin.end({ timeout: 5 });
  }
  project.provide('pgAdminUrl', server.adminUrl);
  project.provide('pgKind', 'embedded');
  return async () => {
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
  };
}
