import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import { jsonArray, jsonObject } from '../../../drivers/_framework/read/json.ts';

/** The document as a stream of small chunks, so every token boundary is also a chunk boundary somewhere. */
const chunked = (text: string | Buffer, size = 7): Readable => {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
};

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

async function failure(p: Promise<unknown>): Promise<AirfeedError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AirfeedError);
  expect((err as AirfeedError).code).toBe('SOURCE_INVALID');
  return err as AirfeedError;
}

const NVD_PAGE = JSON.stringify({
  resultsPerPage: 2, startIndex: 0, totalResults: 80844, format: 'NVD_CVE', version: '2.0', timestamp: '2024-10-25T03:00:02.123',
  skipped: { big: [1, 2, { deep: true }] },
  vulnerabilities: [
    { cve: { id: 'CVE-1999-0001', sourceIdentifier: 'cve@mitre.org', descriptions: [{ lang: 'en', value: 'ip_input.c in BSD-derived TCP/IP … “quoted” \u00e9' }], metrics: {} } },
    { cve: { id: 'CVE-1999-0002', weaknesses: [], n: -1.5e3, ok: true, no: false, nil: null } },
  ],
  after: 'ignored',
});

describe('streaming JSON arrays', () => {
  it('reads the scalar header before the array, then each element with its index, matching JSON.parse', async () => {
    for (const size of [1, 3, 7, 64, 100_000]) {
      const doc = jsonArray(chunked(NVD_PAGE, size), { label: 'nvd: page.json', path: ['vulnerabilities'] });
      expect(await doc.header()).toEqual({ resultsPerPage: 2, startIndex: 0, totalResults: 80844, format: 'NVD_CVE', version: '2.0', timestamp: '2024-10-25T03:00:02.123' });
      const items = await all(doc.items());
      const parsed = JSON.parse(NVD_PAGE) as { vulnerabilities: unknown[] };
      expect(items).toEqual(parsed.vulnerabilities.map((value, key) => ({ key, value })));
    }
  });

  it('reads a top-level array of any values, and an empty one', async () => {
    expect(await all(jsonArray(chunked('[1, "two", [3], {"four": 4}, null]'), { label: 'x' }).items())).toEqual([
      { key: 0, value: 1 }, { key: 1, value: 'two' }, { key: 2, value: [3] }, { key: 3, value: { four: 4 } }, { key: 4, value: null },
    ]);
    expect(await all(jsonArray(chunked('\uFEFF [ ] '), { label: 'x' }).items())).toEqual([]);
  });

  it('reads an array nested deeper, skipping look-alike paths elsewhere', async () => {
    const text = JSON.stringify({ a: { list: [0] }, data: { b: 1, list: [{ x: 1 }, { x: 2 }] } });
    const doc = jsonArray(chunked(text), { label: 'x', path: ['data', 'list'] });
    expect(await doc.header()).toEqual({ b: 1 });
    expect((await all(doc.items())).map((i) => i.value)).toEqual([{ x: 1 }, { x: 2 }]);
  });

  it('keeps a __proto__ member an own property, as JSON.parse does', async () => {
    const [item] = await all(jsonArray(chunked('[{"__proto__": {"polluted": true}, "a": 1}]'), { label: 'x' }).items());
    const value = item?.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect((value as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('stops reading when the consumer breaks out', async () => {
    let pulled = 0;
    const source = (async function* () {
      yield Buffer.from('[');
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield Buffer.from(`${i === 0 ? '' : ','}{"i":${i}}`);
      }
      yield Buffer.from(']');
    })();
    for await (const item of jsonArray(source, { label: 'x' }).items()) if (item.key === 2) break;
    expect(pulled).toBeLessThan(10);
  });

  it('fails naming the file, the byte range and the path when the document is truncated', async () => {
    const cut = NVD_PAGE.slice(0, NVD_PAGE.indexOf('CVE-1999-0002') + 5);
    const doc = jsonArray(chunked(cut), { label: 'nvd: page.json', path: ['vulnerabilities'] });
    const got: number[] = [];
    const err = await failure((async () => { for await (const i of doc.items()) got.push(i.key); })());
    expect(got).toEqual([0]);
    expect(err.message).toMatch(new RegExp(`^nvd: page\\.json: the JSON ends early at byte ${Buffer.byteLength(cut)} \\(near vulnerabilities\\[1\\]\\.cve\\.id\\): `));
  });

  it('fails naming a byte range that holds the syntax error, and the path', async () => {
    const text = `{"vulnerabilities": [${Array.from({ length: 3000 }, (_, i) => `{"id": ${i}}`).join(',')}, {"id": 3000 "x": 1}]}`;
    const at = Buffer.byteLength(text.slice(0, text.indexOf('3000 "x"')));
    const err = await failure(all(jsonArray(chunked(text, 4096), { label: 'f.json', path: ['vulnerabilities'] }).items()));
    const m = /is malformed in bytes (\d+)–(\d+) \(near vulnerabilities\[(\d+)\]\.id\): Parser cannot parse input/.exec(err.message);
    expect(m, err.message).not.toBeNull();
    expect(Number(m?.[1])).toBeLessThanOrEqual(at);
    expect(Number(m?.[2])).toBeGreaterThan(at);
    expect(Number(m?.[2]) - Number(m?.[1])).toBeLessThanOrEqual(2 * 2048 * 4);
    // The path is the one reached before the failing piece: a few elements back at most.
    expect(Number(m?.[3])).toBeGreaterThan(2800);
    expect(Number(m?.[3])).toBeLessThanOrEqual(3000);
  });

  it('fails when the container is missing or of the wrong kind, unless optional', async () => {
    expect((await failure(all(jsonArray(chunked('{"a": 1}'), { label: 'f', path: ['vulnerabilities'] }).items()))).message)
      .toBe('f: the JSON has no array at vulnerabilities');
    expect(await all(jsonArray(chunked('{"a": 1}'), { label: 'f', path: ['vulnerabilities'], optional: true }).items())).toEqual([]);
    expect((await failure(all(jsonArray(chunked('{"vulnerabilities": {}}'), { label: 'f', path: ['vulnerabilities'] }).items()))).message)
      .toMatch(/^f: the JSON is malformed in bytes .* \(near vulnerabilities\): expected an array here, found an object$/);
    expect((await failure(all(jsonArray(chunked('"text"'), { label: 'f' }).items()))).message).toMatch(/expected an array, found a string value/);
    await failure(all(jsonArray(chunked('[1] [2]'), { label: 'f' }).items()));
    await failure(all(jsonArray(chunked(''), { label: 'f' }).items()));
  });

  it('refuses invalid UTF-8 inside a string, naming the byte offset', async () => {
    const bytes = Buffer.concat([Buffer.from('[{"name": "'), Buffer.from([0xff, 0xfe]), Buffer.from('aom"}]')]);
    expect((await failure(all(jsonArray(chunked(bytes, 64), { label: 'f' }).items()))).message).toBe('f: invalid UTF-8 at byte 11 (ff fe 61 6f)');
  });
});

describe('streaming JSON objects', () => {
  it('yields the entries of the top-level object one at a time (the Debian tracker shape)', async () => {
    const debian = {
      openssl: { 'CVE-2024-0727': { description: 'PKCS12 …', scope: 'local', releases: { bookworm: { status: 'resolved', fixed_version: '3.0.13-1~deb12u1', urgency: 'low' } } } },
      '389-ds-base': { 'CVE-2024-1062': { releases: {} } },
      empty: {},
    };
    const entries = await all(jsonObject(chunked(JSON.stringify(debian, null, 2), 5), { label: 'debian: debian.json' }).items());
    expect(entries).toEqual(Object.entries(debian).map(([key, value]) => ({ key, value })));
  });

  it('reads an object at a path, and a scalar member as an entry', async () => {
    const entries = await all(jsonObject(chunked('{"v": 1, "data": {"a": 1, "b": [true]}}'), { label: 'x', path: ['data'] }).items());
    expect(entries).toEqual([{ key: 'a', value: 1 }, { key: 'b', value: [true] }]);
  });
});
