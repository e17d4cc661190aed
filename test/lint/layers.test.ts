/**
 * The layer rule (scripts/lint/layers.mjs): a back-arrow between the product folders fails lint.
 * The table checks the rule's decisions; the ESLint run proves the rule is wired into the project's
 * configuration as an error, so `npm run lint` (and .ci/run) fails on a back-arrow.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import layers, { violation } from '../../scripts/lint/layers.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('layer rule decisions', () => {
  it.each([
    ['drivers/alpine/parse.ts', 'drivers/_framework/versions/apk.ts', true],
    ['drivers/alpine/parse.ts', 'engine-client/versions/apk.ts', false],
    ['drivers/alpine/parse.ts', 'drivers/kev/parse.ts', false],
    ['drivers/alpine/parse.ts', 'drivers/_framework/pg/sql.ts', false],
    ['drivers/_framework/http.ts', 'drivers/alpine/layout.ts', false],
    ['drivers/_framework/http.ts', 'drivers/index.ts', false],
    ['drivers/_framework/pg/sql.ts', 'drivers/_framework/errors.ts', true],
    ['drivers/index.ts', 'drivers/alpine/index.ts', true],
    ['bundles/verify.ts', 'drivers/_framework/errors.ts', true],
    ['bundles/verify.ts', 'drivers/_framework/pg/sql.ts', false],
    ['bundles/export.ts', 'feed-service/storage/bundles.ts', false],
    ['feed-service/sync.ts', 'drivers/index.ts', true],
    ['feed-service/bundles/import.ts', 'bundles/verify.ts', true],
    ['feed-service/http/app.ts', 'engine-client/match/match.ts', false],
    ['engine-client/store/db.ts', 'drivers/_framework/pg/sql.ts', true],
    ['engine-client/store/db.ts', 'feed-service/storage/db.ts', false],
    ['engine-client/match/match.ts', 'drivers/alpine/ids.ts', false],
    ['engine-client/sources/bundle.ts', 'bundles/verify.ts', true],
    ['scripts/bench/engine.ts', 'engine-client/store/db.ts', true],
    ['test/engine/cli.test.ts', 'feed-service/bundles/export.ts', true],
  ])('%s → %s allowed: %s', (from, to, allowed) => {
    expect(violation(from, to) === null).toBe(allowed);
  });
});

describe('the configured lint run', () => {
  it('fails on a back-arrow and passes the same file without it', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const config = (await eslint.calculateConfigForFile(path.join(ROOT, 'drivers/_framework/errors.ts'))) as { rules: Record<string, unknown> };
    expect(config.rules['airfeed/layers']).toEqual([2]);

    // Lint with the same rule on in-memory sources placed in the layers.
    const plain = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: { plugins: { airfeed: layers }, rules: { 'airfeed/layers': 'error' } } });
    const bad = await plain.lintText("import { DRIVERS } from '../index.js';\nexport const x = DRIVERS;\n", { filePath: path.join(ROOT, 'drivers/_framework/back-arrow.js') });
    expect(bad[0]?.messages.map((m) => m.message)).toEqual([expect.stringContaining('layer rule: drivers/_framework/back-arrow.js may not import drivers/index.js')]);
    const good = await plain.lintText("import { x } from './errors.js';\nexport const y = x;\n", { filePath: path.join(ROOT, 'drivers/_framework/back-arrow.js') });
    expect(good[0]?.messages).toEqual([]);
  });
});
