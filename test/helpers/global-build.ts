/**
 * Vitest global setup: rebuilds dist/ when it was not built from the sources on disk (an edit since
 * `npm ci`), so that tests spawning the `airfeed` and `airfeed-engine` bins run the built JavaScript,
 * as users do, and see the sources under test.
 */
import path from 'node:path';
import { checkBuild } from '../../scripts/build-inputs.mjs';
import { build } from '../../scripts/build.mjs';

export default async function setup(): Promise<void> {
  const root = path.resolve(import.meta.dirname, '../..');
  if (!checkBuild(root).fresh) await build(root, { quiet: true });
}
