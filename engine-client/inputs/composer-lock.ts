/**
 * composer.lock (https://getcomposer.org/doc/01-basic-usage.md#commit-your-composer-lock-file-to-version-control),
 * JSON: `packages` and `packages-dev`, each an array of installed packages:
 *
 * ```json
 * {"name": "symfony/http-kernel", "version": "v6.4.8",
 *  "source": {"type": "git", "url": "https://github.com/symfony/http-kernel.git", "reference": "6c5194…"},
 *  "dist": {"type": "zip", "url": "https://api.github.com/repos/symfony/http-kernel/zipball/6c5194…"}}
 * ```
 *
 * A release has a tag version (`v6.4.8`, `2.0.3`). A branch (`dev-main`, `2.x-dev`: Composer's
 * `dev-` prefix and `-dev` suffix, https://getcomposer.org/doc/articles/versions.md#branches) is
 * not a release and is reported as not checked; a `path` repository (`dist.type: "path"`) is local.
 * Versions are compared with the names table's scheme for Packagist (semver, which accepts the `v`
 * prefix); a version it rejects is reported by the matcher. Places are JSON paths
 * (`composer.lock#/packages/3`).
 */
import { z } from 'zod';
import { atJson, validate } from './errors.ts';
import { LockCollector } from './lockfile.ts';
import type { JsonInputParser } from './parser.ts';
import type { Inventory } from './types.ts';

const Package = z.looseObject({
  name: z.string().min(1),
  version: z.string().min(1),
  source: z.looseObject({ type: z.string().optional(), url: z.string().optional(), reference: z.string().nullable().optional() }).nullable().optional(),
  dist: z.looseObject({ type: z.string().optional(), url: z.string().optional() }).nullable().optional(),
});

const Lock = z.looseObject({
  packages: z.array(Package),
  'packages-dev': z.array(Package).nullable().optional(),
});

/** True for a Composer branch version: `dev-main`, `2.x-dev`, `1.0.x-dev`. */
export function isComposerBranch(version: string): boolean {
  return version.startsWith('dev-') || version.endsWith('-dev');
}

/** The inventory of a parsed composer.lock read from `file`. */
export function composerLockFromJson(doc: unknown, file: string): Inventory {
  const lock = validate(Lock, doc, file, [], 'not a composer.lock');
  const out = new LockCollector(file, 'composer');
  for (const section of ['packages', 'packages-dev'] as const) {
    (lock[section] ?? []).forEach((p, i) => {
      const where = atJson(file, [section, i]);
      const pkg = { name: p.name, version: p.version };
      if (p.dist?.type === 'path') out.skip(where, 'local', `${p.name}@${p.version} is a local path repository (${p.dist.url ?? ''})`, pkg);
      else if (isComposerBranch(p.version)) {
        const ref = p.source?.reference ? ` at ${p.source.reference}` : '';
        out.skip(where, 'unchecked', `${p.name}@${p.version} is a development branch${ref}, not a release`, pkg);
      } else out.add(p.name, p.version, where);
    });
  }
  return out.inventory('composer-lock');
}

/** composer.lock: a `packages` array beside `content-hash` or `_readme`. */
export const composerLock: JsonInputParser = {
  format: 'composer-lock',
  input: 'json',
  describe: 'composer.lock',
  matches: (doc) => Array.isArray(doc['packages']) && ('content-hash' in doc || '_readme' in doc),
  fromJson: composerLockFromJson,
};
