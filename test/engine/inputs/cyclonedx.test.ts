/** CycloneDX JSON 1.4–1.6: syft's and trivy's output, nested components, the distro, and bad BOMs. */
import { describe, expect, it } from 'vitest';
import { cyclonedxFromJson } from '../../../engine-client/inputs/cyclonedx.ts';
import { parseInput } from '../../../engine-client/inputs/index.ts';
import { fixture, rejection, thrown } from './helpers.ts';

describe('CycloneDX 1.5 from syft (Alpine image)', () => {
  const file = fixture('cyclonedx-1.5-syft-alpine.json');
  const at = (i: number) => `${file}#/components/${i}`;

  it('reads every package component, the OS component as distro, and lists what it skipped', async () => {
    const inv = await parseInput(file);
    expect(inv.format).toBe('cyclonedx');
    expect(inv.distro).toStrictEqual({ id: 'alpine', release: '3.20' });
    expect(inv.packages).toStrictEqual([
      {
        name: 'busybox-binsh', version: '1.36.1-r29', kind: 'apk', source: { name: 'busybox' }, location: at(0),
        purl: 'pkg:apk/alpine/busybox-binsh@1.36.1-r29?arch=x86_64&upstream=busybox&distro=alpine-3.20.3',
      },
      {
        name: 'libcrypto3', version: '3.3.2-r0', kind: 'apk', source: { name: 'openssl' }, location: at(1),
        purl: 'pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64&upstream=openssl&distro=alpine-3.20.3',
      },
      {
        name: 'musl', version: '1.2.5-r0', kind: 'apk', source: { name: 'musl' }, location: at(2),
        purl: 'pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&upstream=musl&distro=alpine-3.20.3',
      },
      // no syft:metadata:originPackage property: the purl upstream qualifier gives the origin
      {
        name: 'musl-utils', version: '1.2.5-r0', kind: 'apk', source: { name: 'musl' }, location: at(3),
        purl: 'pkg:apk/alpine/musl-utils@1.2.5-r0?arch=x86_64&upstream=musl&distro=alpine-3.20.3',
      },
      // index 4 is the operating-system component
      { name: '@babel/core', version: '7.24.7', kind: 'npm', location: at(5), purl: 'pkg:npm/%40babel/core@7.24.7' },
      { name: 'requests', version: '2.32.3', kind: 'pypi', location: at(6), purl: 'pkg:pypi/requests@2.32.3' },
      { name: 'github.com/gorilla/mux', version: 'v1.8.1', kind: 'go', location: at(7), purl: 'pkg:golang/github.com/gorilla/mux@v1.8.1' },
      // index 10 is a file component: not a package, not reported
    ]);
    expect(inv.skipped).toStrictEqual([
      { location: at(8), reason: 'purl type "generic" is not one the engine matches' },
      { location: at(9), reason: 'left-pad has no version' },
    ]);
  });
});

