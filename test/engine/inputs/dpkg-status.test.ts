/** dpkg's /var/lib/dpkg/status: installed packages only, Source rules, and the malformed variants. */
import { describe, expect, it } from 'vitest';
import { parseDpkgStatus } from '../../../engine-client/inputs/dpkg-status.ts';
import { parseInput } from '../../../engine-client/inputs/index.ts';
import type { InstalledPackage } from '../../../engine-client/inputs/types.ts';
import { fixture, rejection, withTempDir, writeTemp } from './helpers.ts';

describe('dpkg status', () => {
  const file = fixture('dpkg-status');
  const deb = (name: string, version: string, line: number, source?: InstalledPackage['source']): InstalledPackage =>
    source === undefined ? { name, version, kind: 'deb', location: `${file}:${line}` } : { name, version, kind: 'deb', source, location: `${file}:${line}` };

  it('lists the installed packages with their source packages, in file order', async () => {
    const inv = await parseDpkgStatus(file);
    expect(inv.format).toBe('dpkg-status');
    expect(inv.distro).toBeUndefined();
    expect(inv.packages).toStrictEqual([
      deb('base-files', '12.4+deb12u7', 1),
      deb('gcc-12-base', '12.2.0-14', 26, { name: 'gcc-12' }),
      deb('libgcc-s1', '12.2.0-14', 42, { name: 'gcc-12' }),
      deb('libc6', '2.36-9+deb12u8', 62, { name: 'glibc' }),
      deb('libc-bin', '2.36-9+deb12u8', 85, { name: 'glibc' }),
      deb('libssl3', '3.0.14-1~deb12u2', 113, { name: 'openssl' }),
      deb('openssl', '3.0.14-1~deb12u2', 131),
      deb('zlib1g', '1:1.2.13.dfsg-1', 148, { name: 'zlib' }),
      // the binary has an epoch its source lacks: versions are recorded as written, none invented
      deb('libbpf1', '1:1.1.2-0+deb12u1', 167, { name: 'libbpf' }),
      // binNMU with a bare Source: the source version is the binary's without +b3
      deb('libcap-ng0', '0.8.3-1+b3', 183, { name: 'libcap-ng', version: '0.8.3-1' }),
      deb('bash', '5.2.15-2+b7', 199, { name: 'bash', version: '5.2.15-2' }),
      deb('libtinfo6', '6.4-4', 227, { name: 'ncurses' }),
      deb('ncurses-base', '6.4-4', 243, { name: 'ncurses' }),
      deb('libsystemd0', '252.30-1~deb12u2', 261, { name: 'systemd' }),
      deb('coreutils', '9.1-1', 276),
      deb('tzdata', '2024a-0+deb12u1', 292), // Status: hold ok installed
      deb('postgresql-client-common', '248+deb12u1', 309, { name: 'postgresql-common' }),
      deb('postgresql', '15+248+deb12u1', 323, { name: 'postgresql-common', version: '248+deb12u1' }),
      // postgresql-15 (deinstall ok config-files) is not installed and is left out
      deb('libpcre2-8-0', '10.42-1', 355, { name: 'pcre2' }),
      deb('mawk', '1.3.4.20200120-3.1', 372),
    ]);
  });

  it('skips config-files and half-installed stanzas, even without a Version', async () => {
    await withTempDir(async (dir) => {
      const text = [
        'Package: gone', 'Status: deinstall ok config-files', 'Architecture: amd64', '',
        'Package: half', 'Status: install reinstreq half-installed', 'Version: 1.0-1', '',
        'Package: purged', 'Status: purge ok not-installed', '',
        'Package: kept', 'Status: install ok installed', 'Version: 2.0-1+b1', 'Description: x', ' more text', '',
      ].join('\n');
      const f = await writeTemp(dir, 'status', text);
      // no Source field, but a binNMU: the source has the binary's name and the version without +b1
      expect((await parseDpkgStatus(f)).packages).toStrictEqual([{ name: 'kept', version: '2.0-1+b1', kind: 'deb', source: { name: 'kept', version: '2.0-1' }, location: `${f}:12` }]);
    });
  });

  it('counts packages whose files are unpacked as installed: triggers-pending, triggers-awaited, half-configured, unpacked', async () => {
    await withTempDir(async (dir) => {
      const stanza = (name: string, status: string) => [`Package: ${name}`, `Status: ${status}`, 'Version: 1.0-1', ''];
      const text = [
        ...stanza('a', 'install ok triggers-pending'), ...stanza('b', 'install ok triggers-awaited'),
        ...stanza('c', 'install ok half-configured'), ...stanza('d', 'install ok unpacked'), ...stanza('e', 'install reinstreq half-installed'),
      ].join('\n');
      const f = await writeTemp(dir, 'status', text);
      expect((await parseDpkgStatus(f)).packages.map((p) => p.name)).toEqual(['a', 'b', 'c', 'd']);
    });
  });

  it('reads CRLF line ends and field names in any case', async () => {
    await withTempDir(async (dir) => {
      const f = await writeTemp(dir, 'status', 'Package: zlib1g\r\nstatus: install ok installed\r\nSOURCE: zlib\r\nVersion: 1:1.2.13.dfsg-1\r\n');
      expect((await parseInput(f)).packages).toStrictEqual([{ name: 'zlib1g', version: '1:1.2.13.dfsg-1', kind: 'deb', source: { name: 'zlib' }, location: `${f}:1` }]);
    });
  });

  it('rejects an installed package without Version, naming the stanza line', async () => {
    const bad = fixture('dpkg-status-no-version');
    const err = await rejection(parseInput(bad));
    expect(err.message).toBe(`${bad}:11: package libc6 has no Version`);
    expect(err.details).toStrictEqual({ file: bad, line: 11 });
  });

  it('rejects a line that is neither a field nor a continuation', async () => {
    const bad = fixture('dpkg-status-bad-line');
    const err = await rejection(parseDpkgStatus(bad));
    expect(err.message).toBe(`${bad}:11: line "Version 2.36-9+deb12u8" is not "Field: value" or a continuation line`);
  });

  it('rejects a Source field that is not "name" or "name (version)"', async () => {
    const bad = fixture('dpkg-status-bad-source');
    const err = await rejection(parseDpkgStatus(bad));
    expect(err.message).toBe(`${bad}:1: package libssl3 has Source "openssl (3.0.14-1~deb12u2", not "name" or "name (version)"`);
  });

  it('rejects a continuation line at the start of a stanza, a stanza without Package, and a duplicate field', async () => {
    await withTempDir(async (dir) => {
      const f1 = await writeTemp(dir, 's1', 'Package: a\nStatus: install ok installed\nVersion: 1\n\n continued\n');
      expect((await rejection(parseDpkgStatus(f1))).message).toBe(`${f1}:5: continuation line " continued" is not inside a field`);
      const f2 = await writeTemp(dir, 's2', 'Status: install ok installed\nVersion: 1\n');
      expect((await rejection(parseDpkgStatus(f2))).message).toBe(`${f2}:1: stanza has no Package field`);
      const f3 = await writeTemp(dir, 's3', 'Package: a\nStatus: install ok installed\nVersion: 1\nVersion: 2\n');
      expect((await rejection(parseDpkgStatus(f3))).message).toBe(`${f3}:4: field Version appears twice in the stanza at line 1`);
      const f4 = await writeTemp(dir, 's4', 'Package: a\nVersion: 1\n');
      expect((await rejection(parseDpkgStatus(f4))).message).toBe(`${f4}:1: package a has no Status`);
      const f5 = await writeTemp(dir, 's5', 'Package: a\nStatus: installed\nVersion: 1\n');
      expect((await rejection(parseDpkgStatus(f5))).message).toBe(`${f5}:1: package a has Status "installed", not "<want> <flag> <status>"`);
    });
  });
});
