import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarHeader, TarWriter } from '../../../bundles/tar.ts';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import { archiveEntries, readAll } from '../../../drivers/_framework/read/archive.ts';
import type { DecodeLimits } from '../../../drivers/_framework/read/limits.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/compressed');
let dir: string;
let text: Buffer;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-archive-'));
  text = await fs.readFile(path.join(FIXTURES, 'text.txt'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Reads every entry fully: name → content. */
async function contents(file: string, limits?: Partial<DecodeLimits>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of archiveEntries(file, { label: 'test: archive', ...(limits ? { limits } : {}) })) {
    const body = await readAll(e.body, 1 << 20, e.name);
    expect(body.length).toBe(e.size);
    out[e.name] = body.toString('utf8');
  }
  return out;
}

async function failure(p: Promise<unknown>): Promise<AirfeedError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AirfeedError);
  expect((err as AirfeedError).code).toBe('SOURCE_INVALID');
  return err as AirfeedError;
}

async function write(name: string, bytes: Buffer): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  return file;
}

const EXPECTED = (): Record<string, string> => ({
  '2024/cve-2024-0056.json': '{"document":{"title":"CVE-2024-0056"}}\n',
  '2024/cve-2024-0057.json': text.subarray(0, 5000).toString('utf8'),
  'index.txt': '2024/cve-2024-0056.json\n2024/cve-2024-0057.json\n',
});

