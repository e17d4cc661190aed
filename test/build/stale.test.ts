/**
 * The stale-build rule (scripts/build-inputs.mjs, scripts/launch.mjs) on a small project of its own:
 * a bin runs dist/ only when dist/ was built from exactly the files on disk; otherwise it runs the
 * sources through tsx and says why on stderr, so it never runs code older than its sources.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBuild } from '../../scripts/build-inputs.mjs';
import { build } from '../../scripts/build.mjs';
import { runObserved, typescriptLoads } from '../helpers/bins.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let dir: string;
let runner: string;

const write = (rel: string, text: string): void => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};
/** Sets a file's mtime `seconds` away from now, so that a change shows even on a coarse clock. */
const touch = (rel: string, seconds: number): void => {
  const t = new Date(Date.now() + seconds * 1000);
  fs.utimesSync(path.join(dir, rel), t, t);
};
const run = (): ReturnType<typeof runObserved> => runObserved(runner, ['3']);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airfeed-stale-'));
  write('package.json', JSON.stringify({ name: 'fixture', version: '9.9.9', type: 'module', private: true }));
  write('tsconfig.json', JSON.stringify({ compilerOptions: { target: 'ES2023', module: 'NodeNext', verbatimModuleSyntax: true, allowImportingTsExtensions: true } }));
  write('feed-service/greeting.ts', "export const greeting: string = 'v1';\n");
  write('feed-service/cli/data.txt', 'asset-1\n');
  // Reads a file next to itself and the package version relative to itself, as airfeed's code does.
  write(
    'feed-service/cli/main.ts',
    `import { readFileSync } from 'node:fs';
import { greeting } from '../greeting.ts';

export async function main(argv: string[]): Promise<number> {
  const data = readFileSync(new URL('./data.txt', import.meta.url), 'utf8').trim();
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  console.log(\`\${greeting} \${data} \${pkg.version} \${import.meta.url.includes('/dist/') ? 'dist' : 'source'}\`);
  return Number(argv[2]);
}
`,
  );
  runner = path.join(dir, 'run.mjs');
  fs.writeFileSync(
    runner,
    `import { launch } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'scripts/launch.mjs')).href)};\nawait launch('fixture', 'feed-service/cli/main', ${JSON.stringify(dir)});\n`,
  );
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a bin with its build', () => {
  it('runs the sources through tsx, saying so, when there is no build', () => {
    expect(checkBuild(dir)).toEqual({ fresh: false, reason: 'there is no build in dist/' });
    const r = run();
    expect(r.stdout).toBe('v1 asset-1 9.9.9 source\n');
    expect(r.stderr).toBe('fixture: there is no build in dist/: running the TypeScript sources through tsx (slower start); `npm run build` refreshes dist/\n');
    expect(r.status).toBe(3);
  });

  it('runs dist/ after a build, with its assets and package version, and compiles nothing', async () => {
    await build(dir, { quiet: true });
    expect(checkBuild(dir)).toEqual({ fresh: true });
    const r = run();
    expect(r.stdout).toBe('v1 asset-1 9.9.9 dist\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
    expect(typescriptLoads(r.urls)).toEqual([]);
  });

  it('runs the edited sources, not the old build, after an edit, and dist/ again once rebuilt', async () => {
    write('feed-service/greeting.ts', "export const greeting: string = 'v2';\n");
    touch('feed-service/greeting.ts', 10);
    const stale = run();
    expect(stale.stdout).toBe('v2 asset-1 9.9.9 source\n');
    expect(stale.stderr).toContain('fixture: feed-service/greeting.ts changed since the last build: running the TypeScript sources through tsx');
    expect(typescriptLoads(stale.urls)).not.toEqual([]);

    await build(dir, { quiet: true });
    const fresh = run();
    expect(fresh.stdout).toBe('v2 asset-1 9.9.9 dist\n');
    expect(fresh.stderr).toBe('');
  });

  it('counts a changed asset, a new file, a removed file and an older mtime as changes', async () => {
    write('feed-service/cli/data.txt', 'asset-2\n');
    touch('feed-service/cli/data.txt', 20);
    expect(checkBuild(dir)).toEqual({ fresh: false, reason: 'feed-service/cli/data.txt changed since the last build' });
    await build(dir, { quiet: true });
    expect(fs.readFileSync(path.join(dir, 'dist/feed-service/cli/data.txt'), 'utf8')).toBe('asset-2\n');

    write('bundles/extra.ts', 'export const extra = 1;\n');
    expect(checkBuild(dir)).toEqual({ fresh: false, reason: 'bundles/extra.ts is new since the last build' });
    await build(dir, { quiet: true });
    fs.rmSync(path.join(dir, 'bundles/extra.ts'));
    expect(checkBuild(dir)).toEqual({ fresh: false, reason: 'bundles/extra.ts was removed since the last build' });
    await build(dir, { quiet: true });
    expect(fs.existsSync(path.join(dir, 'dist/bundles/extra.js'))).toBe(false);

    // Same size, older time: an older copy put back (a checkout, an unpacked archive) is a change too.
    touch('feed-service/greeting.ts', -3600);
    expect(checkBuild(dir)).toEqual({ fresh: false, reason: 'feed-service/greeting.ts changed since the last build' });
    await build(dir, { quiet: true });
    expect(checkBuild(dir)).toEqual({ fresh: true });
  });

  it('ignores tests and dot-files, which are not part of the build', () => {
    write('feed-service/x.test.ts', 'export {};\n');
    write('feed-service/.main.ts.swp', 'editor state');
    expect(checkBuild(dir)).toEqual({ fresh: true });
  });
});
