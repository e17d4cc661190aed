/**
 * npm's package-lock.json, lockfileVersion 2 and 3 (https://docs.npmjs.com/cli/configuring-npm/package-lock-json).
 * Both have the `packages` map, keyed by install folder: `node_modules/a/node_modules/@s/b` is
 * package `@s/b` (the part after the last `node_modules/`), unless the entry's `name` says otherwise
 * (an alias, `"x": "npm:y@1"`). Skipped: the root `""` (the project itself), `link: true` entries
 * (symlinks; their target folder has its own entry), folders outside node_modules (workspace
 * packages: the project's own code, whose dependencies are listed under node_modules), and entries
 * without a version. An entry whose `resolved` is a git URL (`git+ssh://git@github.com/u/x.git#<sha>`)
 * is third-party code that is not a registry release, and one resolved from a local `file:` tarball
 * is local code: both are reported as skipped, not matched by the version their package.json
 * happens to carry. lockfileVersion 1 (npm 6 and older, `dependencies` only) is refused with a
 * clear error rather than read half-right.
 */
import { z } from 'zod';
import { atJson, inputError, validate } from './errors.ts';
import type { JsonInputParser } from './parser.ts';
import type { InstalledPackage, Inventory, SkippedEntry } from './types.ts';

const Entry = z.looseObject({
  name: z.string().optional(),
  version: z.string().optional(),
  resolved: z.string().optional(),
  link: z.boolean().optional(),
});

const GIT = /^(git\+|git:|git@|github:|gitlab:|bitbucket:)/;

const Lockfile = z.looseObject({
  lockfileVersion: z.number().int(),
  packages: z.record(z.string(), Entry).optional(),
});

const NODE_MODULES = 'node_modules/';

/** The inventory of a parsed package-lock.json read from `file`. */
export function npmLockFromJson(doc: unknown, file: string): Inventory {
  const lock = validate(Lockfile, doc, file, [], 'not an npm package-lock.json');
  if (lock.lockfileVersion === 1) {
    throw inputError(file, 'lockfileVersion 1 is not supported: regenerate it with npm 7 or newer', undefined, { file });
  }
  if (lock.lockfileVersion !== 2 && lock.lockfileVersion !== 3) {
    throw inputError(atJson(file, ['lockfileVersion']), `lockfileVersion ${lock.lockfileVersion} is not supported (2 and 3 are)`, undefined, { file });
  }
  if (lock.packages === undefined) {
    throw inputError(atJson(file, ['packages']), `lockfileVersion ${lock.lockfileVersion} must have a "packages" map`, undefined, { file });
  }
  const packages: InstalledPackage[] = [];
  const skipped: SkippedEntry[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    const at = key.lastIndexOf(NODE_MODULES);
    if (key === '' || entry.link === true || at < 0 || entry.version === undefined || entry.version === '') continue;
    const name = entry.name ?? key.slice(at + NODE_MODULES.length);
    const location = atJson(file, ['packages', key]);
    if (name === '') throw inputError(location, 'has no package name after node_modules/', undefined, { file });
    const resolved = entry.resolved ?? '';
    if (GIT.test(resolved)) skipped.push({ location, reason: `${name}@${entry.version} is a git dependency (${resolved})`, package: name, version: entry.version });
    else if (resolved.startsWith('file:')) skipped.push({ location, reason: `${name}@${entry.version} is a local tarball (${resolved})`, package: name, version: entry.version, local: true });
    else packages.push({ name, version: entry.version, kind: 'npm', location });
  }
  return { file, format: 'npm-lock', packages, ...(skipped.length > 0 ? { skipped } : {}) };
}

/** The npm lockfile format: top-level `lockfileVersion`. */
export const npmLock: JsonInputParser = {
  format: 'npm-lock',
  input: 'json',
  describe: 'npm package-lock.json (lockfileVersion 2, 3)',
  matches: (doc) => 'lockfileVersion' in doc,
  fromJson: npmLockFromJson,
};
