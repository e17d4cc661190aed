import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The canary must fail; .ci/run runs it on its own (vitest.canary.config.ts).
    exclude: ['test/canary/**', '**/node_modules/**'],
    // One PostgreSQL for the whole run: the embedded one, or DATABASE_URL's server.
    globalSetup: ['test/helpers/global-db.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
