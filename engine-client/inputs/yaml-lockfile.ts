/**
 * A fast reader for the layout the package managers write their YAML lockfiles in, with a general
 * YAML parse as the fallback. pnpm (pnpm-lock.yaml) and yarn berry (yarn.lock) write a mapping of
 * packages, one key per entry at a fixed indentation and the entry's fields two spaces deeper, each
 * on one line, scalars plain or quoted and short maps in flow style:
 *
 * ```
 * packages:                                        "lodash@npm:^4.17.20":
 *                                                    version: 4.17.21
 *   '@babel/code-frame@7.22.13':                     resolution: "lodash@npm:4.17.21"
 *     resolution: {integrity: sha512-Xk…==}         checksum: 10c0/d8cbea…
 *     engines: {node: '>=6.9.0'}                     languageName: node
 * ```
 *
 * A general YAML parser spends most of a large lockfile's time building nodes for everything else
 * (0.2 s a MB, and more under load). This reader only looks at those lines: it reads the entry keys
 * and the requested fields' values, and gives up (returns undefined) on anything it is not sure
 * to read exactly as YAML does — tabs, anchors and aliases, block scalars, explicit keys, comments
 * after a value, nested flow collections in a wanted field, an indentation it does not expect —
 * so the caller parses the file as general YAML instead (documents.ts). Tests read every fixture
 * both ways and compare.
 */
import type { YamlEntry } from './documents.ts';

/** A scalar as YAML reads it in the forms these files use: plain, 'single' or "double" quoted; undefined when unsure. */
export function yamlScalar(raw: string): string | undefined {
  const v = raw.trim();
  if (v === '') return '';
  const c = v.charAt(0);
  if (c === "'") {
    if (!v.endsWith("'") || v.length < 2) return undefined;
    const body = v.slice(1, -1);
    if (/(^|[^'])'([^']|$)/.test(body.replaceAll("''", ''))) return undefined;
    return body.replaceAll("''", "'");
  }
  if (c === '"') {
    try {
      const s: unknown = JSON.parse(v);
      return typeof s === 'string' ? s : undefined;
    } catch {
      return undefined;
    }
  }
  // Indicators that start something other than a plain scalar, and a comment after the value.
  if ('&*!|>%@`[{}],#?-:'.includes(c) && !(c === '-' && /^-[^\s]/.test(v)) && !(c === ':' && /^:[^\s]/.test(v))) return undefined;
  if (v.includes(' #') || /:\s/.test(v)) return undefined;
  return v;
}

/** A one-line flow map of scalars (`{integrity: sha512-…, tarball: https://…}`); undefined when unsure. */
export function yamlFlowMap(raw: string): Record<string, string> | undefined {
  const v = raw.trim();
  if (!v.startsWith('{') || !v.endsWith('}')) return undefined;
  const body = v.slice(1, -1).trim();
  if (body === '') return {};
  if (/[{}[\]"]/.test(body)) return undefined;
  const out: Record<string, string> = {};
  for (const part of body.split(/,\s+/)) {
    const colon = part.indexOf(': ');
    if (colon <= 0) return undefined;
    const key = yamlScalar(part.slice(0, colon));
    const value = yamlScalar(part.slice(colon + 2));
    if (key === undefined || value === undefined || key in out) return undefined;
    out[key] = value;
  }
  return out;
}

/** The key of an entry line (`'@babel/core@7.24.7':`, `/lodash/4.17.20:`, `"a@npm:^1, a@npm:^1.1":`); undefined when unsure. */
function entryKey(rest: string): string | undefined {
  let body = rest;
  if (body.endsWith(' {}')) body = body.slice(0, -3);
  if (!body.endsWith(':')) return undefined;
  const key = yamlScalar(body.slice(0, -1));
  return key === undefined || key === '' ? undefined : key;
}

/**
 * The entries of the mapping under top-level key `section` (null: the top-level mapping itself),
 * each with the wanted fields (scalars, or one-line flow maps of scalars); undefined when the file
 * is not laid out as the package managers write it.
 */
export function readLockfileEntries(text: string, section: string | null, wanted: readonly string[]): YamlEntry[] | undefined {
  const lines = text.split('\n');
  const entryIndent = section === null ? 0 : 2;
  const fieldIndent = entryIndent + 2;
  const out: YamlEntry[] = [];
  const keys = new Set<string>();
  let inSection = section === null;
  let blockOpen = false;
  let current: { key: string; line: number; fields: Record<string, unknown> } | undefined;
  const flush = (): void => {
    if (current !== undefined) out.push({ key: current.key, value: current.fields, line: current.line });
    current = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] ?? '';
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '' || /^\s*#/.test(line)) continue;
    if (line.includes('\t') && /^\s*\t/.test(line)) return undefined;
    const indent = line.length - line.trimStart().length;
    if (section !== null && indent === 0) {
      flush();
      if (line === `${section}:`) inSection = true;
      else if (inSection) return out; // the next top-level key ends the section
      else if (line.startsWith(`${section}:`)) return undefined; // a flow-style section
      continue;
    }
    if (!inSection || indent < entryIndent) continue;
    const rest = line.slice(indent);
    if (indent === entryIndent) {
      flush();
      if (section === null && rest.startsWith('__metadata')) {
        current = undefined;
        continue;
      }
      const key = entryKey(rest);
      if (key === undefined || keys.has(key)) return undefined; // a duplicate: the YAML parser names it
      keys.add(key);
      current = { key, line: i + 1, fields: {} };
      blockOpen = false;
      continue;
    }
    if (current === undefined) {
      if (section === null && out.length === 0) continue; // __metadata's fields
      return undefined;
    }
    if (indent !== fieldIndent) {
      // Deeper: the block value of a field not read here (dependencies, bin, …). After a field
      // with a value on its own line it would continue that value or be an error: YAML decides.
      if (indent < fieldIndent || !blockOpen) return undefined;
      continue;
    }
    const colon = rest.indexOf(':');
    if (colon <= 0) return undefined;
    const name = yamlScalar(rest.slice(0, colon));
    if (name === undefined) return undefined;
    const raw = rest.slice(colon + 1);
    blockOpen = raw.trim() === '';
    if (!wanted.includes(name)) continue;
    if (raw.trim() === '') return undefined; // a block value: leave it to the YAML parser
    if (!raw.startsWith(' ')) return undefined;
    const value = raw.trim().startsWith('{') ? yamlFlowMap(raw) : yamlScalar(raw);
    if (value === undefined || name in current.fields) return undefined;
    current.fields[name] = value;
  }
  flush();
  return inSection ? out : [];
}
