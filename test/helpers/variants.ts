/**
 * Variants of a JSON value for checks that must never be looser than a schema: every copy with one
 * member (at any depth) deleted or replaced by a value of another kind, and each object given an
 * unknown member.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export const REPLACEMENTS: Json[] = [
  null, 42, -1, 0, 11, 10.5, true, '', 'x', 'CVE-1', 'en', 'es', 'AND', 'Primary', 'CRITICAL', 'Critical', 'Analyzed', 'NVD-CWE-noinfo', 'cpe:2.3:a:x',
  'a:b', '2024-01-01T00:00:00Z', '2024-02-30T00:00:00Z', '2024-01-01T00:00:00', [], {}, [null], [{}], ['x'],
];

/** Every variant of `item` with one member (at any depth) deleted or replaced. */
export function* variants(item: Json): Generator<Json> {
  function* walk(node: Json, rebuild: (v: Json | undefined) => Json): Generator<Json> {
    if (node === null || typeof node !== 'object') return;
    const entries: [string | number, Json][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [k, v] of entries) {
      const put = (nv: Json | undefined): Json => {
        let copy: Json;
        if (Array.isArray(node)) {
          copy = [...node];
          if (nv === undefined) copy.splice(k as number, 1);
          else copy[k as number] = nv;
        } else {
          const obj = { ...node };
          if (nv === undefined) delete obj[k as string];
          else obj[k as string] = nv;
          copy = obj;
        }
        return rebuild(copy);
      };
      yield put(undefined);
      for (const r of REPLACEMENTS) yield put(r);
      yield* walk(v, put);
    }
    if (!Array.isArray(node)) yield rebuild({ ...node, unknownMember: { a: 1 } });
  }
  yield* walk(item, (v) => v as Json);
}
