/** syft's native JSON: artifacts with type-specific metadata, the distro block, and bad documents. */
import { describe, expect, it } from 'vitest';
import { parseInput } from '../../../engine-client/inputs/index.ts';
import { syftFromJson } from '../../../engine-client/inputs/syft.ts';
import { fixture, rejection } from './helpers.ts';

describe('syft JSON (Rocky Linux 9 image)', () => {
  const file = fixture('syft-rocky9.json');
  const at = (i: number) => `${file}#/artifacts/${i}`;

  it('reads rpm metadata (sourceRpm, epoch) and every language ecosystem; the distro is rhel:9', async () => {
    const inv = await parseInput(file);
    expect(inv.format).toBe('syft');
    expect(inv.distro).toStrictEqual({ id: 'rhel', release: '9', rebuild: 'rocky' });
    expect(inv.packages).toStrictEqual([
      {
        name: 'openssl-libs', version: '1:3.0.7-27.el9.0.2', kind: 'rpm', source: { name: 'openssl', version: '1:3.0.7-27.el9.0.2' }, location: at(0),
        purl: 'pkg:rpm/rocky/openssl-libs@3.0.7-27.el9.0.2?arch=x86_64&epoch=1&upstream=openssl-3.0.7-27.el9.0.2.src.rpm&distro=rocky-9.4',
        // syft's `"modularityLabel": ""`: known to be in no module.
        module: '',
      },
      {
        name: 'glibc', version: '2.34-100.el9_4.2', kind: 'rpm', source: { name: 'glibc', version: '2.34-100.el9_4.2' }, location: at(1),
        purl: 'pkg:rpm/rocky/glibc@2.34-100.el9_4.2?arch=x86_64&upstream=glibc-2.34-100.el9_4.2.src.rpm&distro=rocky-9.4',
      },
      // no purl: kind from the syft type, source from metadata.sourceRpm
      { name: 'python3-libs', version: '3.9.18-3.el9_4.5', kind: 'rpm', source: { name: 'python3.9', version: '3.9.18-3.el9_4.5' }, location: at(2) },
      { name: 'urllib3', version: '1.26.5', kind: 'pypi', location: at(3), purl: 'pkg:pypi/urllib3@1.26.5' },
      { name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1', kind: 'maven', location: at(4), purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1' },
      // no purl: the maven name from pomProperties
      { name: 'com.fasterxml.jackson.core:jackson-databind', version: '2.13.4.2', kind: 'maven', location: at(5) },
      { name: 'golang.org/x/crypto', version: 'v0.17.0', kind: 'go', location: at(6), purl: 'pkg:golang/golang.org/x/crypto@v0.17.0' },
      { name: 'tokio', version: '1.35.1', kind: 'cargo', location: at(7), purl: 'pkg:cargo/tokio@1.35.1' },
      { name: 'System.Text.Json', version: '8.0.0', kind: 'nuget', location: at(8), purl: 'pkg:nuget/System.Text.Json@8.0.0' },
      { name: 'nokogiri', version: '1.15.4', kind: 'gem', location: at(9), purl: 'pkg:gem/nokogiri@1.15.4' },
      { name: 'monolog/monolog', version: '2.9.1', kind: 'composer', location: at(10), purl: 'pkg:composer/monolog/monolog@2.9.1' },
    ]);
    // a binary classifier match without purl: software the engine cannot match, so reported
    expect(inv.skipped).toStrictEqual([{ location: at(11), reason: 'syft package type "binary" is not one the engine matches' }]);
  });
});

describe('syft JSON (Ubuntu 22.04 and Alpine edge images)', () => {
  it('reads deb metadata source and sourceVersion', async () => {
    const file = fixture('syft-ubuntu2204.json');
    const inv = await parseInput(file);
    expect(inv.distro).toStrictEqual({ id: 'ubuntu', release: '22.04' });
    expect(inv.packages.map((p) => [p.name, p.version, p.source])).toStrictEqual([
      ['libc6', '2.35-0ubuntu3.8', { name: 'glibc' }],
      ['libssh-4', '0.9.6-2ubuntu0.22.04.3', { name: 'libssh' }],
      ['libgpm2', '1.20.7-10build1', { name: 'gpm', version: '1.20.7-10' }],
      ['bash', '5.1-6ubuntu1.1', undefined],
    ]);
    expect(inv.packages[3]).not.toHaveProperty('source');
  });

  it('reads apk originPackage, and an Alpine prerelease VERSION_ID as edge', async () => {
    const file = fixture('syft-alpine-edge.json');
    const inv = await parseInput(file);
    expect(inv.distro).toStrictEqual({ id: 'alpine', release: 'edge' });
    expect(inv.packages).toStrictEqual([
      {
        name: 'libcrypto3', version: '3.3.2-r4', kind: 'apk', source: { name: 'openssl' }, location: `${file}#/artifacts/0`,
        purl: 'pkg:apk/alpine/libcrypto3@3.3.2-r4?arch=aarch64&distro=alpine-3.21_alpha20240807',
      },
      {
        name: 'ssl_client', version: '1.36.1-r31', kind: 'apk', source: { name: 'busybox' }, location: `${file}#/artifacts/1`,
        purl: 'pkg:apk/alpine/ssl_client@1.36.1-r31?arch=aarch64&upstream=busybox&distro=alpine-3.21_alpha20240807',
      },
    ]);
  });

  it('has no distro for an empty distro block (a directory scan)', () => {
    expect(syftFromJson({ artifacts: [], distro: {}, descriptor: { name: 'syft' } }, 'd.json')).toStrictEqual({ file: 'd.json', format: 'syft', packages: [] });
  });
});

describe('malformed syft JSON', () => {
  it('rejects an artifact without type, at its JSON path', async () => {
    const bad = fixture('syft-bad-artifact.json');
    const err = await rejection(parseInput(bad));
    expect(err.message).toBe(`${bad}#/artifacts/1/type: not a syft artifact: Invalid input: expected string, received undefined`);
  });

  it('rejects rpm metadata whose epoch is not a number, string or null', async () => {
    const doc = { artifacts: [{ name: 'a', version: '1-1', type: 'rpm', metadata: { epoch: true } }], descriptor: {} };
    expect(() => syftFromJson(doc, 'e.json')).toThrow('e.json#/artifacts/0/metadata/epoch: not syft package metadata: Invalid input');
  });
});
