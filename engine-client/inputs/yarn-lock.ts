/**
 * yarn.lock, both generations:
 *
 * - yarn 1 (`# yarn lockfile v1`, https://classic.yarnpkg.com/lang/en/docs/yarn-lock/): one entry per
 *   resolved package, headed by the descriptors that resolve to it, with `version` indented below:
 *
 *   ```
 *   "@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
 *     version "7.12.13"
 *     resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.13.tgz#dcfc…"
 *   "string-width-cjs@npm:string-width@^4.2.0":
 *     version "4.2.3"
 *   ```
 *
 *   The package is named by the descriptor (`name@range`); an alias `alias@npm:real@range` installs
 *   `real`. A range with a protocol or a path says where the code comes from instead of the registry:
 *   `file:`, `link:` and `portal:` are local, `git…:`, `github:user/repo`, `user/repo` and `https:`
 *   tarballs are third-party code that is not a registry release (not checked). Streamed line by line.
 *
 * - yarn 2+ "berry" (YAML with `__metadata:`, https://yarnpkg.com/advanced/lexicon#locator): every
 *   entry has a `resolution` locator, `name@protocol:reference`, which names the real package even
 *   behind an alias (`"string-width-cjs@npm:string-width@^4.2.0"` resolves to
 *   `string-width@npm:4.2.3`). `npm:` is a registry release; `workspace:` is the project itself (left
 *   out); `patch:` wraps the locator it patches (`typescript@patch:typescript@npm%3A5.4.5#optional!builtin<compat/typescript>::version=5.4.5&hash=5adc0c`
 *   is typescript 5.4.5); `file:`, `link:`, `portal:` are local; git, `https:` and `exec:` are not
 *   registry releases.
 */
import { atLine, inputError, quoteLine } from './errors.ts';
import { parseYaml } from './documents.ts';
import { readHead, readLines, readText, stripBom } from './io.ts';
import { LockCollector, splitAt, type SkipKind } from './lockfile.ts';
import { isObject, type TextInputParser } from './parser.ts';
import type { Inventory } from './types.ts';
import { readLockfileEntries } from './yaml-lockfile.ts';

/** Where a descriptor's or locator's code comes from. */
type Origin = { kind: 'registry'; name: string; range: string } | { kind: 'workspace' } | { kind: SkipKind; name: string; what: string };

const LOCAL = ['file:', 'link:', 'portal:'];

/** The origin of a yarn 1 descriptor (`lodash@^4.17.21`, `alias@npm:real@^1`, `x@github:u/x#v1`). */
export function descriptorOrigin(descriptor: string): Origin | undefined {
  const parts = splitAt(descriptor);
  if (parts === undefined) return undefined;
  let { name, rest: range } = parts;
  if (range.startsWith('npm:')) {
    const inner = range.slice(4);
    const real = splitAt(inner);
    if (real === undefined) return { kind: 'registry', name: inner, range: '' };
    ({ name, rest: range } = real);
  }
  if (range.startsWith('workspace:')) return { kind: 'workspace' };
  if (LOCAL.some((p) => range.startsWith(p))) return { kind: 'local', name, what: `a local dependency (${range})` };
  // A range never holds ':' or '/': those are git hosts, URLs and GitHub's `user/repo` shorthand.
  if (range.includes(':') || range.includes('/')) return { kind: 'unchecked', name, what: `not a registry release (${range})` };
  return { kind: 'registry', name, range };
}

/** The origin of a berry resolution locator (`lodash@npm:4.17.21`, `ts@patch:ts@npm%3A5.4.5#…`). */
export function locatorOrigin(locator: string): Origin | undefined {
  const parts = splitAt(locator);
  if (parts === undefined) return undefined;
  const { name, rest } = parts;
  if (rest.startsWith('npm:')) return { kind: 'registry', name, range: rest.slice(4) };
  if (rest.startsWith('workspace:')) return { kind: 'workspace' };
  if (rest.startsWith('patch:')) {
    const hash = rest.indexOf('#');
    let inner: string;
    try {
      inner = decodeURIComponent(rest.slice(6, hash < 0 ? undefined : hash));
    } catch {
      return undefined;
    }
    return locatorOrigin(inner);
  }
  // `::hash=…&locator=…` are yarn's bookkeeping, not where the code is.
  const where = rest.replace(/::.*$/, '');
  if (LOCAL.some((p) => rest.startsWith(p))) return { kind: 'local', name, what: `a local dependency (${where})` };
  return { kind: 'unchecked', name, what: `not a registry release (${where})` };
}

