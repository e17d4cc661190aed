/**
 * Gemfile.lock, read as Bundler's own parser reads it (bundler/lib/bundler/lockfile_parser.rb):
 * sections start at column 0; the source sections `GEM`, `GIT`, `PATH` and `PLUGIN SOURCE` have
 * options (`  remote: …`, `  revision: …`), then `  specs:` and one gem per line indented four
 * spaces, `name (version[-platform])`, its dependencies indented six (Bundler's NAME_VERSION:
 * the version is everything up to the first `-`, the rest is the platform).
 *
 * ```
 * GIT
 *   remote: https://github.com/rails/rails.git
 *   revision: 2a1b3c4d
 *   specs:
 *     rails (7.2.0.alpha)
 *
 * GEM
 *   remote: https://rubygems.org/
 *   specs:
 *     nokogiri (1.16.5-x86_64-linux)
 *       racc (~> 1.4)
 * ```
 *
 * Gems of a `GEM` section are registry releases (checked); a platform build (`nokogiri
 * 1.16.5-x86_64-linux` and `-arm64-darwin`) is the gem's version once. `GIT` and `PLUGIN SOURCE`
 * gems are not registry releases; `PATH` gems are local. Merge-conflict markers are refused, as
 * Bundler refuses them. Streamed line by line.
 */
import { atLine, inputError, quoteLine } from './errors.ts';
import { readLines } from './io.ts';
import { LockCollector } from './lockfile.ts';
import type { TextInputParser } from './parser.ts';
import type { Inventory } from './types.ts';

const SOURCES = new Set(['GEM', 'GIT', 'PATH', 'PLUGIN SOURCE']);
const OPTION = /^ {2}([a-z]+): (.*)$/i;
const NAME_VERSION = /^( {2}| {4}| {6})(?! )(.*?)(?: \(([^-]*)(?:-(.*))?\))?(!)?$/;
const CONFLICT = /<<<<<<<|=======|>>>>>>>|\|\|\|\|\|\|\|/;

/** The inventory of a Gemfile.lock `file`, streamed. */
export async function parseGemfileLock(file: string): Promise<Inventory> {
  const out = new LockCollector(file, 'gem');
  let source: { type: string; options: Map<string, string>; specs: boolean } | undefined;
  for await (const [n, raw] of readLines(file)) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (CONFLICT.test(line)) throw inputError(atLine(file, n), 'has merge-conflict markers: resolve the conflict (or regenerate the lockfile) first', undefined, { file, line: n });
    if (line.trim() === '') continue;
    if (!line.startsWith(' ')) {
      source = SOURCES.has(line) ? { type: line, options: new Map(), specs: false } : undefined;
      continue;
    }
    if (source === undefined) continue;
    if (line === '  specs:') {
      source.specs = true;
      continue;
    }
    const option = source.specs ? null : OPTION.exec(line);
    if (option !== null) {
      source.options.set(option[1] ?? '', option[2] ?? '');
      continue;
    }
    const m = NAME_VERSION.exec(line);
    if (m === null || !source.specs) throw inputError(atLine(file, n), `${quoteLine(line)} is not an option or a gem of the ${source.type} section`, undefined, { file, line: n });
    if (m[1]?.length !== 4) continue; // two spaces: a stray option; six: a dependency of the gem above
    const name = m[2] ?? '';
    const version = m[3];
    const where = atLine(file, n);
    if (version === undefined || version === '') throw inputError(where, `gem ${quoteLine(name)} has no version`, undefined, { file, line: n });
    const remote = source.options.get('remote') ?? '';
    if (source.type === 'GEM') out.add(name, version, where);
    else if (source.type === 'PATH') out.skip(where, 'local', `${name}@${version} is a local gem (path ${remote})`, { name, version });
    else {
      const revision = source.options.get('revision');
      const what = source.type === 'GIT' ? `a git gem (${remote}${revision ? `#${revision}` : ''})` : `a plugin source gem (${remote})`;
      out.skip(where, 'unchecked', `${name}@${version} is ${what}`, { name, version });
    }
  }
  return out.inventory('gemfile-lock');
}

/** Gemfile.lock: a source section (`GEM`, `GIT`, `PATH`, `PLUGIN SOURCE`) and a `  specs:` line among the first lines. */
export const gemfileLock: TextInputParser = {
  format: 'gemfile-lock',
  input: 'text',
  describe: 'Gemfile.lock',
  matches: (head) => head.some((l) => SOURCES.has(l.trimEnd())) && head.some((l) => l.trimEnd() === '  specs:'),
  parse: parseGemfileLock,
};
