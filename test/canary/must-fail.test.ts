/**
 * The canary: a test that must fail. `.ci/run` runs it with the suite's own setup (the embedded
 * PostgreSQL included) and fails CI when the run exits 0, proving a failing test fails the command.
 * It lives outside the normal suite (vitest.config.ts excludes test/canary/).
 */
import { expect, it } from 'vitest';

it('fails on purpose', () => {
  expect(1).toBe(2);
});