describe('CycloneDX 1.6 with nested components (RHEL host)', () => {
  const file = fixture('cyclonedx-1.6-nested.json');

  it('walks nested components at any depth and names each by its JSON path', async () => {
    const inv = await parseInput(file, { format: 'cyclonedx' });
    const rows = inv.packages.map((p) => [p.kind, p.name, p.version, p.location.slice(file.length)]);
    expect(rows).toStrictEqual([
      ['rpm', 'openssl-libs', '1:3.0.7-27.el9', '#/components/0'],
      ['rpm', 'glibc', '2.34-100.el9_4.2', '#/components/1'],
      ['maven', 'org.apache.commons:commons-text', '1.10.0', '#/components/2/components/0'],
      ['maven', 'org.springframework:spring-core', '5.3.39', '#/components/2/components/1'],
      ['maven', 'org.yaml:snakeyaml', '1.33', '#/components/2/components/1/components/0'],
      ['pypi', 'pyyaml', '6.0.1', '#/components/3/components/0'],
      ['nuget', 'Newtonsoft.Json', '13.0.1', '#/components/3/components/1'],
      ['gem', 'rack', '2.2.8', '#/components/3/components/2'],
      ['composer', 'guzzlehttp/guzzle', '7.8.1', '#/components/3/components/3'],
      ['go', 'golang.org/x/net', 'v0.23.0', '#/components/3/components/4'],
      ['cargo', 'rustls', '0.21.7', '#/components/4'],
    ]);
    // no operating-system component: the purl distro qualifier (rhel-9.4) names the release
    expect(inv.distro).toStrictEqual({ id: 'rhel', release: '9' });
    // the library without purl or package type, and the data component, are not packages
    expect(inv.skipped).toBeUndefined();
  });

  it('takes the rpm epoch qualifier into the version and the source rpm from upstream', async () => {
    const inv = await parseInput(file);
    expect(inv.packages[0]).toStrictEqual({
      name: 'openssl-libs',
      version: '1:3.0.7-27.el9',
      kind: 'rpm',
      source: { name: 'openssl', version: '1:3.0.7-27.el9' },
      purl: 'pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&upstream=openssl-3.0.7-27.el9.src.rpm&distro=rhel-9.4&epoch=1',
      location: `${file}#/components/0`,
    });
    expect(inv.packages[1]?.source).toStrictEqual({ name: 'glibc', version: '2.34-100.el9_4.2' });
  });
});

describe('CycloneDX 1.4 from trivy (Debian image)', () => {
  it("reads trivy's SrcName/SrcVersion/SrcRelease/SrcEpoch properties as the source", async () => {
    const file = fixture('cyclonedx-1.4-trivy-debian.json');
    const inv = await parseInput(file);
    expect(inv.distro).toStrictEqual({ id: 'debian', release: '12' });
    expect(inv.packages.map((p) => [p.name, p.version, p.source])).toStrictEqual([
      // source version equal to the binary's: left out, the matcher uses the binary's
      ['libssl3', '3.0.11-1~deb12u2', { name: 'openssl' }],
      // trivy writes the deb epoch as a purl qualifier too
      ['zlib1g', '1:1.2.13.dfsg-1', { name: 'zlib' }],
      // trivy copies the binNMU version to the source: the binNMU rule takes it off
      ['libcap-ng0', '0.8.3-1+b3', { name: 'libcap-ng', version: '0.8.3-1' }],
      ['tzdata', '2024a-0+deb12u1', { name: 'tzdata' }],
    ]);
  });
});

