import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalText, parseCanonical } from '../../drivers/_framework/canonical.ts';

/** Reference: JSON.stringify with a replacer that rebuilds objects with sorted keys. */
function reference(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}

describe('canonicalJson', () => {
  const cases: unknown[] = [
    null, 0, -1.5, 1e21, 'a"b\\c\n\u2028', true, [], {},
    { b: 1, a: [3, { d: null, c: 'x' }], e: undefined },
    [undefined, () => 1, 'x'],
    { z: { y: { x: [{ b: 2, a: 1 }] } }, 'ü': 'ß', '': 0 },
    { when: new Date(Date.UTC(2024, 0, 2)) },
  ];
  it.each(cases.map((c) => [reference(c), c]))('writes %s like JSON.stringify with sorted keys', (expected, value) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('gives the same bytes whatever the key insertion order', () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('tells apart key lists that share their first key (the shape cache matches whole lists)', () => {
    const values = [{ a: 1, b: 2 }, { a: 1, c: 3 }, { a: 1 }, { a: 1, c: 3, b: 2 }, { a: 1, b: 2, c: 3 }, { a: 1, b: 2, d: 4 }];
    for (let round = 0; round < 2; round++) for (const v of values) expect(canonicalJson(v)).toBe(reference(v));
  });
});

describe('parseCanonical and canonicalText', () => {
  it('gives back the text a record was parsed from, and serializes any other value', () => {
    const text = canonicalJson({ b: [1, { d: 'x', c: null }], a: 'é' });
    const parsed = parseCanonical(text);
    expect(canonicalText(parsed)).toBe(text);
    // A copy was not parsed from the text: it is serialized, with the same result.
    expect(canonicalText(structuredClone(parsed))).toBe(text);
    expect(canonicalText({ z: 1, y: 2 })).toBe('{"y":2,"z":1}');
    expect(canonicalText(parseCanonical('3'))).toBe('3');
  });
});
