/**
 * NuGet packages.lock.json (https://learn.microsoft.com/en-us/nuget/consume-packages/package-references-in-project-files#locking-dependencies),
 * JSON, `version` 1 or 2: `dependencies` maps each target framework (`net8.0`, and runtime-specific
 * `net8.0/linux-x64`) to the packages restored for it:
 *
 * ```json
 * {"version": 1, "dependencies": {"net8.0": {
 *   "Newtonsoft.Json": {"type": "Direct", "requested": "[13.0.1, )", "resolved": "13.0.1", "contentHash": "ppPF…"},
 *   "System.Text.Json": {"type": "Transitive", "resolved": "8.0.0", "contentHash": "…"},
 *   "MyCompany.Core": {"type": "Project", "dependencies": {…}}}}}
 * ```
 *
 * `Direct`, `Transitive` and `CentralTransitive` entries are packages at their `resolved` version;
 * `Project` entries are the solution's own projects (left out). A package restored for several
 * frameworks is one package per version (ids compared case-insensitively, as NuGet does). Places
 * are JSON paths (`packages.lock.json#/dependencies/net8.0/Newtonsoft.Json`).
 */
import { z } from 'zod';
import { atJson, inputError, validate } from './errors.ts';
import { LockCollector } from './lockfile.ts';
import { isObject, type JsonInputParser } from './parser.ts';
import type { Inventory } from './types.ts';

const Entry = z.looseObject({ type: z.string().optional(), resolved: z.string().optional() });

const Lock = z.looseObject({
  version: z.number().int(),
  dependencies: z.record(z.string(), z.record(z.string(), Entry)),
});

/** The inventory of a parsed packages.lock.json read from `file`. */
export function nugetLockFromJson(doc: unknown, file: string): Inventory {
  const lock = validate(Lock, doc, file, [], 'not a NuGet packages.lock.json');
  if (lock.version !== 1 && lock.version !== 2) {
    throw inputError(atJson(file, ['version']), `packages.lock.json version ${lock.version} is not supported (1 and 2 are)`, undefined, { file });
  }
  const out = new LockCollector(file, 'nuget');
  for (const [framework, packages] of Object.entries(lock.dependencies)) {
    for (const [name, e] of Object.entries(packages)) {
      if (e.type === 'Project') continue;
      if (e.resolved === undefined || e.resolved === '') {
        throw inputError(atJson(file, ['dependencies', framework, name]), `${e.type ?? 'package'} entry has no resolved version`, undefined, { file });
      }
      out.add(name, e.resolved, atJson(file, ['dependencies', framework, name]));
    }
  }
  return out.inventory('nuget-lock');
}

/** packages.lock.json: a numeric `version` and `dependencies` whose values are all objects (frameworks). */
export const nugetLock: JsonInputParser = {
  format: 'nuget-lock',
  input: 'json',
  describe: 'NuGet packages.lock.json',
  matches: (doc) =>
    typeof doc['version'] === 'number' && isObject(doc['dependencies']) && !('lockfileVersion' in doc) && Object.values(doc['dependencies']).every(isObject),
  fromJson: nugetLockFromJson,
};
