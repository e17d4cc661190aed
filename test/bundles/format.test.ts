/** The pieces of the bundle format, without a database: tar, manifest, lines, members, keys. */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyFiles, keyIdOf, loadPrivateKey, loadTrust } from '../../bundles/keys.ts';
import { deriveBundleId, type Manifest, memberPath, parseDuration, sha256, validateManifest } from '../../bundles/manifest.ts';
import { memberLines, MemberWriter, parseLine, recordLine, tombstoneLine } from '../../bundles/members.ts';
import { tarHeader, TarReader, TarWriter, unsafePathReason } from '../../bundles/tar.ts';
import { tempDir } from '../helpers/mirror.ts';
import { haveCommand, skipUnless } from '../helpers/skip.ts';

let dir: string;

beforeAll(async () => {
  dir = await tempDir('airfeed-format-');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('tar', () => {
  it('writes fixed headers and reads back what it wrote', async () => {
    const file = path.join(dir, 'a.tar');
    const src = path.join(dir, 'src.bin');
    await fs.writeFile(src, Buffer.alloc(3000, 7));
    const w = await TarWriter.create(file, 1_735_689_600);
    await w.addBuffer('manifest.json', Buffer.from('{}'));
    await w.addFile('data/x%3Ay/records-000000.ndjson.gz', src);
    await w.finish();
    const r = await TarReader.open(file);
    const e1 = await r.next();
    expect(e1).toMatchObject({ name: 'manifest.json', size: 2 });
    const e2 = await r.next();
    expect(e2).toMatchObject({ name: 'data/x%3Ay/records-000000.ndjson.gz', size: 3000 });
    expect(Buffer.concat(await collect(r.body(e2!)))).toEqual(Buffer.alloc(3000, 7));
    expect(await r.next()).toBeUndefined();
    await r.close();
    expect(tarHeader({ name: 'a', size: 1, mtime: 5 })).toEqual(tarHeader({ name: 'a', size: 1, mtime: 5 }));
  });

  it('is read by GNU tar, and refuses what GNU tar adds (directories, pax headers)', skipUnless(haveCommand('tar'), 'tar is not installed'), async () => {
    const file = path.join(dir, 'b.tar');
    const w = await TarWriter.create(file, 0);
    await w.addBuffer('hello.txt', Buffer.from('hi\n'));
    await w.finish();
    const out = spawnSync('tar', ['-xOf', file, 'hello.txt'], { encoding: 'utf8' });
    expect(out.stdout).toBe('hi\n');
    await fs.mkdir(path.join(dir, 'tree/sub'), { recursive: true });
    await fs.writeFile(path.join(dir, 'tree/sub/f'), 'x');
    const gnu = path.join(dir, 'gnu.tar');
    spawnSync('tar', ['-cf', gnu, '-C', path.join(dir, 'tree'), 'sub']);
    const r = await TarReader.open(gnu);
    await expect(r.next()).rejects.toThrow(/tar entry "sub\/" is a directory entry/);
    await r.close();
    const pax = path.join(dir, 'pax.tar');
    spawnSync('tar', ['--format=pax', '-cf', pax, '-C', path.join(dir, 'tree'), 'sub/f']);
    const p = await TarReader.open(pax);
    await expect(p.next()).rejects.toThrow(/pax extended header/);
    await p.close();
  });

  it('names unsafe paths', () => {
    expect(unsafePathReason('data/a%3Ab/records-000000.ndjson.gz')).toBeUndefined();
    expect(unsafePathReason('../x')).toMatch(/escapes/);
    expect(unsafePathReason('data/../../x')).toMatch(/escapes/);
    expect(unsafePathReason('/etc/passwd')).toMatch(/absolute/);
    expect(unsafePathReason('C:/x')).toMatch(/relative POSIX/);
    expect(unsafePathReason('a\\b')).toMatch(/relative POSIX/);
    expect(unsafePathReason('a//b')).toMatch(/empty or `.`/);
    expect(unsafePathReason('./a')).toMatch(/empty or `.`/);
    expect(unsafePathReason('')).toMatch(/empty name/);
  });
});

describe('manifest', () => {
  const good = (): Manifest => {
    const body = {
      formatVersion: 1 as const,
      producer: { name: 'airfeed', version: '0.1.0', keyId: 'a'.repeat(64) },
      created: '2025-01-01T00:00:00.000Z',
      expires: null,
      kind: 'full' as const,
      base: null,
      groups: [{ name: 'alpine:3.20', feed: 'vulnerabilities', driver: 'alpine', description: '', fromSeq: 0, toSeq: 9, records: 3, tombstones: 0 }],
      members: [{ path: memberPath('alpine:3.20', 'records', 0), group: 'alpine:3.20', size: 10, sha256: 'b'.repeat(64), records: 3, tombstones: 0, uncompressedSize: 99 }],
    };
    return { ...body, bundleId: deriveBundleId(body) };
  };

  it('derives a readable, content-bound bundle id and percent-encodes member paths', () => {
    expect(good().bundleId).toMatch(/^full-20250101T000000Z-[0-9a-f]{16}$/);
    expect(memberPath('alpine:3.20', 'tombstones', 12)).toBe('data/alpine%3A3.20/tombstones-000012.ndjson.gz');
    expect(validateManifest(good(), undefined, 'x')).toEqual(good());
  });

  it('refuses inconsistent manifests, saying why', () => {
    const m = good();
    expect(() => validateManifest({ ...m, members: [{ ...m.members[0], records: 2 }] }, undefined, 'b.tar')).toThrow(
      /b\.tar: manifest\.json is invalid: group alpine:3\.20 declares 3 records and 0 tombstones but its members hold 2 and 0/,
    );
    expect(() => validateManifest({ ...m, kind: 'delta' }, undefined, 'b.tar')).toThrow(/a delta bundle must name a base/);
    expect(() => validateManifest({ ...m, members: [{ ...m.members[0], path: '../x' }] }, undefined, 'b.tar')).toThrow(/escapes/);
    expect(() => validateManifest({ ...m, extra: 1 }, undefined, 'b.tar')).toThrow(/Unrecognized key/);
    expect(() => validateManifest(m, Buffer.from(JSON.stringify(m, null, 1)), 'b.tar')).toThrow(/not in canonical form/);
  });

  it('parses durations', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
    expect(() => parseDuration('0d')).toThrow(/not a duration/);
  });
});

describe('data members', () => {
  it('parses the two line layouts exactly, and nothing else', () => {
    const doc = '{"id":"CVE-1","namespace":"a:b"}';
    const rec = parseLine(Buffer.from(recordLine('CVE-1', sha256(doc), doc).trimEnd()));
    expect(rec).toMatchObject({ id: 'CVE-1', deleted: false, hash: sha256(doc) });
    expect(typeof rec === 'object' && rec.doc?.toString()).toBe(doc);
    expect(parseLine(Buffer.from(tombstoneLine('we"ird\\id').trimEnd()))).toMatchObject({ id: 'we"ird\\id', deleted: true });
    expect(parseLine(Buffer.from('{"hash":"x","id":"a"}'))).toMatch(/does not start/);
    expect(parseLine(Buffer.from('{"id":"a","deleted":false}'))).toMatch(/neither "hash" nor "deleted"/);
    expect(parseLine(Buffer.from(`{"id":"a","hash":"${'A'.repeat(64)}","doc":{}}`))).toMatch(/64 lowercase hex/);
    expect(parseLine(Buffer.from(`{"id":"a","hash":"${'a'.repeat(64)}","doc":[]}`))).toMatch(/not a JSON object/);
    expect(parseLine(Buffer.from('{"id":"","deleted":true}'))).toMatch(/empty id/);
  });

  it('writes gzip with a fixed header and reads it back within the declared size only', async () => {
    const file = path.join(dir, 'm.gz');
    const w = new MemberWriter(file);
    const lines = Array.from({ length: 1000 }, (_, i) => tombstoneLine(`CVE-${i}`));
    for (const l of lines) await w.write(l);
    const stats = await w.finish();
    const bytes = await fs.readFile(file);
    expect(bytes.subarray(0, 9)).toEqual(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0])); // no name, mtime 0
    expect(stats).toEqual({ size: bytes.length, sha256: sha256(bytes), uncompressedSize: Buffer.byteLength(lines.join('')) });
    expect(zlib.gunzipSync(bytes).toString()).toBe(lines.join(''));
    const check = { label: 'b.tar', path: 'data/m.gz', ...stats };
    const read = await collect(memberLines([bytes], check));
    expect(read.map((b) => `${b.toString()}\n`)).toEqual(lines);
    await expect(collect(memberLines([bytes], { ...check, uncompressedSize: 100 }))).rejects.toThrow(/decompresses beyond its declared size of 100 bytes/);
    await expect(collect(memberLines([bytes.subarray(0, 20)], check))).rejects.toThrow(/not valid gzip|ends in the middle|bytes but the manifest/);
    await expect(collect(memberLines([zlib.gzipSync('no newline')], { ...check, uncompressedSize: 10 }))).rejects.toThrow(/ends in the middle of a line/);
  });
});

