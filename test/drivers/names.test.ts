/** The names table: codenames, groups, OSV ecosystems, schemes, purl types and package kinds agree everywhere. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAirfeedError } from '../../drivers/_framework/errors.ts';
import {
  codenameOf, DISTROS, distroGroup, ECOSYSTEMS, ecosystemByGroup, ecosystemByKind, ecosystemByOsv, ecosystemByPurlType, osvEcosystem, releaseOfCodename,
  requireGroup, resolveGroup,
} from '../../drivers/_framework/names.ts';
import { isSchemeName } from '../../drivers/_framework/versions/index.ts';
import { PACKAGE_KINDS } from '../../engine-client/inputs/types.ts';
import { DISTRO_KINDS } from '../../engine-client/match/namespaces.ts';
import { skipUnless } from '../helpers/skip.ts';

describe('distro releases', () => {
  it.each([
    ['debian', 'bookworm', '12', 'debian:12', 'Debian:12'],
    ['debian', 'buster', '10', 'debian:10', 'Debian:10'],
    ['debian', 'bullseye', '11', 'debian:11', 'Debian:11'],
    ['debian', 'trixie', '13', 'debian:13', 'Debian:13'],
    ['debian', 'forky', '14', 'debian:14', 'Debian:14'],
    ['debian', 'sid', 'unstable', 'debian:unstable', 'Debian:sid'],
    ['ubuntu', 'jammy', '22.04', 'ubuntu:22.04', 'Ubuntu:22.04:LTS'],
    ['ubuntu', 'noble', '24.04', 'ubuntu:24.04', 'Ubuntu:24.04:LTS'],
    ['ubuntu', 'focal', '20.04', 'ubuntu:20.04', 'Ubuntu:20.04:LTS'],
    ['ubuntu', 'bionic', '18.04', 'ubuntu:18.04', 'Ubuntu:18.04:LTS'],
    ['ubuntu', 'xenial', '16.04', 'ubuntu:16.04', 'Ubuntu:16.04:LTS'],
    ['ubuntu', 'mantic', '23.10', 'ubuntu:23.10', 'Ubuntu:23.10'],
    ['alpine', 'v3.20', '3.20', 'alpine:3.20', 'Alpine:v3.20'],
    ['alpine', 'edge', 'edge', 'alpine:edge', 'Alpine:edge'],
  ])('%s %s ↔ %s ↔ %s ↔ %s', (distro, codename, release, group, osv) => {
    expect(releaseOfCodename(distro, codename)).toBe(release);
    expect(codenameOf(distro, release)).toBe(codename);
    expect(distroGroup(distro, release)).toBe(group);
    expect(osvEcosystem(group)).toBe(osv);
    expect(resolveGroup(group)).toMatchObject({ kind: 'distro', release, distro: { id: distro } });
  });

  it('names RHEL majors and Red Hat ecosystems by CPE, and Ubuntu Pro channels', () => {
    expect(['8', '9', '10'].map((r) => distroGroup('rhel', r))).toEqual(['rhel:8', 'rhel:9', 'rhel:10']);
    expect(osvEcosystem('rhel:9')).toBe('Red Hat:enterprise_linux:9');
    expect(osvEcosystem('rhel:9', { cpe: 'cpe:/a:redhat:rhel_eus:9.2::appstream' })).toBe('Red Hat:rhel_eus:9.2::appstream');
    expect(osvEcosystem('ubuntu:16.04', { channel: 'esm-infra' })).toBe('Ubuntu:Pro:16.04:LTS');
  });

  it('refuses what it does not know, naming the entry to add', () => {
    const err = (() => {
      try {
        return distroGroup('opensuse-leap', '15.5');
      } catch (e) {
        return e;
      }
    })();
    expect(isAirfeedError(err, 'NAME_UNMAPPED')).toBe(true);
    expect((err as Error).message).toMatch(/distro "opensuse-leap" has no entry in the names table \(drivers\/_framework\/names\.ts, DISTROS\)/);
    expect(resolveGroup('nvdv2:cves')).toBeUndefined();
    expect(resolveGroup('debian:bookworm')).toBeUndefined();
    expect(() => requireGroup('kev:catalog', 'OSV view')).toThrow(/OSV view: group "kev:catalog" has no entry in the names table/);
    expect(releaseOfCodename('debian', 'hamm')).toBeUndefined();
  });

  it('keeps every distro on a registered version scheme and a distro package kind', () => {
    for (const d of DISTROS) {
      expect(isSchemeName(d.scheme)).toBe(true);
      expect(DISTRO_KINDS.has(d.purlType)).toBe(true);
    }
  });
});

describe('language ecosystems', () => {
  it.each([
    ['npm', 'github:npm', 'semver', 'npm'],
    ['PyPI', 'github:python', 'pep440', 'pypi'],
    ['Maven', 'github:java', 'maven', 'maven'],
    ['Go', 'github:go', 'go', 'golang'],
    ['RubyGems', 'github:gem', 'gem', 'gem'],
    ['crates.io', 'github:rust', 'crates', 'cargo'],
    ['NuGet', 'github:nuget', 'nuget', 'nuget'],
    ['Packagist', 'github:composer', 'semver', 'composer'],
  ])('%s ↔ %s ↔ %s ↔ pkg:%s', (osv, group, scheme, purl) => {
    const e = ecosystemByOsv(osv);
    expect(e).toMatchObject({ group, scheme, purlType: purl });
    expect(ecosystemByGroup(group)).toBe(e);
    expect(ecosystemByPurlType(purl)).toBe(e);
    expect(osvEcosystem(group)).toBe(osv);
    expect(isSchemeName(scheme)).toBe(true);
  });

  it('reads an OSV ecosystem with a suffix as its ecosystem', () => {
    expect(ecosystemByOsv('Maven:https://maven.google.com')?.group).toBe('github:java');
    expect(ecosystemByOsv('Mavenish')).toBeUndefined();
  });

  it('maps every engine package kind: distro kinds by distro, the rest by ecosystem', () => {
    for (const kind of PACKAGE_KINDS) expect(DISTRO_KINDS.has(kind) || ecosystemByKind(kind) !== undefined, kind).toBe(true);
    expect(ECOSYSTEMS.map((e) => e.group)).toEqual([...ECOSYSTEMS.map((e) => e.group)].sort());
  });

  const ECOSYSTEMS_JSON = path.resolve(import.meta.dirname, '../../../shared/realdata/osv/osv-schema/ecosystems.json');
  it('names only ecosystems OSV defines', skipUnless(existsSync(ECOSYSTEMS_JSON), '../shared/realdata/osv/osv-schema/ecosystems.json is absent, as in a fresh clone'), () => {
    const known = Object.keys(JSON.parse(readFileSync(ECOSYSTEMS_JSON, 'utf8')) as Record<string, string>);
    for (const name of [...ECOSYSTEMS.map((e) => e.osv), ...DISTROS.map((d) => d.osvEcosystem)]) expect(known).toContain(name);
  });
});
