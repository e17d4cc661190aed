/**
 * Validation of parsed upstream values with zod, at the boundary where upstream data enters.
 * A value that does not fit is SOURCE_INVALID naming the file, the JSON path of the first issue
 * (`packages[3].pkg.name: Invalid input: expected string, received number`) and how many more
 * there are; the ZodError is kept as `cause`.
 *
 * `readJsonFile` reads a whole (small) file — strict UTF-8, `JSON.parse`, then the schema; use the
 * streaming readers (read/json.ts) for files that can be large.
 */
import fs from 'node:fs/promises';
import type { z } from 'zod';
import { AirfeedError } from '../errors.ts';
import { decodeUtf8 } from './utf8.ts';

/** `packages[3].pkg.name` from a zod issue path; `(top level)` for the root. */
export function issuePath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const part of p) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += `${out === '' ? '' : '.'}${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

export interface ValidateOptions {
  /** Names the file (and the item within it): `alpine: v3.20/main.json`, `nvd: nvdcve-2016.json vulnerabilities[12]`. */
  label: string;
  /** What the value should have been, for the message: `not a secdb file`. */
  what?: string;
}

/** Parses `value` with `schema`; see the module doc. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, options: ValidateOptions): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const first = issues[0];
  const where = first ? `${issuePath(first.path)}: ${first.message}` : parsed.error.message;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  const what = options.what ?? 'unexpected content';
  throw new AirfeedError('SOURCE_INVALID', `${options.label}: ${what}: ${where}${more}`, {
    cause: parsed.error, details: { path: first ? issuePath(first.path) : null, issues: issues.length },
  });
}

/** Reads a whole JSON file strictly and validates it; every defect is SOURCE_INVALID naming `label`. */
export async function readJsonFile<S extends z.ZodType>(file: string, schema: S, options: ValidateOptions): Promise<z.output<S>> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw new AirfeedError('SOURCE_INVALID', `${options.label}: cannot read the file: ${(err as Error).message}`, { cause: err });
  }
  const text = decodeUtf8(bytes, options.label);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AirfeedError('SOURCE_INVALID', `${options.label}: malformed JSON (truncated or corrupt): ${(err as Error).message}`, { cause: err });
  }
  return parseWith(schema, json, options);
}
