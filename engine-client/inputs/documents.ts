/**
 * The YAML and TOML lockfiles are parsed whole, and their errors and package locations are lines:
 *
 * - YAML (pnpm-lock.yaml, yarn berry's yarn.lock) with the `yaml` library and its failsafe schema,
 *   so every scalar stays the string the file spells: `lockfileVersion: 5.4` is "5.4" and a version
 *   `1.10` stays "1.10" (the core schema would read both as numbers and lose the trailing zero).
 *   The line of a map key comes from the parser's own positions.
 * - TOML (Cargo.lock, poetry.lock, uv.lock) with smol-toml (TOML 1.0, https://toml.io/en/v1.0.0).
 *   TOML parsers keep no positions, so the line of the n-th `[[package]]` entry is that of the n-th
 *   `[[package]]` header in the text; were the two counts to differ (a header inside a multi-line
 *   string), the places fall back to the entry's path (`Cargo.lock#/package/3`).
 *
 * Both libraries load on first use: the engine's commands start without them (`--version`, the
 * other input formats).
 */
import type { z } from 'zod';
import { atJson, atLine, inputError } from './errors.ts';

/** A top-level YAML mapping entry: its key, value (plain data, scalars as strings) and line. */
export interface YamlEntry {
  key: string;
  value: unknown;
  line: number;
}

/** A parsed YAML document: values by path, and the entries of any mapping with their lines. */
export interface YamlDocument {
  /** The plain value at `path` (scalars as strings); undefined when absent. */
  get(path: readonly string[]): unknown;
  /** The entries of the mapping at `path` (keys of nested maps), in file order; [] when absent or not a map. */
  entries(path: readonly string[]): YamlEntry[];
}

/** Parses YAML text from `file`; SCAN_INPUT_INVALID naming the line of the first error. */
export async function parseYaml(file: string, text: string, what: string): Promise<YamlDocument> {
  const { isMap, isScalar, LineCounter, parseDocument } = await import('yaml');
  const lineCounter = new LineCounter();
  // Duplicate keys are checked in entries(), in linear time: the library's own check is quadratic
  // in the size of a map, seconds for the 5,000 keys of a large lockfile's `packages`.
  const doc = parseDocument(text, { lineCounter, schema: 'failsafe', uniqueKeys: false, prettyErrors: false });
  const err = doc.errors[0];
  if (err !== undefined) {
    const line = err.linePos?.[0].line ?? lineCounter.linePos(err.pos[0]).line;
    throw inputError(atLine(file, line), `not ${what} (YAML): ${err.message.split('\n')[0] ?? err.message}`, err, { file, line });
  }
  const plain = (node: unknown): unknown => (node !== null && typeof node === 'object' && 'toJSON' in node ? (node as { toJSON(): unknown }).toJSON() : node);
  return {
    get: (path) => plain(doc.getIn(path, true)),
    entries(path) {
      const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
      if (!isMap(node)) return [];
      const seen = new Set<string>();
      return node.items.flatMap((pair): YamlEntry[] => {
        if (!isScalar(pair.key)) return [];
        const key = String(pair.key.value);
        const line = lineCounter.linePos(pair.key.range?.[0] ?? 0).line;
        if (seen.has(key)) throw inputError(atLine(file, line), `not ${what} (YAML): the key ${JSON.stringify(key)} is given twice`, undefined, { file, line });
        seen.add(key);
        return [{ key, value: plain(pair.value), line }];
      });
    },
  };
}

/** Parses TOML text from `file`; SCAN_INPUT_INVALID naming the line of the error. */
export async function parseTomlText(file: string, text: string, what: string): Promise<Record<string, unknown>> {
  const { parse: parseToml, TomlError } = await import('smol-toml');
  try {
    return parseToml(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const first = err.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? err.message;
    throw inputError(atLine(file, err.line), `not ${what} (TOML): ${first}`, err, { file, line: err.line });
  }
}

/** The place of each entry of the array of tables `[[name]]`: `file:line` of its header, else `file#/name/i`. */
export function arrayTablePlaces(file: string, text: string, name: string, count: number): string[] {
  const header = new RegExp(`^[ \\t]*\\[\\[[ \\t]*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]*\\]\\][ \\t]*(#.*)?$`);
  const lines: number[] = [];
  let n = 0;
  for (const line of text.split('\n')) {
    n++;
    if (header.test(line.endsWith('\r') ? line.slice(0, -1) : line)) lines.push(n);
  }
  if (lines.length === count) return lines.map((l) => atLine(file, l));
  return Array.from({ length: count }, (_, i) => atJson(file, [name, i]));
}

/**
 * The entries of the array of tables `[[name]]`, each checked against `schema`, with its place
 * (arrayTablePlaces): the first entry that does not fit is an error naming its place and field.
 */
export function arrayTableEntries<T>(file: string, text: string, name: string, raws: readonly unknown[], schema: z.ZodType<T>): { where: string; entry: T }[] {
  const places = arrayTablePlaces(file, text, name, raws.length);
  return raws.map((raw, i) => {
    const where = places[i] ?? file;
    const p = schema.safeParse(raw);
    if (!p.success) {
      const issue = p.error.issues[0];
      throw inputError(where, `[[${name}]] ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`, p.error, { file });
    }
    return { where, entry: p.data };
  });
}
