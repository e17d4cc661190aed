/** Alpine's /lib/apk/db/installed: every package with its origin, and the malformed variants. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseApkInstalled } from '../../../engine-client/inputs/apk-installed.ts';
import { parseInput } from '../../../engine-client/inputs/index.ts';
import { fixture, rejection, withTempDir, writeTemp } from './helpers.ts';

/** [name, version, origin, line of the record] as written in the fixture (Alpine 3.20 versions). */
const EXPECTED: [string, string, string, number][] = [
  ['alpine-baselayout-data', '3.6.5-r0', 'alpine-baselayout', 1],
  ['musl', '1.2.5-r0', 'musl', 34],
  ['busybox', '1.36.1-r29', 'busybox', 55],
  ['busybox-binsh', '1.36.1-r29', 'busybox', 80],
  ['alpine-baselayout', '3.6.5-r0', 'alpine-baselayout', 98],
  ['alpine-keys', '2.4-r1', 'alpine-keys', 119],
  ['ca-certificates-bundle', '20240705-r0', 'ca-certificates', 137],
  ['libcrypto3', '3.3.2-r0', 'openssl', 155],
  ['libssl3', '3.3.2-r0', 'openssl', 173],
  ['ssl_client', '1.36.1-r29', 'busybox', 191],
  ['zlib', '1.3.1-r1', 'zlib', 209],
  ['apk-tools', '2.14.4-r1', 'apk-tools', 230],
  ['scanelf', '1.3.7-r2', 'pax-utils', 248],
  ['musl-utils', '1.2.5-r0', 'musl', 266],
  ['libc-utils', '0.7.2-r5', 'libc-dev', 293],
  ['alpine-release', '3.20.3-r0', 'alpine-base', 307],
  ['ca-certificates', '20240705-r0', 'ca-certificates', 331],
  ['brotli-libs', '1.1.0-r2', 'brotli', 349],
  ['c-ares', '1.33.1-r0', 'c-ares', 370],
  ['libunistring', '1.2-r0', 'libunistring', 388],
  ['libidn2', '2.3.7-r0', 'libidn2', 406],
  ['nghttp2-libs', '1.62.1-r0', 'nghttp2', 424],
  ['libpsl', '0.21.5-r1', 'libpsl', 442],
  ['zstd-libs', '1.5.6-r0', 'zstd', 460],
  ['libcurl', '8.9.1-r2', 'curl', 478],
  ['curl', '8.9.1-r2', 'curl', 497],
  ['libexpat', '2.6.3-r0', 'expat', 515],
  ['libgcc', '13.2.1_git20240309-r0', 'gcc', 533],
  ['libstdc++', '13.2.1_git20240309-r0', 'gcc', 551],
  ['ncurses-terminfo-base', '6.4_p20240420-r1', 'ncurses', 569],
  ['libncursesw', '6.4_p20240420-r1', 'ncurses', 590],
  ['readline', '8.2.10-r0', 'readline', 608],
  ['bash', '5.2.26-r0', 'bash', 626],
  ['xz-libs', '5.6.2-r0', 'xz', 644],
  ['libxml2', '2.12.7-r0', 'libxml2', 662],
  ['sqlite-libs', '3.45.3-r1', 'sqlite', 680],
  ['pcre2', '10.43-r0', 'pcre2', 698],
  ['tzdata', '2024b-r0', 'tzdata', 716],
];

describe('apk installed database', () => {
  const file = fixture('apk-installed');

  it('lists every package in file order with version, origin as source, and the record line', async () => {
    const inv = await parseApkInstalled(file);
    expect(inv.format).toBe('apk-installed');
    expect(inv.file).toBe(file);
    expect(inv.distro).toBeUndefined();
    expect(inv.packages).toStrictEqual(
      EXPECTED.map(([name, version, origin, line]) => ({ name, version, kind: 'apk', source: { name: origin }, location: `${file}:${line}` })),
    );
  });

  it('points each location at the C: line that opens the record of that package', async () => {
    const lines = (await readFile(file, 'utf8')).split('\n');
    for (const [name, version, origin, line] of EXPECTED) {
      expect(lines[line - 1]).toMatch(/^C:Q1/);
      expect(lines[line]).toBe(`P:${name}`);
      expect(lines[line + 1]).toBe(`V:${version}`);
      expect(lines.slice(line, line + 12)).toContain(`o:${origin}`);
    }
  });

  it('keeps binaries whose origin differs from their name (the source the advisories use)', async () => {
    const inv = await parseInput(file);
    const byName = new Map(inv.packages.map((p) => [p.name, p.source?.name]));
    expect(byName.get('libcrypto3')).toBe('openssl');
    expect(byName.get('libssl3')).toBe('openssl');
    expect(byName.get('musl-utils')).toBe('musl');
    expect(byName.get('busybox-binsh')).toBe('busybox');
    expect(byName.get('ssl_client')).toBe('busybox');
    expect(byName.get('libexpat')).toBe('expat');
    expect(byName.get('libcurl')).toBe('curl');
    expect(byName.get('scanelf')).toBe('pax-utils');
  });

  it('reads a last record with no trailing blank line, and a record without o:', async () => {
    await withTempDir(async (dir) => {
      const f = await writeTemp(dir, 'installed', 'C:Q1abc=\nP:musl\nV:1.2.5-r0\no:musl\n\nP:zlib\nV:1.3.1-r1');
      expect((await parseApkInstalled(f)).packages).toStrictEqual([
        { name: 'musl', version: '1.2.5-r0', kind: 'apk', source: { name: 'musl' }, location: `${f}:1` },
        { name: 'zlib', version: '1.3.1-r1', kind: 'apk', location: `${f}:6` },
      ]);
    });
  });

  it('rejects a line that is not KEY:value, naming file and line', async () => {
    const bad = fixture('apk-installed-bad-line');
    const err = await rejection(parseInput(bad));
    expect(err.message).toBe(`${bad}:15: line "Pxyz" is not KEY:value`);
    expect(err.details).toStrictEqual({ file: bad, line: 15 });
  });

  it('rejects a package without V:, naming where the record ends and where it starts', async () => {
    const bad = fixture('apk-installed-no-version');
    const err = await rejection(parseInput(bad, { format: 'apk-installed' }));
    expect(err.message).toBe(`${bad}:20: package at line 11 has no V: (version)`);
  });

  it('rejects two packages run together (a second P: in one record)', async () => {
    const bad = fixture('apk-installed-no-blank');
    const err = await rejection(parseApkInstalled(bad));
    expect(err.message).toBe(`${bad}:6: second P: in the package at line 1 (is the blank line between packages missing?)`);
  });

  it('rejects a record without P:', async () => {
    await withTempDir(async (dir) => {
      const f = await writeTemp(dir, 'installed', 'P:musl\nV:1.2.5-r0\n\nC:Q1abc=\nV:1.3.1-r1\n\n');
      const err = await rejection(parseApkInstalled(f));
      expect(err.message).toBe(`${f}:6: package at line 4 has no P: (name)`);
    });
  });

  it('reports a missing file as SCAN_INPUT_INVALID with the cause', async () => {
    const missing = fixture('no-such-installed');
    const err = await rejection(parseApkInstalled(missing));
    expect(err.message).toBe(`cannot read input ${missing}: it does not exist`);
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});
