import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { deflateSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import { type Compression, decodeBytes, openDecoded, sniff } from '../../../drivers/_framework/read/decompress.ts';
import type { DecodeLimits } from '../../../drivers/_framework/read/limits.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/compressed');
const fixture = (name: string): Promise<Buffer> => fs.readFile(path.join(FIXTURES, name));

/** Feeds `bytes` in chunks of `size`. */
const chunks = (bytes: Buffer, size = 4096): Readable => {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
};

async function decode(bytes: Buffer, options: { size?: number; limits?: Partial<DecodeLimits>; compression?: Compression } = {}): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of decodeBytes(chunks(bytes, options.size), { label: 'test: file', ...(options.limits ? { limits: options.limits } : {}), ...(options.compression ? { compression: options.compression } : {}) })) out.push(c);
  return Buffer.concat(out);
}

async function failure(p: Promise<unknown>): Promise<AirfeedError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AirfeedError);
  expect((err as AirfeedError).code).toBe('SOURCE_INVALID');
  return err as AirfeedError;
}

let text: Buffer;
const formats: Record<string, () => Promise<Buffer>> = {
  gzip: () => fixture('text.txt.gz'),
  zlib: async () => deflateSync(text),
  bzip2: () => fixture('text.txt.bz2'),
  xz: () => fixture('text.txt.xz'),
  zstd: () => fixture('text.txt.zst'),
};

beforeAll(async () => {
  text = await fixture('text.txt');
});

describe('sniffing', () => {
  it('tells formats apart by their first bytes', async () => {
    for (const [kind, load] of Object.entries(formats)) expect(sniff((await load()).subarray(0, 6))).toBe(kind);
    expect(sniff((await fixture('archive.zip')).subarray(0, 6))).toBe('zip');
    expect(sniff(Buffer.from('{"a":1}'))).toBe('none');
    expect(sniff(Buffer.from('BZ'))).toBe('none');
    expect(sniff(new Uint8Array(0))).toBe('none');
  });
});

describe.each(Object.keys(formats))('%s', (kind) => {
  let data: Buffer;
  beforeAll(async () => {
    data = await (formats[kind] as () => Promise<Buffer>)();
  });

  it('decodes to the original bytes, however the input is chunked', async () => {
    for (const size of [1, 7, 4096, 1 << 20]) {
      if (size === 1 && data.length > 20_000) continue;
      expect((await decode(data, { size })).equals(text)).toBe(true);
    }
  });

  it('decodes concatenated streams (multi-member gzip, two zstd frames, two xz streams, two bzip2 streams)', async () => {
    if (kind === 'zlib') return; // a zlib stream has no concatenated form
    expect((await decode(Buffer.concat([data, data]))).equals(Buffer.concat([text, text]))).toBe(true);
  });

  it('fails on every truncation, naming the file, never yielding a silent partial result', async () => {
    for (const cut of [10, Math.floor(data.length / 2), data.length - 1]) {
      const err = await failure(decode(data.subarray(0, cut)));
      expect(err.message).toMatch(/^test: file: /);
      expect(err.message).toMatch(/truncat|corrupt/);
    }
  });

  it('stops a bomb at maxBytes and at maxRatio, naming the limit', async () => {
    const bomb = kind === 'gzip' ? gzipSync(Buffer.alloc(64 << 20)) : kind === 'zlib' ? deflateSync(Buffer.alloc(64 << 20)) : await fixture(`bomb.${kind === 'bzip2' ? 'bz2' : kind === 'zstd' ? 'zst' : kind}`);
    const bytes = await failure(decode(bomb, { limits: { maxBytes: 8 << 20 } }));
    expect(bytes.message).toMatch(/^test: file: decodes to more than 8388608 bytes \(limit maxBytes\)/);
    expect(bytes.details).toEqual({ limit: 'maxBytes' });
    const ratio = await failure(decode(bomb, { limits: { maxRatio: 100, ratioFloorBytes: 1 << 20 } }));
    expect(ratio.message).toMatch(/^test: file: expands \d+× .*\(limit maxRatio\)/);
    // The real text, far below the ratio, passes the same limits.
    expect((await decode(data, { limits: { maxRatio: 100, ratioFloorBytes: 1 << 10 } })).equals(text)).toBe(true);
  });
});

describe('corruption and odd input', () => {
  it('notices a flipped byte through the checksums of gzip, bzip2 and xz', async () => {
    for (const name of ['text.txt.gz', 'text.txt.bz2', 'text.txt.xz']) {
      const data = Buffer.from(await fixture(name));
      data[data.length - 12] = (data[data.length - 12] as number) ^ 0x55;
      await failure(decode(data));
    }
  });

  it('refuses a zstd frame asking for a window over 128 MiB before allocating it', async () => {
    // Frame header: magic, descriptor 0 (window descriptor follows), window 2^(10+21) = 2 GiB.
    const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01, 0x00, 0x00]);
    const err = await failure(decode(header));
    expect(err.message).toBe('test: file: a zstd frame asks for a 2147483648-byte window, more than the 134217728 allowed (limit maxWindowBytes)');
  });

  it('refuses bytes after a zstd frame that are not a frame, and passes plain input through', async () => {
    const data = Buffer.concat([await fixture('text.txt.zst'), Buffer.from('garbage!')]);
    expect((await failure(decode(data))).message).toMatch(/^test: file: zstd data is not a zstd frame \(bad magic number\) at byte /);
    expect((await decode(text)).equals(text)).toBe(true);
    expect((await decode(Buffer.alloc(0))).length).toBe(0);
  });

  it('opens files by content, refusing a zip', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-decode-'));
    try {
      // A gzip file named .json: the name does not decide.
      const file = path.join(dir, 'data.json');
      await fs.writeFile(file, await fixture('text.txt.gz'));
      const { compression, stream } = await openDecoded(file, { label: 'x' });
      expect(compression).toBe('gzip');
      const out: Buffer[] = [];
      for await (const c of stream) out.push(c as Buffer);
      expect(Buffer.concat(out).equals(text)).toBe(true);
      await expect(openDecoded(path.join(FIXTURES, 'archive.zip'), { label: 'osv: all.zip' })).rejects.toThrow('osv: all.zip: is a zip archive, not a compressed file; read its entries instead');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('xz decoder lifecycle', () => {
  it('releases the decoder when a consumer stops early, so the next xz file still decodes (no hang)', async () => {
    const data = await fixture('text.txt.xz');
    for (let i = 0; i < 3; i++) {
      for await (const chunk of decodeBytes(chunks(data, 512), { label: 'x' })) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
    }
    expect((await decode(data)).equals(text)).toBe(true);
    // Two files consumed side by side each finish (xz-decompress runs one decoder at a time).
    const [a, b] = await Promise.all([decode(data, { size: 1000 }), decode(data, { size: 333 })]);
    expect(a.equals(text) && b.equals(text)).toBe(true);
  });
});
