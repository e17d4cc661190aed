#!/usr/bin/env node
// `npm run build` (also run by `npm ci` through the `prepare` script, and by the test run's global
// setup when dist/ is stale): transpiles every build input to dist/ so the bins start without
// compiling TypeScript. What counts as an input, and when dist/ is stale: scripts/build-inputs.mjs.
//
// esbuild transpiles file by file (bundle mode only to rewrite import specifiers: every import
// stays external, relative `./x.ts` becomes `./x.js`); it checks no types, `npm run typecheck` does.
// esbuild comes with tsx, a runtime dependency, so this also works in an install without dev
// dependencies. The new tree is written next to dist/ and swapped in, so a concurrent build or a
// starting bin never sees half a tree.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { DIST, listInputs, STATE_FILE, stateOf } from './build-inputs.mjs';

/** esbuild plugin: keep every import as written, with a relative `.ts` specifier pointing at `.js`. */
const externalImports = {
  name: 'external-imports',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const relative = args.path.startsWith('./') || args.path.startsWith('../');
      return { path: relative ? args.path.replace(/\.ts$/, '.js') : args.path, external: true };
    });
  },
};

/**
 * Builds `root`'s sources into `root/dist`. Returns the number of files transpiled and copied.
 * Throws (with esbuild's messages) when a file does not parse; dist/ is then left as it was.
 */
export async function build(root, options = {}) {
  const inputs = listInputs(root);
  const tmp = path.join(root, `${DIST}.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  const sources = inputs.filter((f) => f.kind === 'source');
  const assets = inputs.filter((f) => f.kind === 'asset');
  try {
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: sources.map((f) => f.rel),
      outbase: '.',
      outdir: tmp,
      bundle: true,
      plugins: [externalImports],
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: options.quiet ? 'silent' : 'warning',
      tsconfig: path.join(root, 'tsconfig.json'),
    });
    for (const f of assets) {
      fs.mkdirSync(path.dirname(path.join(tmp, f.rel)), { recursive: true });
      fs.copyFileSync(path.join(root, f.rel), path.join(tmp, f.rel));
    }
    // Node takes the module type from the nearest package.json, and code reads the package version
    // relative to itself (bundles/manifest.ts: '../package.json'): dist/ gets the fields that matter.
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const distPkg = { name: pkg.name, version: pkg.version, type: pkg.type, private: true };
    fs.writeFileSync(path.join(tmp, 'package.json'), `${JSON.stringify(distPkg, null, 2)}\n`);
    fs.writeFileSync(path.join(tmp, STATE_FILE), `${JSON.stringify(stateOf(inputs))}\n`);
    const dist = path.join(root, DIST);
    const old = path.join(root, `${DIST}.old-${process.pid}`);
    try {
      fs.renameSync(dist, old);
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
    try {
      fs.renameSync(tmp, dist);
    } catch (err) {
      // A concurrent build put its tree in place first; it is as new as this one, and the bins
      // check it against the sources anyway.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    }
    fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { transpiled: sources.length, copied: assets.length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const started = performance.now();
  try {
    const { transpiled, copied } = await build(root);
    console.log(`build: ${transpiled} TypeScript files transpiled and ${copied} files copied to ${DIST}/ in ${Math.round(performance.now() - started)} ms`);
  } catch (err) {
    // esbuild has printed each problem with its file and line already.
    console.error(`build: failed: ${err.message}`);
    process.exit(1);
  }
}
