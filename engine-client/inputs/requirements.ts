/**
 * pip requirements files (https://pip.pypa.io/en/stable/reference/requirements-file-format/), as
 * `pip freeze`, pip-compile and `uv pip compile` write them. One requirement per logical line (a
 * trailing `\` continues it; `#` after white space starts a comment), in PEP 508 form
 * (https://peps.python.org/pep-0508/): `name[extras] specifiers ; marker`, with per-requirement
 * options such as `--hash=sha256:…` after it.
 *
 * Only a pinned requirement says which version gets installed: `Django==4.2.11`, `uvicorn[standard]==0.29.0 ; python_version >= "3.8"`,
 * `pkg===1.0-custom` (arbitrary equality). Everything else is reported as not checked, with the
 * reason: an open range (`requests>=2.31`), a prefix match (`==2.*`), a bare name, a direct URL
 * (`pkg @ https://…`, `git+https://…#egg=pkg`, an editable VCS checkout), and `-r other.txt`
 * (its packages are in that file: scan it too). Local paths (`./lib`, `-e .`, `file:…`) are the
 * project's own code. A requirement with an environment marker is checked as pinned: the file
 * cannot say which environment it is installed in. Names are matched PEP 503-normalized.
 * Streamed line by line.
 */
import { atLine, inputError, quoteLine } from './errors.ts';
import { readLines } from './io.ts';
import { LockCollector } from './lockfile.ts';
import type { TextInputParser } from './parser.ts';
import type { Inventory } from './types.ts';

/** What one logical line of a requirements file is. */
export type RequirementLine =
  | { kind: 'pinned'; name: string; version: string }
  | { kind: 'unpinned'; name: string; spec: string }
  | { kind: 'url'; name?: string; url: string; local: boolean }
  | { kind: 'include'; file: string }
  | { kind: 'option' };

const NAME = '[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?';
const REQUIREMENT = new RegExp(`^(${NAME})\\s*(?:\\[([^\\]]*)\\])?\\s*(.*)$`);
const CLAUSE = /^\s*(===|==|!=|<=|>=|~=|<|>)\s*([^\s,;()]+)\s*$/;
/** Per-requirement options pip allows after a requirement (https://pip.pypa.io/en/stable/reference/requirements-file-format/#per-requirement-options). */
const PER_REQUIREMENT = /\s+(?:--hash|--global-option|--install-option|--config-settings|-C)(?:=|\s+)\S+/g;
const URL_LIKE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git\+|hg\+|svn\+|bzr\+|file:)/i;

/** The part of a line before its comment (`#` at the start or after white space). */
function uncomment(line: string): string {
  const m = /(^|\s)#/.exec(line);
  return (m ? line.slice(0, m.index) : line).trim();
}

/** True for a local path or `file:` URL (the project's own code). */
function isLocal(target: string): boolean {
  return target.startsWith('file:') || target.startsWith('.') || target.startsWith('/') || target.startsWith('~') || !URL_LIKE.test(target);
}

