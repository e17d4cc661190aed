/** Canonical JSON: object keys sorted, no whitespace. Equal records give equal bytes and hashes. */
import { createHash } from 'node:crypto';

// Records of one driver share a few object shapes: remember each shape's sorted key order.
const sortedKeysCache = new Map<string, string[]>();

function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  const shape = keys.join('\u0000');
  let sorted = sortedKeysCache.get(shape);
  if (!sorted) {
    sorted = [...keys].sort();
    // Bounded: arbitrary metadata objects must not grow the cache without limit.
    if (sortedKeysCache.size < 10_000) sortedKeysCache.set(shape, sorted);
  }
  return sorted;
}

function write(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        // JSON.stringify writes `null` for array holes and unserializable items.
        return `[${value.map((v) => write(v) ?? 'null').join(',')}]`;
      }
      const obj = value as Record<string, unknown>;
      if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') return write((obj as { toJSON(): unknown }).toJSON());
      let out = '';
      for (const k of sortedKeys(obj)) {
        const v = write(obj[k]);
        if (v === undefined) continue;
        out += `${out === '' ? '' : ','}${JSON.stringify(k)}:${v}`;
      }
      return `{${out}}`;
    }
    default:
      // undefined, functions and symbols are left out, as JSON.stringify does.
      return undefined;
  }
}

/** Serializes `value` with object keys in sorted order (arrays keep their order), as JSON.stringify would otherwise. */
export function canonicalJson(value: unknown): string {
  return write(value) ?? 'null';
}

/** sha256 of a string's UTF-8 bytes, as lowercase hex. */
export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