/** Splits a yarn 1 entry header (without its final `:`) into descriptors, unquoting quoted ones. */
function descriptors(header: string): string[] | undefined {
  const out: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|([^,"\s][^,]*?))\s*(?:,|$)/y;
  let i = 0;
  while (i < header.length) {
    re.lastIndex = i;
    const m = re.exec(header);
    if (m === null || re.lastIndex === i) return undefined;
    if (m[1] !== undefined) {
      try {
        out.push(JSON.parse(`"${m[1]}"`) as string);
      } catch {
        return undefined;
      }
    } else if (m[2] !== undefined) out.push(m[2]);
    i = re.lastIndex;
  }
  return out.length > 0 ? out : undefined;
}

/** A yarn 1 field value: `"quoted"` (JSON escapes) or bare. */
function fieldValue(raw: string): string {
  const v = raw.trim();
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) {
    try {
      return JSON.parse(v) as string;
    } catch {
      return v.slice(1, -1);
    }
  }
  return v;
}

/** Adds one yarn 1 entry (descriptors at `line`, its `version`) to the collector. */
function addV1(out: LockCollector, file: string, line: number, specs: string[], version: string | undefined): void {
  const where = atLine(file, line);
  const origin = descriptorOrigin(specs[0] ?? '');
  if (origin === undefined) throw inputError(where, `${quoteLine(specs[0] ?? '')} is not a yarn descriptor (name@range)`, undefined, { file, line });
  if (origin.kind === 'workspace') return;
  if (version === undefined || version === '') throw inputError(where, `entry ${quoteLine(specs.join(', '))} has no version`, undefined, { file, line });
  if (origin.kind === 'registry') out.add(origin.name, version, where);
  else out.skip(where, origin.kind, `${origin.name}@${version} is ${origin.what}`, { name: origin.name, version });
}

/** The inventory of a yarn 1 lockfile, streamed. */
async function parseV1(file: string): Promise<Inventory> {
  const out = new LockCollector(file, 'npm');
  let entry: { line: number; specs: string[]; version?: string } | undefined;
  for await (const [n, raw] of readLines(file)) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (!line.startsWith(' ')) {
      if (entry !== undefined) addV1(out, file, entry.line, entry.specs, entry.version);
      const specs = line.endsWith(':') ? descriptors(line.slice(0, -1)) : undefined;
      if (specs === undefined) throw inputError(atLine(file, n), `${quoteLine(line)} is not a yarn.lock entry header ("name@range, …:")`, undefined, { file, line: n });
      entry = { line: n, specs };
      continue;
    }
    if (entry === undefined) throw inputError(atLine(file, n), `${quoteLine(line)} is indented, but no entry header comes before it`, undefined, { file, line: n });
    const m = /^ {2}(?! )"?version"?:?\s+(.*)$/.exec(line);
    if (m?.[1] !== undefined) entry.version = fieldValue(m[1]);
  }
  if (entry !== undefined) addV1(out, file, entry.line, entry.specs, entry.version);
  return out.inventory('yarn-lock');
}

/** The inventory of a yarn berry lockfile (YAML). */
async function parseBerry(file: string, text: string): Promise<Inventory> {
  const entries = readLockfileEntries(text, null, ['resolution', 'version']) ?? (await parseYaml(file, text, 'a yarn berry lockfile')).entries([]);
  const out = new LockCollector(file, 'npm');
  for (const { key, value, line } of entries) {
    if (key === '__metadata') continue;
    const where = atLine(file, line);
    const resolution = isObject(value) ? value['resolution'] : undefined;
    const version = isObject(value) && typeof value['version'] === 'string' ? value['version'] : undefined;
    if (typeof resolution !== 'string' || resolution === '') {
      throw inputError(where, `entry ${quoteLine(key)} has no resolution`, undefined, { file, line });
    }
    const origin = locatorOrigin(resolution);
    if (origin === undefined) throw inputError(where, `resolution ${quoteLine(resolution)} is not a yarn locator (name@protocol:reference)`, undefined, { file, line });
    if (origin.kind === 'workspace') continue;
    if (origin.kind === 'registry') {
      if (origin.range === '') throw inputError(where, `resolution ${quoteLine(resolution)} names no version`, undefined, { file, line });
      out.add(origin.name, origin.range, where);
    } else out.skip(where, origin.kind, `${origin.name}${version ? `@${version}` : ''} is ${origin.what}`, { name: origin.name, version });
  }
  return out.inventory('yarn-lock');
}

const isBerry = (lines: readonly string[]): boolean => lines.some((l) => /^"?__metadata"?:\s*$/.test(l));

/** The inventory of a yarn.lock `file` of either generation. */
export async function parseYarnLock(file: string): Promise<Inventory> {
  const { bytes } = await readHead(file);
  const head = stripBom(bytes.toString('utf8')).split(/\r?\n/);
  if (isBerry(head)) return parseBerry(file, await readText(file, undefined, 'YAML'));
  return parseV1(file);
}

/** yarn.lock: `# yarn lockfile v1`, or berry's `__metadata:` among the first lines. */
export const yarnLock: TextInputParser = {
  format: 'yarn-lock',
  input: 'text',
  describe: 'yarn.lock (yarn 1 and yarn 2+)',
  matches: (head) => head.some((l) => /^# yarn lockfile v1\s*$/.test(l)) || isBerry(head),
  parse: parseYarnLock,
};
