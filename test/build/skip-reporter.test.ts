/**
 * The end-of-run skip summary (test/helpers/skip-reporter.ts), on a small project of its own
 * (test/fixtures/skip-reporter) run by a real Vitest with only that reporter.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { skipSummary } from '../helpers/skip-reporter.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/skip-reporter');

it('names each skipped file, describe or test with its reason, and counts skips without one', () => {
  const res = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run'], { cwd: FIXTURE, encoding: 'utf8' });
  expect(res.stderr).toBe('');
  expect(res.stdout.split('\n').filter(Boolean)).toEqual([
    'skipped: mixed.check.ts > compares with the tool (the tool is not installed)',
    'skipped: mixed.check.ts > empty and skipped (nothing to run)',
    'skipped: mixed.check.ts > on real data (the data is absent)',
    'skipped: mixed.check.ts > skips itself at run time (decided while running)',
    'skipped: whole-file.check.ts (the thing is absent)',
    'skipped: 1 more test with no stated reason (a -t filter, .only or .todo)',
  ]);
  expect(res.status).toBe(0);
});

it('says so when nothing was skipped', () => {
  expect(skipSummary([])).toEqual(['skipped: nothing']);
});