describe('CycloneDX details', () => {
  const bom = (components: unknown[], extra: Record<string, unknown> = {}) => ({ bomFormat: 'CycloneDX', specVersion: '1.6', components, ...extra });

  it('finds the operating system in metadata.component, and never lists the subject as a package', () => {
    const inv = cyclonedxFromJson(
      bom([{ type: 'library', name: 'libssl3', version: '3.0.15-1~deb12u1', purl: 'pkg:deb/debian/libssl3@3.0.15-1~deb12u1?upstream=openssl%403.0.15-1~deb12u1' }], {
        metadata: { component: { type: 'operating-system', name: 'debian', version: '12.8' } },
      }),
      'os.json',
    );
    expect(inv).toStrictEqual({
      file: 'os.json',
      format: 'cyclonedx',
      distro: { id: 'debian', release: '12' },
      packages: [
        {
          name: 'libssl3', version: '3.0.15-1~deb12u1', kind: 'deb', source: { name: 'openssl' }, location: 'os.json#/components/0',
          purl: 'pkg:deb/debian/libssl3@3.0.15-1~deb12u1?upstream=openssl%403.0.15-1~deb12u1',
        },
      ],
    });
    const app = cyclonedxFromJson(bom([], { metadata: { component: { type: 'application', name: 'me', version: '1', purl: 'pkg:npm/me@1' } } }), 'app.json');
    expect(app.packages).toStrictEqual([]);
  });

  it('reads the rocky OS component as rhel through syft:distro:idLike', () => {
    const os = {
      type: 'operating-system', name: 'rocky', version: '9.3',
      properties: [{ name: 'syft:distro:id', value: 'rocky' }, { name: 'syft:distro:idLike:0', value: 'rhel' }, { name: 'syft:distro:versionID', value: '9.3' }],
    };
    expect(cyclonedxFromJson(bom([os]), 'r.json').distro).toStrictEqual({ id: 'rhel', release: '9', rebuild: 'rocky' });
  });

  it('uses syft:package:type and group for a component without purl, and syft rpm properties', () => {
    const inv = cyclonedxFromJson(
      bom([
        { type: 'library', group: 'org.example', name: 'lib', version: '2.0', properties: [{ name: 'syft:package:type', value: 'java-archive' }] },
        {
          type: 'library', name: 'dive', version: '0.9.2-1',
          properties: [
            { name: 'syft:package:type', value: 'rpm' },
            { name: 'syft:metadata:epoch', value: '2' },
            { name: 'syft:metadata:sourceRpm', value: 'dive-0.9.2-1.src.rpm' },
          ],
        },
      ]),
      'p.json',
    );
    expect(inv.packages).toStrictEqual([
      { name: 'org.example:lib', version: '2.0', kind: 'maven', location: 'p.json#/components/0' },
      { name: 'dive', version: '2:0.9.2-1', kind: 'rpm', source: { name: 'dive', version: '2:0.9.2-1' }, location: 'p.json#/components/1' },
    ]);
  });

  it('rejects a bad source rpm property at its JSON path', () => {
    const c = { type: 'library', name: 'x', version: '1-1', purl: 'pkg:rpm/redhat/x@1-1', properties: [{ name: 'a', value: 'b' }, { name: 'syft:metadata:sourceRpm', value: 'x.rpm' }] };
    expect(thrown(() => cyclonedxFromJson(bom([c]), 'b.json')).message).toBe('b.json#/components/0/properties/1/value: source rpm "x.rpm" is not NAME-VERSION-RELEASE.src.rpm');
  });

  it('rejects an unsupported specVersion and a document that is not a BOM', () => {
    expect(thrown(() => cyclonedxFromJson({ bomFormat: 'CycloneDX', specVersion: '2.0' }, 'v.json')).message).toBe(
      'v.json#/specVersion: CycloneDX specVersion "2.0" is not supported (1.2, 1.3, 1.4, 1.5, 1.6 are)',
    );
    expect(thrown(() => cyclonedxFromJson({ bomFormat: 'CycloneDX', specVersion: '1.5', components: {} }, 'c.json')).message).toBe(
      'c.json#/components: not a CycloneDX BOM: Invalid input: expected array, received object',
    );
  });
});

describe('malformed CycloneDX', () => {
  it('reports a truncated file as not JSON, with the parser message', async () => {
    const bad = fixture('cyclonedx-truncated.json');
    const err = await rejection(parseInput(bad, { format: 'cyclonedx' }));
    expect(err.message).toBe(`${bad}: not JSON (truncated or corrupt): Unexpected end of JSON input`);
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it('reports a bad purl at its JSON path', async () => {
    const bad = fixture('cyclonedx-bad-purl.json');
    const err = await rejection(parseInput(bad));
    expect(err.message).toBe(`${bad}#/components/3/purl: "npm/lodash@4.17.21" is not a package URL: it does not start with "pkg:"`);
  });

  it('reports a wrong type in a nested component with the nested path', async () => {
    const bad = fixture('cyclonedx-bad-nested.json');
    const err = await rejection(parseInput(bad));
    expect(err.message).toBe(`${bad}#/components/1/components/1/version: not a CycloneDX component: Invalid input: expected string, received number`);
    expect(err.details).toStrictEqual({ file: bad });
  });
});
