/**
 * go.mod (https://go.dev/ref/mod#go-mod-file): since Go 1.17 the `require` directives list every
 * module that provides a package to the build (https://go.dev/ref/mod#graph-pruning), at the
 * version minimal version selection picked, so go.mod is the module's lockfile:
 *
 * ```
 * module example.com/shop
 *
 * go 1.22
 *
 * require (
 * 	github.com/gorilla/mux v1.8.1
 * 	golang.org/x/net v0.0.0-20220225172249-27dd8689420f // indirect
 * 	github.com/docker/docker v24.0.7+incompatible
 * )
 *
 * replace github.com/gorilla/mux => github.com/example/mux v1.8.2-fork.1
 * replace golang.org/x/net v0.0.0-20220225172249-27dd8689420f => ../net
 * ```
 *
 * A `replace` directive swaps the code that is built (https://go.dev/ref/mod#go-mod-file-replace):
 * `old [version] => new version` builds module `new` at that version, so that is what is checked;
 * `old [version] => ../dir` (no version on the right) builds a local directory, which is local code.
 * A replacement with a version on the left applies to that version only, one without to every
 * version. Pseudo-versions and `+incompatible` are ordinary Go versions for the matcher. The
 * lexical rules are x/mod/modfile's: `//` comments, quoted ("…") and raw (`…`) strings,
 * `verb (` … `)` blocks. Unknown directives are passed over, as newer Go versions add some.
 * The `go` and `toolchain` lines say which Go compiles the module, not which standard library a
 * built binary carries, so the standard library is not checked from go.mod.
 */
import { atLine, inputError, quoteLine } from './errors.ts';
import { readLines } from './io.ts';
import { LockCollector } from './lockfile.ts';
import type { TextInputParser } from './parser.ts';
import type { Inventory } from './types.ts';

interface Directive {
  verb: string;
  args: string[];
  line: number;
}

const TOKEN = /\s*(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`|(=>)|([()])|((?:[^\s"`()=/]|=(?!>)|\/(?!\/))+)|(\/\/.*))/y;

/** The tokens of one go.mod line (comments dropped); a string with the problem when it cannot be read. */
export function goModTokens(line: string): string[] | string {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let i = 0;
  while (i < line.length) {
    if (line.slice(i).trim() === '') break;
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(line);
    if (m === null) return `cannot read ${quoteLine(line.slice(i))}`;
    i = TOKEN.lastIndex;
    if (m[6] !== undefined) break;
    if (m[1] !== undefined) {
      try {
        out.push(JSON.parse(`"${m[1]}"`) as string);
      } catch {
        return `bad quoted string "${m[1]}"`;
      }
    } else out.push(m[2] ?? m[3] ?? m[4] ?? m[5] ?? '');
  }
  return out;
}

/** The directives of a go.mod file, streamed; blocks are expanded to one directive per line. */
async function directives(file: string): Promise<Directive[]> {
  const out: Directive[] = [];
  let block: { verb: string; line: number } | undefined;
  for await (const [n, line] of readLines(file)) {
    const tokens = goModTokens(line);
    if (typeof tokens === 'string') throw inputError(atLine(file, n), tokens, undefined, { file, line: n });
    if (tokens.length === 0) continue;
    if (block !== undefined) {
      if (tokens.length === 1 && tokens[0] === ')') block = undefined;
      else out.push({ verb: block.verb, args: tokens, line: n });
      continue;
    }
    const [verb = '', ...args] = tokens;
    if (args.length === 1 && args[0] === '(') block = { verb, line: n };
    else if (verb === '(' || verb === ')') throw inputError(atLine(file, n), `unexpected ${quoteLine(verb)}`, undefined, { file, line: n });
    else out.push({ verb, args, line: n });
  }
  if (block !== undefined) throw inputError(atLine(file, block.line), `the ${block.verb} block opened here is not closed with ")"`, undefined, { file, line: block.line });
  return out;
}

interface Replacement {
  path: string;
  version?: string | undefined;
}

/** The inventory of a go.mod `file`: its requirements, with replacements applied. */
export async function parseGoMod(file: string): Promise<Inventory> {
  const requires: Directive[] = [];
  const replaces = new Map<string, Replacement>();
  let module = false;
  for (const d of await directives(file)) {
    const where = atLine(file, d.line);
    const details = { file, line: d.line };
    if (d.verb === 'module') module = true;
    else if (d.verb === 'require') {
      if (d.args.length !== 2) throw inputError(where, `require needs a module path and a version, not ${quoteLine(d.args.join(' '))}`, undefined, details);
      requires.push(d);
    } else if (d.verb === 'replace') {
      const arrow = d.args.indexOf('=>');
      const left = d.args.slice(0, arrow);
      const right = d.args.slice(arrow + 1);
      if (arrow < 0 || left.length < 1 || left.length > 2 || right.length < 1 || right.length > 2) {
        throw inputError(where, `replace needs "module [version] => module version" or "module [version] => directory", not ${quoteLine(d.args.join(' '))}`, undefined, details);
      }
      replaces.set(left.length === 2 ? `${left[0]}@${left[1]}` : (left[0] ?? ''), { path: right[0] ?? '', version: right[1] });
    }
  }
  if (!module) throw inputError(file, 'has no module directive: not a go.mod file', undefined, { file });
  const out = new LockCollector(file, 'go');
  for (const r of requires) {
    const [path = '', version = ''] = r.args;
    const where = atLine(file, r.line);
    const to = replaces.get(`${path}@${version}`) ?? replaces.get(path);
    if (to === undefined) out.add(path, version, where);
    else if (to.version === undefined) out.skip(where, 'local', `${path}@${version} is replaced by the local directory ${to.path}`, { name: path, version });
    else out.add(to.path, to.version, where);
  }
  return out.inventory('go-mod');
}

/** go.mod: a `module` directive among the first lines. */
export const goMod: TextInputParser = {
  format: 'go-mod',
  input: 'text',
  describe: 'go.mod',
  matches: (head) => head.some((l) => /^module\s+\S/.test(l)) && !head.some((l) => /^\s*(\[|\{|[A-Za-z-]+:\s)/.test(l)),
  parse: parseGoMod,
};
