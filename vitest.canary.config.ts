// The canary run (see test/canary/must-fail.test.ts): the suite's configuration, canary files only.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

export default defineConfig({
  test: { ...base.test, include: ['test/canary/**/*.test.ts'], exclude: [] },
});