describe('keys', () => {
  it('writes the private key for its owner only, and never overwrites', async () => {
    const k = await generateKeyFiles(path.join(dir, 'keys'), 'site');
    expect((await fs.stat(k.privateFile)).mode & 0o777).toBe(0o600);
    expect(keyIdOf(await loadPrivateKey(k.privateFile))).toBe(k.keyId);
    const trusted = path.join(dir, 'trusted');
    await fs.mkdir(trusted);
    await fs.copyFile(k.publicFile, path.join(trusted, 'site.pub.pem'));
    expect([...(await loadTrust([trusted])).keys.keys()]).toEqual([k.keyId]);
    // A directory holding a private key is refused as a whole: private keys never belong in a trust store.
    await expect(loadTrust([path.join(dir, 'keys')])).rejects.toThrow(/site\.key\.pem holds a private key/);
    await expect(generateKeyFiles(path.join(dir, 'keys'), 'site')).rejects.toThrow(/already exists/);
    await expect(loadTrust([k.privateFile])).rejects.toThrow(/holds a private key; trust takes public keys only/);
    await expect(loadTrust([path.join(dir, 'nope')])).rejects.toThrow(/does not exist/);
    const rsa = path.join(dir, 'rsa.pem');
    await fs.writeFile(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
    await expect(loadTrust([rsa])).rejects.toThrow(/is a rsa key, not Ed25519/);
  });

  it('uses the sha256 of the raw public key as id, as openssl computes it', skipUnless(haveCommand('openssl'), 'openssl is not installed'), async () => {
    const k = await generateKeyFiles(path.join(dir, 'keys2'));
    const der = spawnSync('openssl', ['pkey', '-pubin', '-in', k.publicFile, '-outform', 'DER']).stdout;
    expect(sha256(der.subarray(der.length - 32))).toBe(k.keyId);
  });
});
