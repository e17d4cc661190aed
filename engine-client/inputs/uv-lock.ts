/**
 * uv.lock (https://docs.astral.sh/uv/concepts/projects/layout/#the-lockfile), TOML, `version = 1`:
 * one `[[package]]` per distribution, with `name`, `version` and a `source` inline table that says
 * where it comes from:
 *
 * ```toml
 * [[package]]
 * name = "idna"
 * version = "3.7"
 * source = { registry = "https://pypi.org/simple" }
 *
 * [[package]]
 * name = "my-app"
 * version = "0.1.0"
 * source = { editable = "." }
 * ```
 *
 * `registry` is a registry release (checked); `editable` and `virtual` are the project and its
 * workspace members (left out, as the project itself); `path` and `directory` are local; `git`
 * and `url` are third-party code that is not a registry release. A workspace member with a dynamic
 * version has no `version`.
 */
import { z } from 'zod';
import { arrayTableEntries, parseTomlText } from './documents.ts';
import { inputError } from './errors.ts';
import { readText } from './io.ts';
import { LockCollector } from './lockfile.ts';
import type { TextInputParser } from './parser.ts';
import type { Inventory } from './types.ts';

const Source = z.looseObject({
  registry: z.string().optional(),
  editable: z.string().optional(),
  virtual: z.string().optional(),
  path: z.string().optional(),
  directory: z.string().optional(),
  git: z.string().optional(),
  url: z.string().optional(),
});

const Package = z.looseObject({ name: z.string().min(1), version: z.string().min(1).optional(), source: Source.optional() });

const Lock = z.looseObject({ version: z.number().int(), package: z.array(z.unknown()).default([]) });

/** The inventory of a uv.lock `file`. */
export async function parseUvLock(file: string): Promise<Inventory> {
  const text = await readText(file, undefined, 'TOML');
  const lock = Lock.safeParse(await parseTomlText(file, text, 'a uv.lock'));
  if (!lock.success) throw inputError(file, `not a uv.lock: ${lock.error.issues[0]?.path.join('.') ?? ''}: ${lock.error.issues[0]?.message ?? ''}`, lock.error, { file });
  if (lock.data.version !== 1) throw inputError(file, `uv.lock version ${lock.data.version} is not supported (1 is)`, undefined, { file });
  const out = new LockCollector(file, 'pypi');
  for (const { where, entry } of arrayTableEntries(file, text, 'package', lock.data.package, Package)) {
    const { name, version, source = {} } = entry;
    if (source.editable !== undefined || source.virtual !== undefined) continue;
    const pkg = { name, version };
    if (source.registry !== undefined) {
      if (version === undefined) throw inputError(where, `[[package]] ${name} from ${source.registry} has no version`, undefined, { file });
      out.add(name, version, where);
    } else if (source.path !== undefined || source.directory !== undefined) {
      out.skip(where, 'local', `${name}${version ? `@${version}` : ''} is a local dependency (${source.path ?? source.directory ?? ''})`, pkg);
    } else {
      const what = source.git !== undefined ? `git ${source.git}` : source.url !== undefined ? `url ${source.url}` : 'no source';
      out.skip(where, 'unchecked', `${name}${version ? `@${version}` : ''} is not a registry release (${what})`, pkg);
    }
  }
  return out.inventory('uv-lock');
}

/** uv.lock: a first `version = <n>` line and a top-level `requires-python` among the first lines. */
export const uvLock: TextInputParser = {
  format: 'uv-lock',
  input: 'text',
  describe: 'uv.lock',
  matches: (head) => {
    const first = head.find((l) => !l.startsWith('#'));
    return first !== undefined && /^version\s*=\s*\d+\s*$/.test(first) && head.some((l) => /^requires-python\s*=/.test(l));
  },
  parse: parseUvLock,
};
