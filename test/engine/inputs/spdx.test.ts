/** SPDX 2.3 JSON: purls from externalRefs, the OPERATING-SYSTEM package, and bad documents. */
import { describe, expect, it } from 'vitest';
import { parseInput } from '../../../engine-client/inputs/index.ts';
import { spdxFromJson } from '../../../engine-client/inputs/spdx.ts';
import { fixture, rejection, thrown } from './helpers.ts';

describe('SPDX 2.3 from syft (Debian image)', () => {
  const file = fixture('spdx-2.3-debian.json');
  const at = (i: number) => `${file}#/packages/${i}`;

  it('reads packages with a package-manager purl, and the distro from the OPERATING-SYSTEM package', async () => {
    const inv = await parseInput(file);
    expect(inv.format).toBe('spdx');
    expect(inv.distro).toStrictEqual({ id: 'debian', release: '12' });
    expect(inv.packages).toStrictEqual([
      // 0 is the image (no purl), 1 the operating system
      {
        name: 'libssl3', version: '3.0.11-1~deb12u2', kind: 'deb', source: { name: 'openssl' }, location: at(2),
        purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl&distro=debian-12',
      },
      // percent-encoded epoch in the purl version; upstream without a version: none is invented
      {
        name: 'libbpf1', version: '1:1.1.2-0+deb12u1', kind: 'deb', source: { name: 'libbpf' }, location: at(3),
        purl: 'pkg:deb/debian/libbpf1@1%3A1.1.2-0%2Bdeb12u1?arch=amd64&upstream=libbpf&distro=debian-12',
      },
      // upstream=name@version
      {
        name: 'postgresql', version: '15+248+deb12u1', kind: 'deb', source: { name: 'postgresql-common', version: '248+deb12u1' }, location: at(4),
        purl: 'pkg:deb/debian/postgresql@15%2B248%2Bdeb12u1?arch=all&upstream=postgresql-common%40248%2Bdeb12u1&distro=debian-12',
      },
      // PACKAGE_MANAGER (the SPDX 2.2 spelling); binNMU rule on the bare upstream
      {
        name: 'libcap-ng0', version: '0.8.3-1+b3', kind: 'deb', source: { name: 'libcap-ng', version: '0.8.3-1' }, location: at(5),
        purl: 'pkg:deb/debian/libcap-ng0@0.8.3-1%2Bb3?arch=amd64&upstream=libcap-ng&distro=debian-12',
      },
      { name: '@babel/core', version: '7.0.0', kind: 'npm', location: at(6), purl: 'pkg:npm/%40babel/core@7.0.0' },
      // the purl has no version: versionInfo gives it
      { name: 'psycopg2', version: '2.9.9', kind: 'pypi', location: at(7), purl: 'pkg:pypi/psycopg2' },
      // 8 has only a cpe23Type reference: not a package the engine can match
    ]);
    expect(inv.skipped).toBeUndefined();
  });

  it('takes the distro from purl qualifiers when no package is the operating system', () => {
    const inv = spdxFromJson(
      {
        spdxVersion: 'SPDX-2.3',
        packages: [{ name: 'musl', versionInfo: 'NOASSERTION', externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: 'pkg:apk/alpine/musl@1.2.5-r0?distro=alpine-3.20.3' }] }],
      },
      's.json',
    );
    expect(inv).toStrictEqual({
      file: 's.json',
      format: 'spdx',
      distro: { id: 'alpine', release: '3.20' },
      packages: [{ name: 'musl', version: '1.2.5-r0', kind: 'apk', location: 's.json#/packages/0', purl: 'pkg:apk/alpine/musl@1.2.5-r0?distro=alpine-3.20.3' }],
    });
  });

  it('rejects an unsupported spdxVersion', () => {
    expect(thrown(() => spdxFromJson({ spdxVersion: 'SPDX-3.0' }, 'v.json')).message).toBe('v.json#/spdxVersion: spdxVersion "SPDX-3.0" is not supported (SPDX-2.2, SPDX-2.3 are)');
  });

  it('rejects an external reference without a locator, at its JSON path', async () => {
    const bad = fixture('spdx-bad-ref.json');
    const err = await rejection(parseInput(bad));
    expect(err.message).toBe(`${bad}#/packages/1/externalRefs/1/referenceLocator: not an SPDX package: Invalid input: expected string, received undefined`);
  });
});
