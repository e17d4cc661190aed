/**
 * pnpm-lock.yaml (https://github.com/pnpm/spec/tree/master/lockfile), lockfile versions 5.x (pnpm
 * 3–7), 6.x (pnpm 8) and 9.x (pnpm 9, 10). Every package installed is a key of `packages`; its
 * spelling changed between versions:
 *
 * | version | registry package                      | with peer dependencies                     |
 * |---------|---------------------------------------|--------------------------------------------|
 * | 5.x     | `/@babel/core/7.24.7`                 | `/react-dom/18.2.0_react@18.2.0`           |
 * | 6.x     | `/@babel/core@7.24.7`                 | `/react-dom@18.2.0(react@18.2.0)`          |
 * | 9.x     | `'@babel/core@7.24.7'`                | (peer variants are under `snapshots`)      |
 *
 * An npm alias (`"string-width-cjs": "npm:string-width@^4.2.0"`) is keyed by the real package
 * (`string-width@4.2.3`); the alias lives only in `importers`. Workspace packages and `link:`
 * dependencies are `importers`, not `packages`, so they are never listed. A key whose version part is
 * not a version names where the code came from instead (`github.com/user/repo/<sha>` before 9,
 * `name@https://codeload.github.com/…`, `name@file:../lib`, `name@git+https://…`), and its
 * `resolution` says how (`{tarball}`, `{type: git, repo, commit}`, `{type: directory}`): a
 * directory or `file:` source is local, the others are third-party code that is not a registry
 * release. The same package and version keyed with different peers is one package.
 */
import { COMPARATORS } from '../../drivers/_framework/versions/index.ts';
import { atLine, inputError } from './errors.ts';
import { parseYaml, type YamlEntry } from './documents.ts';
import { readText } from './io.ts';
import { LockCollector, splitAt } from './lockfile.ts';
import { isObject, type TextInputParser } from './parser.ts';
import type { Inventory } from './types.ts';
import { readLockfileEntries, yamlScalar } from './yaml-lockfile.ts';

/** The package name and version part of a `packages` key, for lockfile major version `major`. */
export function pnpmKey(key: string, major: number): { name: string; version: string } | undefined {
  if (major < 9 && !key.startsWith('/')) return undefined;
  const body = key.startsWith('/') ? key.slice(1) : key;
  if (major === 5) {
    const segments = body.split('/');
    const nameParts = body.startsWith('@') ? 2 : 1;
    if (segments.length <= nameParts) return undefined;
    const name = segments.slice(0, nameParts).join('/');
    const rest = segments.slice(nameParts).join('/');
    return { name, version: rest.replace(/[_(].*$/, '') };
  }
  const parts = splitAt(body);
  if (parts === undefined) return undefined;
  const paren = parts.rest.indexOf('(');
  return { name: parts.name, version: paren < 0 ? parts.rest : parts.rest.slice(0, paren) };
}

/** The inventory of a pnpm-lock.yaml `file`. */
export async function parsePnpmLock(file: string): Promise<Inventory> {
  const text = await readText(file, undefined, 'YAML');
  let { version, versionLine, packages } = fastRead(text);
  if (packages === undefined) {
    const doc = await parseYaml(file, text, 'a pnpm lockfile');
    version = doc.get(['lockfileVersion']);
    versionLine = doc.entries([]).find((e) => e.key === 'lockfileVersion')?.line ?? 1;
    packages = doc.entries(['packages']);
  }
  const major = typeof version === 'string' ? Number.parseInt(version, 10) : NaN;
  if (!(major >= 5 && major <= 9)) {
    const line = versionLine;
    throw inputError(atLine(file, line), `lockfileVersion ${JSON.stringify(version ?? null)} is not supported (5.x, 6.x and 9.x are)`, undefined, { file, line });
  }
  const out = new LockCollector(file, 'npm');
  for (const { key, value, line } of packages) {
    const where = atLine(file, line);
    const entry = isObject(value) ? value : {};
    const resolution = isObject(entry['resolution']) ? entry['resolution'] : {};
    const parsed = pnpmKey(key, major);
    const named = typeof entry['name'] === 'string' ? entry['name'] : parsed?.name;
    const versioned = typeof entry['version'] === 'string' ? entry['version'] : undefined;
    const type = resolution['type'];
    const tarball = typeof resolution['tarball'] === 'string' ? resolution['tarball'] : '';
    if (parsed !== undefined && COMPARATORS.semver.valid(parsed.version) && type === undefined && !tarball.startsWith('file:')) {
      out.add(parsed.name, parsed.version, where);
      continue;
    }
    if (named === undefined || named === '') throw inputError(where, `package ${JSON.stringify(key)} has no name (neither in its key nor a name field)`, undefined, { file, line });
    const from = parsed?.version ?? key;
    const local = type === 'directory' || tarball.startsWith('file:') || from.startsWith('file:') || from.startsWith('link:');
    const repo = typeof resolution['repo'] === 'string' ? resolution['repo'] : from;
    const commit = typeof resolution['commit'] === 'string' ? `#${resolution['commit']}` : '';
    const what = type === 'git' ? `a git dependency (${repo}${commit})` : local ? `a local dependency (${from})` : `not a registry release (${from})`;
    out.skip(where, local ? 'local' : 'unchecked', `${named}${versioned ? `@${versioned}` : ''} is ${what}`, { name: named, version: versioned });
  }
  return out.inventory('pnpm-lock');
}

/** The lockfile version (its first key) and the packages read the fast way (yaml-lockfile.ts); packages undefined when that cannot be done. */
function fastRead(text: string): { version: unknown; versionLine: number; packages: YamlEntry[] | undefined } {
  const head = text.slice(0, 4096).split('\n');
  const i = head.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  const m = /^lockfileVersion: (.*?)\r?$/.exec(head[i] ?? '');
  const version = m?.[1] === undefined ? undefined : yamlScalar(m[1]);
  if (version === undefined) return { version, versionLine: 1, packages: undefined };
  return { version, versionLine: i + 1, packages: readLockfileEntries(text, 'packages', ['resolution', 'name', 'version']) };
}

/** pnpm-lock.yaml: its first key is `lockfileVersion`. */
export const pnpmLock: TextInputParser = {
  format: 'pnpm-lock',
  input: 'text',
  describe: 'pnpm-lock.yaml (lockfile 5.x, 6.x, 9.x)',
  matches: (head) => head.find((l) => !l.startsWith('#')) !== undefined && /^lockfileVersion:\s*['"]?\d/.test(head.find((l) => !l.startsWith('#')) ?? ''),
  parse: parsePnpmLock,
};