describe('archives', () => {
  it.each(['archive.tar', 'archive.tar.gz', 'archive.tar.bz2', 'archive.tar.xz', 'archive.tar.zst', 'archive.zip'])('reads the regular files of %s, skipping directories', async (name) => {
    expect(await contents(path.join(FIXTURES, name))).toEqual(EXPECTED());
  });

  it('reads pax and GNU long names', async () => {
    const long = `osv/${'very-long-directory-name/'.repeat(8)}GHSA-xxxx-yyyy-zzzz.json`;
    for (const name of ['archive-pax.tar', 'archive-gnu.tar']) {
      expect(await contents(path.join(FIXTURES, name))).toEqual({ ...EXPECTED(), [long]: '{"id":"GHSA-xxxx-yyyy-zzzz"}' });
    }
  });

  it('skips the bodies a consumer does not read, and drops a leading ./', async () => {
    const file = path.join(dir, 'dot.tar');
    const w = await TarWriter.create(file, 0);
    await w.addBuffer('./a.json', Buffer.from('A'.repeat(3000)));
    await w.addBuffer('./b.json', Buffer.from('B'));
    await w.finish();
    const seen: string[] = [];
    for await (const e of archiveEntries(file, { label: 'x' })) {
      seen.push(e.name);
      if (e.name === 'b.json') expect((await readAll(e.body, 10, e.name)).toString()).toBe('B');
    }
    expect(seen).toEqual(['a.json', 'b.json']);
  });

  it('refuses links and names that escape, naming the archive and the entry', async () => {
    expect((await failure(contents(path.join(FIXTURES, 'symlink.tar')))).message).toBe('test: archive entry "2024/link.json": is a symbolic link; only regular files and directories are read');
    expect((await failure(contents(path.join(FIXTURES, 'symlink.zip')))).message).toBe('test: archive entry "PyPI/link.json": is a symbolic link; only regular files and directories are read');
    expect((await failure(contents(path.join(FIXTURES, 'traversal.tar')))).message).toBe('test: archive entry "../escape.json": has an unsafe name: it escapes its directory (`..`)');
    expect((await failure(contents(path.join(FIXTURES, 'traversal.zip')))).message).toMatch(/^test: archive: .*invalid relative path: \.\.\/escape\.json/);
    // A hard link header placed by hand after one regular entry.
    const file = path.join(dir, 'hard.tar');
    const w = await TarWriter.create(file, 0);
    await w.addBuffer('ok.json', Buffer.from('{}'));
    await w.finish();
    const bytes = await fs.readFile(file);
    const link = tarHeader({ name: 'x.json', size: 0, mtime: 0, type: '1', linkname: 'ok.json' });
    await fs.writeFile(file, Buffer.concat([bytes.subarray(0, 1024), link, bytes.subarray(1024)]));
    expect((await failure(contents(file))).message).toBe('test: archive entry "x.json": is a hard link; only regular files and directories are read');
  });

  it('fails on every truncation of a tar, including one cut exactly between entries', async () => {
    const tar = await fs.readFile(path.join(FIXTURES, 'archive.tar'));
    for (const cut of [100, 512, 1024, 1536 + 10, 3 * 512 + 512]) {
      const err = await failure(contents(await write('cut.tar', tar.subarray(0, cut))));
      expect(err.message).toMatch(/^test: archive.*truncated/);
    }
    // Cut after the last entry's data, before the end-of-archive marker.
    const lastEnd = (() => {
      // The end marker is the first all-zero header block after the entries.
      for (let at = 0; at < tar.length; at += 512) {
        const block = tar.subarray(at, at + 512);
        if (block.every((b) => b === 0)) return at;
        const size = parseInt(block.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim() || '0', 8);
        at += Math.ceil(size / 512) * 512;
      }
      return tar.length;
    })();
    expect((await failure(contents(await write('noend.tar', tar.subarray(0, lastEnd))))).message).toBe(`test: archive: ends at byte ${lastEnd} without the end-of-archive marker (truncated)`);
  });

  it('fails on truncated compressed tars and zips, naming the file', async () => {
    for (const name of ['archive.tar.gz', 'archive.tar.bz2', 'archive.tar.xz', 'archive.tar.zst', 'archive.zip']) {
      const bytes = await fs.readFile(path.join(FIXTURES, name));
      for (const cut of [Math.floor(bytes.length / 2), bytes.length - 1]) {
        const err = await failure(contents(await write(`cut-${name}`, bytes.subarray(0, cut))));
        expect(err.message).toMatch(/^test: archive/);
      }
    }
  });

  it('refuses a bad header checksum and data after the end marker', async () => {
    const tar = Buffer.from(await fs.readFile(path.join(FIXTURES, 'archive.tar')));
    const corrupt = Buffer.from(tar);
    corrupt[600] = 0x41; // inside the second header's name
    expect((await failure(contents(await write('bad.tar', corrupt)))).message).toBe('test: archive: has a header with a bad checksum at byte 512 (corrupt, or not a tar archive)');
    const trailing = Buffer.concat([tar, Buffer.from('junk')]);
    expect((await failure(contents(await write('trail.tar', trailing)))).message).toMatch(/^test: archive: has data after its end-of-archive marker/);
    expect((await failure(contents(await write('plain.txt', text)))).message).toBe('test: archive: has a header with a bad checksum at byte 0 (corrupt, or not a tar archive)');
  });

  it('enforces entry count, entry size and total size, naming the limit', async () => {
    const file = path.join(dir, 'many.tar.gz');
    const plain = path.join(dir, 'many.tar');
    const w = await TarWriter.create(plain, 0);
    for (let i = 0; i < 20; i++) await w.addBuffer(`f${String(i).padStart(2, '0')}.json`, Buffer.alloc(1000, 0x61));
    await w.finish();
    await fs.writeFile(file, gzipSync(await fs.readFile(plain)));
    expect(Object.keys(await contents(file))).toHaveLength(20);
    expect((await failure(contents(file, { maxEntries: 10 }))).message).toMatch(/^test: archive: holds more than 10 entries \(limit maxEntries\)/);
    expect((await failure(contents(file, { maxEntryBytes: 999 }))).message).toMatch(/^test: archive entry "f00\.json": is 1000 bytes, more than 999 \(limit maxEntryBytes\)/);
    expect((await failure(contents(plain, { maxBytes: 5000 }))).message).toMatch(/^test: archive: holds more than 5000 bytes of files \(limit maxBytes\)/);
    // Compressed, the decoder's own count of the same limit trips first.
    expect((await failure(contents(file, { maxBytes: 5000 }))).message).toMatch(/^test: archive: decodes to more than 5000 bytes \(limit maxBytes\)/);
    // Zip: from the central directory, before reading.
    const zip = path.join(FIXTURES, 'bomb.zip');
    expect((await failure(contents(zip, { maxEntryBytes: 1 << 20 }))).message).toMatch(/^test: archive entry "zeros\.json": is 67108864 bytes, more than 1048576 \(limit maxEntryBytes\)/);
    expect((await failure(contents(zip, { maxRatio: 100, ratioFloorBytes: 1 << 20 }))).message).toMatch(/^test: archive entry "zeros\.json": expands \d+× .*\(limit maxRatio\)/);
    expect((await failure(contents(path.join(FIXTURES, 'archive.zip'), { maxEntries: 2 }))).message).toMatch(/^test: archive: holds 4 entries, more than 2 \(limit maxEntries\)/);
  });

  it('stops a compressed tar bomb through the decompression limits', async () => {
    // 64 MiB of zeros is a valid (empty) tar stream: the end marker then zero padding.
    expect((await failure(contents(path.join(FIXTURES, 'bomb.zst'), { maxBytes: 4 << 20 }))).message).toMatch(/limit maxBytes/);
  });
});

describe('partly read entries', () => {
  it('skips the rest of a body read only in part', async () => {
    const file = path.join(dir, 'partial.tar');
    const w = await TarWriter.create(file, 0);
    await w.addBuffer('big.json', Buffer.alloc(200_000, 0x61));
    await w.addBuffer('small.json', Buffer.from('{"ok":true}'));
    await w.finish();
    const seen: Record<string, number> = {};
    for await (const e of archiveEntries(file, { label: 'x' })) {
      let got = 0;
      for await (const part of e.body) {
        got += part.length;
        if (e.name === 'big.json') break;
      }
      seen[e.name] = got;
    }
    expect(seen['small.json']).toBe(11);
    expect(seen['big.json']).toBeGreaterThan(0);
    expect(seen['big.json']).toBeLessThan(200_000);
  });
});
