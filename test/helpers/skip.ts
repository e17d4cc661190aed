/**
 * Conditional skips that say why. Every skip in the suite goes through `skipUnless` (eslint forbids
 * `describe.skipIf`, `it.skip`, `ctx.skip` and the like in test files), which returns the test or
 * describe options `{ skip, meta: { skipReason } }`. The reason travels with the task to the
 * reporters, and test/helpers/skip-reporter.ts prints every skipped file or describe with its reason
 * at the end of the run:
 *
 *   describe('sync of the real Alpine secdb', skipUnless(realdataPresent, '../shared/realdata is absent'), () => { … });
 *   it('verifies with openssl', skipUnless(haveCommand('openssl'), 'openssl is not installed'), async () => { … });
 */
import { spawnSync } from 'node:child_process';
import type { TestOptions } from 'vitest';

declare module '@vitest/runner' {
  interface TaskMeta {
    /** Why the test (or the describe it is in) is skipped: set by skipUnless only. */
    skipReason?: string;
  }
}

/** Options that skip the test or describe, stating `reason`, unless `condition` holds. */
export function skipUnless(condition: boolean, reason: string): TestOptions {
  return condition ? {} : { skip: true, meta: { skipReason: reason } };
}

/** Whether `cmd` is on the PATH (for tests that compare with a stock tool). */
export function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
