// What the build reads, and how the bins tell a fresh build in dist/ from a stale one.
//
// Rules (see README "Build"):
// - Inputs are every file under the source folders (SOURCE_DIRS) except tests (`*.test.ts`) and
//   dot-files, plus the few root files that change what the build emits (BUILD_FILES). Only the
//   folder names are fixed here, never module paths, so modules can move between folders freely.
// - `.ts` files (not `.d.ts`) are transpiled to `.js`; every other input under a source folder
//   (SQL migrations, JSON schemas, the demo mirror, `.mjs` helpers) is copied next to them, so code
//   that finds files relative to `import.meta.url` finds the same layout under dist/. The .mjs
//   files under scripts/ (bins, this build, the bench runner, lint rules) run from the source tree
//   and are not copied; type declarations (.d.ts, .d.mts) are skipped.
// - The build records the size and mtime of every input in dist/.build.json. The build is fresh
//   when the inputs on disk are exactly those (same paths, sizes and mtimes): an edit, a new or a
//   deleted file, or a checkout that restores older mtimes all make it stale.
import fs from 'node:fs';
import path from 'node:path';

export const SOURCE_DIRS = ['bundles', 'drivers', 'engine-client', 'feed-service', 'scripts'];
export const BUILD_FILES = ['package.json', 'tsconfig.json', 'scripts/build.mjs', 'scripts/build-inputs.mjs'];
export const DIST = 'dist';
export const STATE_FILE = '.build.json';

/** Whether a path (relative, `/`-separated) under a source folder is part of the build. */
function isBuildInput(rel) {
  if (rel.endsWith('.test.ts')) return false;
  // Type declarations have no runtime part.
  if (/\.d\.(m|c)?ts$/.test(rel)) return false;
  // The JavaScript tooling under scripts/ (bins, this build, the bench runner, lint rules) runs from
  // the source tree: it is how dist/ gets made and checked.
  if (/^scripts\/.*\.mjs$/.test(rel)) return false;
  return true;
}

/**
 * Every build input under `root`: `{ rel, kind, size, mtimeMs }`, sorted by path (code-unit order).
 * Uses only readdir and stat, so the bins can afford it on every start.
 */
export function listInputs(root) {
  const out = [];
  const walk = (rel) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch (err) {
      if (err.code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (e.isFile() && isBuildInput(child)) out.push(child);
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  const files = [...out, ...BUILD_FILES.filter((f) => fs.existsSync(path.join(root, f)))];
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return files.map((rel) => {
    const st = fs.statSync(path.join(root, rel));
    return { rel, kind: kindOf(rel), size: st.size, mtimeMs: st.mtimeMs };
  });
}

/** 'config': read by the build, not copied; 'source': transpiled; 'asset': copied as is. */
function kindOf(rel) {
  if (BUILD_FILES.includes(rel)) return 'config';
  return rel.endsWith('.ts') && !rel.endsWith('.d.ts') ? 'source' : 'asset';
}

/** The state the build writes: `{ files: { <rel>: [size, mtimeMs] } }`. */
export function stateOf(inputs) {
  return { files: Object.fromEntries(inputs.map((f) => [f.rel, [f.size, f.mtimeMs]])) };
}

/**
 * Whether dist/ under `root` was built from exactly the inputs on disk now.
 * Returns `{ fresh: true }` or `{ fresh: false, reason }`, the reason naming the first difference.
 */
export function checkBuild(root) {
  let recorded;
  try {
    recorded = JSON.parse(fs.readFileSync(path.join(root, DIST, STATE_FILE), 'utf8')).files;
  } catch (err) {
    if (err.code === 'ENOENT') return { fresh: false, reason: 'there is no build in dist/' };
    return { fresh: false, reason: `dist/${STATE_FILE} is unreadable (${err.message})` };
  }
  const now = listInputs(root);
  const seen = new Set();
  for (const f of now) {
    seen.add(f.rel);
    const was = recorded[f.rel];
    if (!was) return { fresh: false, reason: `${f.rel} is new since the last build` };
    if (was[0] !== f.size || was[1] !== f.mtimeMs) return { fresh: false, reason: `${f.rel} changed since the last build` };
  }
  for (const rel of Object.keys(recorded)) {
    if (!seen.has(rel)) return { fresh: false, reason: `${rel} was removed since the last build` };
  }
  return { fresh: true };
}