/** The `#egg=name` of a URL, when it has one. */
function eggName(url: string): string | undefined {
  return /[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(url)?.[1];
}

/** Reads one logical line (comment removed, not blank); undefined when it is not a requirements line. */
export function classifyRequirement(text: string): RequirementLine | undefined {
  if (text.startsWith('-')) {
    const m = /^(-[a-zA-Z]|--[a-z][a-z-]*)(?:\s*=\s*|\s+)?(.*)$/.exec(text);
    if (m === null) return undefined;
    const [, option = '', value = ''] = m;
    if (option === '-r' || option === '--requirement') return value === '' ? undefined : { kind: 'include', file: value };
    if (option === '-e' || option === '--editable') {
      if (value === '') return undefined;
      const name = eggName(value);
      return { kind: 'url', url: value, local: isLocal(value), ...(name ? { name } : {}) };
    }
    return { kind: 'option' };
  }
  if (URL_LIKE.test(text) || text.startsWith('.') || text.startsWith('/')) {
    const name = eggName(text);
    return { kind: 'url', url: text, local: isLocal(text), ...(name ? { name } : {}) };
  }
  const m = REQUIREMENT.exec(text.replace(PER_REQUIREMENT, ''));
  if (m === null) return undefined;
  const name = m[1] ?? '';
  const semi = (m[3] ?? '').indexOf(';');
  let spec = (semi < 0 ? (m[3] ?? '') : (m[3] ?? '').slice(0, semi)).trim();
  if (spec.startsWith('@')) {
    const url = spec.slice(1).trim();
    return url === '' ? undefined : { kind: 'url', name, url, local: isLocal(url) };
  }
  if (spec.startsWith('(') && spec.endsWith(')')) spec = spec.slice(1, -1).trim();
  if (spec === '') return { kind: 'unpinned', name, spec };
  let pinned: string | undefined;
  for (const clause of spec.split(',')) {
    const c = CLAUSE.exec(clause);
    if (c === null) return undefined;
    const [, op, version = ''] = c;
    if ((op === '==' && !version.includes('*')) || op === '===') pinned = version;
  }
  return pinned === undefined ? { kind: 'unpinned', name, spec } : { kind: 'pinned', name, version: pinned };
}

/** The logical lines of some physical lines (`\` continues a line), with the number of the first. */
function* logicalLines(lines: Iterable<[number, string]>): Generator<[number, string]> {
  let start = 0;
  let acc = '';
  for (const [n, raw] of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (acc === '') start = n;
    if (line.endsWith('\\')) {
      acc += `${line.slice(0, -1)} `;
      continue;
    }
    acc += line;
    const text = uncomment(acc);
    acc = '';
    if (text !== '') yield [start, text];
  }
  if (acc !== '' && uncomment(acc) !== '') yield [start, uncomment(acc)];
}

/** The inventory of a requirements `file`, streamed. */
export async function parseRequirements(file: string): Promise<Inventory> {
  const out = new LockCollector(file, 'pypi');
  const physical: [number, string][] = [];
  const flush = (): void => {
    for (const [n, text] of logicalLines(physical)) {
      const where = atLine(file, n);
      const r = classifyRequirement(text);
      if (r === undefined) throw inputError(where, `${quoteLine(text)} is not a requirement (name==version) or a pip option`, undefined, { file, line: n });
      if (r.kind === 'pinned') out.add(r.name, r.version, where);
      else if (r.kind === 'unpinned') {
        const why = r.spec === '' ? 'no version' : `the range ${r.spec}`;
        out.skip(where, 'unchecked', `${r.name} is not pinned (${why}): the installed version is unknown; pin it (pip freeze, pip-compile)`, { name: r.name });
      } else if (r.kind === 'url') {
        const what = r.local ? 'a local project' : 'not a registry release';
        out.skip(where, r.local ? 'local' : 'unchecked', r.name === undefined ? `${r.url} is ${what}` : `${r.name} is ${what} (${r.url})`, { name: r.name });
      } else if (r.kind === 'include') out.skip(where, 'unchecked', `-r ${r.file}: its requirements are in that file; scan it too`);
    }
    physical.length = 0;
  };
  for await (const [n, line] of readLines(file)) {
    physical.push([n, line]);
    // Flush at every line that ends a logical line, so memory holds one logical line.
    if (!line.endsWith('\\')) flush();
  }
  flush();
  return out.inventory('requirements');
}

/**
 * A requirements file: every first logical line is a requirement, a URL or a pip option, and at
 * least one says a version (`==`, `>=` …) or is an option: a list of bare words could be anything.
 */
export const requirements: TextInputParser = {
  format: 'requirements',
  input: 'text',
  describe: 'pip requirements.txt (pinned name==version lines)',
  matches: (head) => {
    const lines = [...logicalLines(head.map((l, i): [number, string] => [i + 1, l]))].map(([, t]) => classifyRequirement(t));
    if (lines.length === 0 || lines.some((r) => r === undefined)) return false;
    return lines.some((r) => r?.kind === 'pinned' || r?.kind === 'include' || (r?.kind === 'unpinned' && r.spec !== '') || r?.kind === 'option');
  },
  parse: parseRequirements,
};
