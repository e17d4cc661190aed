/** Canonical JSON: object keys sorted, no whitespace. Equal records give equal bytes and hashes. */
import { createHash } from 'node:crypto';

// Records of one driver share a few object shapes: remember each shape's sorted key order, with
// the keys already quoted, so serializing a record is mostly string concatenation.
interface Shape {
  /** The keys in the object's own order, as met. */
  own: string[];
  keys: string[];
  /** `"key":` for each of `keys`. */
  quoted: string[];
}
/** Shapes by their first own key; a key list is matched by comparing its keys, not by joining them into a string. */
const shapes = new Map<string, Shape[]>();
let shapeCount = 0;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function shapeOf(obj: object): Shape {
  const own = Object.keys(obj);
  const first = own[0] ?? '';
  const known = shapes.get(first);
  if (known) for (const shape of known) if (sameKeys(shape.own, own)) return shape;
  const keys = [...own].sort();
  const shape = { own, keys, quoted: keys.map((k) => `${JSON.stringify(k)}:`) };
  // Bounded: arbitrary metadata objects must not grow the cache without limit.
  if (shapeCount < 10_000) {
    shapeCount++;
    if (known) known.push(shape);
    else shapes.set(first, [shape]);
  }
  return shape;
}

function write(value: unknown): string | undefined {
  if (value === null) return 'null';
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return JSON.stringify(value);
  if (type !== 'object') return undefined; // undefined, functions and symbols are left out, as JSON.stringify does
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // JSON.stringify writes `null` for array holes and unserializable items.
      out += write(value[i]) ?? 'null';
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') return write((obj as { toJSON(): unknown }).toJSON());
  const { keys, quoted } = shapeOf(obj);
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const v = write(obj[keys[i] ?? '']);
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${quoted[i] ?? ''}${v}`;
  }
  return `${out}}`;
}

/** Serializes `value` with object keys in sorted order (arrays keep their order), as JSON.stringify would otherwise. */
export function canonicalJson(value: unknown): string {
  return write(value) ?? 'null';
}

/**
 * Records a driver parsed from their own canonical JSON (`JSON.parse(canonicalJson(r))`, e.g. after
 * an on-disk sort), with that text: apply then stores the text instead of serializing the record a
 * second time (a fifth of an NVD first sync's CPU was the two serializations). Parsing canonical
 * JSON and serializing it again gives the same text, so the text is the record's canonical JSON as
 * long as nobody changes the object; the framework never does between parse and apply.
 */
const parsedFrom = new WeakMap<object, string>();

/** `JSON.parse(text)`, remembered as that text's record; `text` must be canonical JSON (canonicalJson's output). */
export function parseCanonical(text: string): unknown {
  const value = JSON.parse(text) as unknown;
  if (value !== null && typeof value === 'object') parsedFrom.set(value, text);
  return value;
}

/** The canonical JSON of `value`: the text it was parsed from by parseCanonical, else serialized now. */
export function canonicalText(value: unknown): string {
  return (value !== null && typeof value === 'object' ? parsedFrom.get(value) : undefined) ?? canonicalJson(value);
}

/** sha256 of a string's UTF-8 bytes, as lowercase hex. */
export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
