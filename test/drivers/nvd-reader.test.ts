/**
 * The nvd driver's two streaming parts on their own: the page reader gives exactly the items and
 * header `JSON.parse` gives, however the text falls across chunks (escapes, multi-byte characters,
 * brackets inside strings, pretty-printed or compact, header members after the array, plain or
 * gzip); the external sort picks the same winner per CVE as a plain in-memory fold, across many
 * runs, and leaves no files behind.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Entry, WinnerSort } from '../../drivers/nvd/merge.ts';
import { PageReader } from '../../drivers/nvd/page-reader.ts';
import { tempDir } from '../helpers/mirror.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('airfeed-nvd-reader-');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Strings that trip a scanner that does not track strings and escapes exactly. */
const TRICKY = ['plain', 'a \\"quoted\\" word', 'ends with a backslash \\\\', '\\\\\\"', '{[braces]} in a string', 'caf\u00e9 \u{1d11e} \u2019', '\\u0022 escaped quote', ',', ']', '}'];

function items(n: number): unknown[] {
  return Array.from({ length: n }, (_, i) => ({
    cve: {
      id: `CVE-2024-${String(10000 + i)}`,
      descriptions: [{ lang: 'en', value: JSON.parse(`"${TRICKY[i % TRICKY.length] ?? ''} ${'x'.repeat(i % 977)}"`) as string }],
      metrics: { cvssMetricV2: [{ cvssData: { baseScore: (i % 100) / 10 } }] },
      nested: [[[], {}], { a: [1, 2, { b: '}' }] }],
    },
  }));
}

async function read(file: string): Promise<{ values: unknown[]; header: Record<string, unknown> }> {
  const reader = new PageReader(file, 'test');
  const values: unknown[] = [];
  let expected = 0;
  for await (const it of reader.items()) {
    expect(it.index).toBe(expected++);
    values.push(it.value);
  }
  return { values, header: reader.header };
}

describe('nvd page reader', () => {
  it('gives what JSON.parse gives, compact or pretty, plain or gzip, header members before or after the array', async () => {
    const vulnerabilities = items(3000);
    const docs = {
      compact: JSON.stringify({ resultsPerPage: 3000, startIndex: 0, totalResults: 3000, format: 'NVD_CVE', version: '2.0', timestamp: '2024-10-25T01:15:13.497', vulnerabilities }),
      pretty: JSON.stringify({ totalResults: 3000, vulnerabilities, format: 'NVD_CVE', note: { skipped: [1, { x: '"' }] }, version: '2.0' }, null, 2),
      crlf: `\r\n{\r\n "vulnerabilities" :\r\n [ ${vulnerabilities.map((v) => JSON.stringify(v)).join(' ,\r\n ')} ] ,\r\n "totalResults" : 3000 }\r\n`,
    };
    for (const [name, text] of Object.entries(docs)) {
      expect(Buffer.byteLength(text)).toBeGreaterThan(1_000_000); // many 64 KiB chunks
      const whole = JSON.parse(text) as Record<string, unknown>;
      const scalars = Object.fromEntries(Object.entries(whole).filter(([, v]) => v === null || typeof v !== 'object'));
      for (const [file, bytes] of [[`${name}.json`, Buffer.from(text)], [`${name}.json.gz`, gzipSync(text)]] as const) {
        await fs.writeFile(path.join(dir, file), bytes);
        const got = await read(path.join(dir, file));
        expect(got.values).toEqual(whole['vulnerabilities']);
        expect(got.header).toEqual(scalars);
      }
    }
  });

  it('reads an empty page, and refuses trailing text, a trailing comma and a second array', async () => {
    const ok = path.join(dir, 'empty.json');
    await fs.writeFile(ok, '{"resultsPerPage":0,"startIndex":0,"totalResults":0,"vulnerabilities":[]}');
    expect(await read(ok)).toEqual({ values: [], header: { resultsPerPage: 0, startIndex: 0, totalResults: 0 } });
    const bad = async (text: string): Promise<string> => {
      const f = path.join(dir, 'bad.json');
      await fs.writeFile(f, text);
      return read(f).then(() => 'no error', (e: unknown) => (e as Error).message);
    };
    expect(await bad('{"vulnerabilities":[]} x')).toBe('test: the JSON is malformed at byte 23 (near vulnerabilities): text after the end of the document');
    expect(await bad('{"vulnerabilities":[{"cve":{}},]}')).toBe('test: the JSON is malformed at byte 31 (near vulnerabilities[1]): a "," before "]"');
    expect(await bad('{"vulnerabilities":[],"vulnerabilities":[]}')).toBe('test: the JSON is malformed at byte 40 (near vulnerabilities): "vulnerabilities" appears twice');
    expect(await bad('{"vulnerabilities":{}}')).toBe('test: the JSON is malformed at byte 19 (near vulnerabilities): "vulnerabilities" must be an array');
    expect(await bad('{"totalResults":1 "vulnerabilities":[]}')).toBe('test: the JSON is malformed at byte 18 (near totalResults): expected "," or "}" after a member');
  });
});

describe('nvd external sort', () => {
  /** A deterministic pseudo-random sequence. */
  function rand(seed: number): () => number {
    let s = seed;
    return () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648;
    };
  }

  function entries(n: number, seed: number): Entry[] {
    const r = rand(seed);
    return Array.from({ length: n }, (_, seq) => {
      const id = `CVE-2024-${String(Math.floor(r() * n / 3)).padStart(5, '0')}`;
      const rejected = r() < 0.1;
      return { id, modified: Math.floor(r() * 5), rank: Math.floor(r() * 4), seq, rejected, json: rejected ? '' : JSON.stringify({ id, seq, pad: 'p'.repeat(Math.floor(r() * 300)) }) };
    });
  }

  /** The winner per id the plain way: latest modified, then highest rank, then highest seq. */
  function expected(list: Entry[]): { id: string; rejected: boolean; json: string }[] {
    const best = new Map<string, Entry>();
    for (const e of list) {
      const b = best.get(e.id);
      if (!b || e.modified > b.modified || (e.modified === b.modified && (e.rank > b.rank || (e.rank === b.rank && e.seq > b.seq)))) best.set(e.id, e);
    }
    return [...best.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((e) => ({ id: e.id, rejected: e.rejected, json: e.json }));
  }

  it('picks the same winners as a plain fold, in memory and across many runs, in any input order', async () => {
    for (const runBytes of [64 * 1024 * 1024, 4096]) {
      const list = entries(5000, runBytes);
      for (const order of [list, [...list].reverse()]) {
        const sortDir = path.join(dir, `sort-${runBytes}`);
        const sort = new WinnerSort(sortDir, runBytes);
        for (const e of order) await sort.add(e);
        if (runBytes === 4096) expect(sort.runs).toBeGreaterThan(100);
        else expect(sort.runs).toBe(0);
        const got = [];
        for await (const w of sort.winners()) got.push(w);
        expect(got).toEqual(expected(list));
        expect(existsSync(sortDir)).toBe(false);
      }
    }
  });

  it('removes its runs when the reader stops early', async () => {
    const sortDir = path.join(dir, 'sort');
    const sort = new WinnerSort(sortDir, 4096);
    for (const e of entries(2000, 7)) await sort.add(e);
    expect(existsSync(sortDir)).toBe(true);
    for await (const w of sort.winners()) {
      expect(w.id).toMatch(/^CVE-/);
      break;
    }
    expect(existsSync(sortDir)).toBe(false);
  });
});
