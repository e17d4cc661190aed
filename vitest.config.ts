import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The canary must fail; .ci/run runs it on its own (vitest.canary.config.ts).
    exclude: ['test/canary/**', '**/node_modules/**'],
    // dist/ rebuilt when stale (tests spawn the bins, which run it); then one PostgreSQL for the
    // whole run: the embedded one, or DATABASE_URL's server.
    globalSetup: ['test/helpers/global-build.ts', 'test/helpers/global-db.ts'],
    // The run ends with every skipped file or describe and why (test/helpers/skip.ts).
    reporters: ['default', './test/helpers/skip-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Test files spend much of their time waiting for PostgreSQL and child processes, so two run at
    // once even on two cores (Vitest's default there is one). Each file has its own database.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
  },
});
