import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import { decodeUtf8, firstInvalidUtf8, utf8Chunks } from '../../../drivers/_framework/read/utf8.ts';

async function decodeChunks(chunks: Uint8Array[]): Promise<string> {
  let out = '';
  for await (const s of utf8Chunks(Readable.from(chunks), 'test: f.json')) out += s;
  return out;
}

async function failure(p: Promise<unknown> | (() => unknown)): Promise<AirfeedError> {
  const err = typeof p === 'function' ? (() => { try { p(); return null; } catch (e) { return e; } })() : await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AirfeedError);
  expect((err as AirfeedError).code).toBe('SOURCE_INVALID');
  return err as AirfeedError;
}

const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

describe('strict UTF-8', () => {
  it('decodes valid text, dropping a leading BOM only', () => {
    const text = 'aom 3.9.1-r0 — naïve 😀 日本';
    expect(decodeUtf8(Buffer.from(`\uFEFF${text}`), 'x')).toBe(text);
    expect(decodeUtf8(Buffer.from(`a\uFEFFb`), 'x')).toBe('a\uFEFFb');
  });

  it.each([
    ['a lone continuation byte', b(0x61, 0x80, 0x61), 1],
    ['an overlong NUL', b(0x61, 0x62, 0xc0, 0x80), 2],
    ['an overlong 3-byte form', b(0xe0, 0x80, 0xaf), 0],
    ['a surrogate', b(0x61, 0xed, 0xa0, 0x80), 1],
    ['a code point above U+10FFFF', b(0xf4, 0x90, 0x80, 0x80), 0],
    ['0xFF', b(0x41, 0x42, 0x43, 0xff), 3],
    ['a Latin-1 é inside a name', Buffer.concat([Buffer.from('"name":"caf'), b(0xe9), Buffer.from('"')]), 11],
    ['a 3-byte sequence cut by an ASCII byte', b(0xe6, 0x97, 0x41), 0],
  ])('names the byte offset of %s', async (_what, bytes, offset) => {
    expect(firstInvalidUtf8(bytes)).toBe(offset);
    const whole = await failure(() => decodeUtf8(bytes, 'test: f.json'));
    expect(whole.message).toMatch(new RegExp(`^test: f\\.json: invalid UTF-8 at byte ${offset} \\(`));
    expect(whole.details).toEqual({ offset });
    // The same, fed one byte at a time: the streaming decoder must agree.
    const streamed = await failure(decodeChunks(Array.from(bytes, (x) => b(x))));
    expect(streamed.details).toEqual({ offset });
  });

  it('decodes characters split across chunk boundaries at every position', async () => {
    const text = 'x😀y日z é'.repeat(3);
    const bytes = Buffer.from(text);
    for (let cut1 = 0; cut1 < bytes.length; cut1++) {
      const cut2 = Math.min(bytes.length, cut1 + 3);
      expect(await decodeChunks([bytes.subarray(0, cut1), bytes.subarray(cut1, cut2), bytes.subarray(cut2)])).toBe(text);
    }
  });

  it('reports the right offset when the bad byte follows a split character', async () => {
    // "日" split 1|2, then an invalid 0xFF at byte 5.
    const bytes = Buffer.concat([Buffer.from('ab日'), b(0xff)]);
    const err = await failure(decodeChunks([bytes.subarray(0, 3), bytes.subarray(3, 5), bytes.subarray(5)]));
    expect(err.details).toEqual({ offset: 5 });
  });

  it('refuses a file that ends inside a multi-byte character', async () => {
    const bytes = Buffer.from('abc😀').subarray(0, 5);
    const err = await failure(decodeChunks([bytes]));
    expect(err.message).toBe('test: f.json: invalid UTF-8 at byte 3: the file ends inside a multi-byte character (truncated?)');
    await failure(() => decodeUtf8(bytes, 'x'));
  });
});
