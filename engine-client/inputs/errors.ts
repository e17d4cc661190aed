/**
 * How input parsers report a malformed file: always an AirfeedError with code SCAN_INPUT_INVALID,
 * whose message starts with where the problem is (`installed:14`, `sbom.json#/components/3/purl`)
 * and then says what is wrong, so the user can open the file at that spot. JSON places are
 * RFC 6901 JSON Pointers (https://www.rfc-editor.org/rfc/rfc6901) written as URI fragments.
 */
import type { z } from 'zod';
import { AirfeedError } from '../../drivers/_framework/errors.ts';

/** A malformed-input error at `where` (`file`, `file:line` or `file#/pointer`), wrapping `cause` when given. */
export function inputError(where: string, what: string, cause?: unknown, details: Record<string, unknown> = {}): AirfeedError {
  return new AirfeedError('SCAN_INPUT_INVALID', `${where}: ${what}`, cause === undefined ? { details } : { cause, details });
}

/** `file:line`, the place of a line in a text input. */
export function atLine(file: string, line: number): string {
  return `${file}:${line}`;
}

/** The JSON Pointer fragment (`#/components/3/purl`) for a path of keys and indexes; `#` for the root. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return `#${path.map((k) => `/${String(k).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')}`;
}

/** `file#/pointer`, the place of a value in a JSON input. */
export function atJson(file: string, path: readonly PropertyKey[]): string {
  return `${file}${jsonPointer(path)}`;
}

/** The error for a zod failure of the value at `base` in `file`: names the first issue's JSON path. */
export function zodError(file: string, base: readonly PropertyKey[], what: string, error: z.ZodError): AirfeedError {
  const issue = error.issues[0];
  const n = error.issues.length - 1;
  const more = n > 0 ? ` (and ${n} more problem${n > 1 ? 's' : ''})` : '';
  const where = atJson(file, [...base, ...(issue?.path ?? [])]);
  return inputError(where, `${what}: ${issue?.message ?? error.message}${more}`, error, { file });
}

/** A line quoted for a message, cut to 80 characters so a binary file does not flood the terminal. */
export function quoteLine(line: string): string {
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line);
}

/** The value checked against a zod schema; a mismatch is SCAN_INPUT_INVALID at the first issue's JSON path. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, file: string, path: readonly PropertyKey[], what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw zodError(file, path, what, r.error);
  return r.data;
}
