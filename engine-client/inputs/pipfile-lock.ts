/**
 * Pipfile.lock (https://pipenv.pypa.io/en/latest/pipfile.html), JSON: `_meta` (with `pipfile-spec`),
 * then `default` and `develop`, each mapping a package name to how it is installed:
 *
 * ```json
 * "default": {
 *   "requests": {"hashes": ["sha256:…"], "index": "pypi", "markers": "python_version >= '3.7'", "version": "==2.31.0"},
 *   "internal": {"git": "https://github.com/example/internal.git", "ref": "3f1c0a…"},
 *   "mylib": {"editable": true, "path": "./mylib"}
 * }
 * ```
 *
 * A `version` is always `==<version>` (pipenv pins everything it locks). An entry with `git` (or
 * another VCS key) or a `file` URL is third-party code that is not a registry release; a `path`
 * is local. Places are JSON paths (`Pipfile.lock#/default/requests`).
 */
import { z } from 'zod';
import { atJson, inputError, validate } from './errors.ts';
import { LockCollector } from './lockfile.ts';
import { isObject, type JsonInputParser } from './parser.ts';
import type { Inventory } from './types.ts';

const Entry = z.looseObject({
  version: z.string().optional(),
  path: z.string().optional(),
  file: z.string().optional(),
  git: z.string().optional(),
  hg: z.string().optional(),
  svn: z.string().optional(),
  bzr: z.string().optional(),
  ref: z.string().optional(),
});

const Lock = z.looseObject({
  _meta: z.looseObject({}),
  default: z.record(z.string(), Entry).default({}),
  develop: z.record(z.string(), Entry).default({}),
});

/** The inventory of a parsed Pipfile.lock read from `file`. */
export function pipfileLockFromJson(doc: unknown, file: string): Inventory {
  const lock = validate(Lock, doc, file, [], 'not a Pipfile.lock');
  const out = new LockCollector(file, 'pypi');
  for (const section of ['default', 'develop'] as const) {
    for (const [name, e] of Object.entries(lock[section])) {
      const where = atJson(file, [section, name]);
      const vcs = e.git ?? e.hg ?? e.svn ?? e.bzr;
      if (vcs !== undefined) {
        out.skip(where, 'unchecked', `${name} is not a registry release (${vcs}${e.ref ? `#${e.ref}` : ''})`, { name });
      } else if (e.path !== undefined) {
        out.skip(where, 'local', `${name} is a local project (${e.path})`, { name });
      } else if (e.file !== undefined) {
        const local = e.file.startsWith('file:') || !e.file.includes('://');
        out.skip(where, local ? 'local' : 'unchecked', `${name} is ${local ? 'a local file' : 'not a registry release'} (${e.file})`, { name });
      } else if (e.version === undefined) {
        throw inputError(atJson(file, [section, name]), 'has no version, git, path or file', undefined, { file });
      } else if (!e.version.startsWith('==') || e.version.slice(2).trim() === '') {
        throw inputError(atJson(file, [section, name, 'version']), `${JSON.stringify(e.version)} is not a pin (==version)`, undefined, { file });
      } else {
        out.add(name, e.version.slice(e.version.startsWith('===') ? 3 : 2).trim(), where);
      }
    }
  }
  return out.inventory('pipfile-lock');
}

/** Pipfile.lock: top-level `_meta` (an object) beside `default` or `develop`. */
export const pipfileLock: JsonInputParser = {
  format: 'pipfile-lock',
  input: 'json',
  describe: 'Pipfile.lock',
  matches: (doc) => isObject(doc['_meta']) && ('default' in doc || 'develop' in doc),
  fromJson: pipfileLockFromJson,
};
