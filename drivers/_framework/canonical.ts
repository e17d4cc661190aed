/** Canonical JSON: object keys sorted, no whitespace. Equal records give equal bytes and hashes. */
import { createHash } from 'node:crypto';

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) out[k] = obj[k];
  return out;
}

/** Serializes `value` with object keys in sorted order (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortKeys);
}

/** sha256 of a string's UTF-8 bytes, as lowercase hex. */
export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
