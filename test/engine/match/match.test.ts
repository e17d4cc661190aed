/**
 * The matcher on hand-written rows: source-package mapping for each distro kind, "no fix" and
 * Alpine's "0", OSV ranges for language packages, invalid versions reported, missing groups.
 * (Store-backed scans are tested end to end in test/engine/scan*.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { isAirfeedError } from '../../../drivers/_framework/errors.ts';
import type { FixState, Range, Severity, VulnRecord } from '../../../drivers/_framework/record.ts';
import type { InstalledPackage, Inventory } from '../../../engine-client/inputs/types.ts';
import { matchInventory, matchKey } from '../../../engine-client/match/match.ts';
import { inRanges } from '../../../engine-client/match/ranges.ts';
import type { AffectedRow } from '../../../engine-client/store/types.ts';
import { OUTPUT_SHAPES } from '../../../drivers/_framework/shapes/index.ts';
import { makeRecord } from '../../helpers/records.ts';
import { COMPARATORS } from '../../../drivers/_framework/versions/index.ts';

function row(
  group: string, vulnId: string, pkg: string, scheme: string, fixed: string | null,
  extra: { ranges?: Range[]; severity?: Severity; state?: FixState; versions?: string[] } = {},
): AffectedRow {
  const state = extra.state ?? (fixed !== null || extra.ranges ? 'fixed' : 'affected');
  return { group, vulnId, package: pkg, scheme, state, fixed, ranges: extra.ranges ?? null, versions: extra.versions ?? null, channel: null, severity: extra.severity ?? 'Medium', link: null };
}

function pkg(kind: InstalledPackage['kind'], name: string, version: string, source?: { name: string; version?: string }): InstalledPackage {
  return { kind, name, version, location: `inv:${name}`, ...(source ? { source } : {}) };
}

function inventory(packages: InstalledPackage[], distro?: { id: string; release: string }): Inventory {
  return { file: 'inv', format: 'syft', packages, ...(distro ? { distro } : {}) };
}

/** A store of rows; the lookup records which names it was asked for. */
function store(rows: AffectedRow[]) {
  const asked: { group: string; names: string[] }[] = [];
  return {
    asked,
    available: new Set(rows.map((r) => r.group)),
    lookup: async (group: string, names: readonly string[]) => {
      asked.push({ group, names: [...names] });
      return rows.filter((r) => r.group === group && names.includes(r.package));
    },
  };
}

describe('source package mapping', () => {
  it('looks up an Alpine binary by its origin and compares its version', async () => {
    const s = store([row('alpine:3.20', 'CVE-2024-5535', 'openssl', 'apk', '3.3.1-r1'), row('alpine:3.20', 'CVE-2024-0001', 'libcrypto3', 'apk', '9.9-r0')]);
    const r = await matchInventory(inventory([pkg('apk', 'libcrypto3', '3.3.0-r2', { name: 'openssl' })], { id: 'alpine', release: '3.20' }), s);
    expect(r.matches.map((m) => [m.package, m.matchedName, m.vulnId, m.fixedVersion])).toEqual([['libcrypto3', 'openssl', 'CVE-2024-5535', '3.3.1-r1']]);
    expect(s.asked).toEqual([{ group: 'alpine:3.20', names: ['openssl'] }]);
  });

  it('compares the dpkg source version, not the binary version', async () => {
    // postgresql 15+248+deb12u1 from postgresql-common 248+deb12u1: the binary version would read as fixed.
    const s = store([row('debian:12', 'CVE-2023-0001', 'postgresql-common', 'dpkg', '248+deb12u2')]);
    const inv = inventory([pkg('deb', 'postgresql', '15+248+deb12u1', { name: 'postgresql-common', version: '248+deb12u1' })], { id: 'debian', release: '12' });
    const r = await matchInventory(inv, s);
    expect(r.matches).toHaveLength(1);
    expect(r.matches[0]).toMatchObject({ package: 'postgresql', installedVersion: '15+248+deb12u1', matchedName: 'postgresql-common', matchedVersion: '248+deb12u1' });
  });

  it('carries an rpm binary epoch over to its source version', () => {
    expect(matchKey(pkg('rpm', 'openssl-libs', '1:3.0.7-27.el9', { name: 'openssl', version: '3.0.7-27.el9' }))).toEqual({ name: 'openssl', version: '1:3.0.7-27.el9' });
    expect(matchKey(pkg('rpm', 'bash', '5.1.8-9.el9', { name: 'bash', version: '5.1.8-9.el9' }))).toEqual({ name: 'bash', version: '5.1.8-9.el9' });
  });

  it('uses the binary name and version when the input names no source', () => {
    expect(matchKey(pkg('deb', 'zlib1g', '1:1.2.13.dfsg-1'))).toEqual({ name: 'zlib1g', version: '1:1.2.13.dfsg-1' });
  });
});

describe('distro verdicts', () => {
  const rows = [
    row('alpine:3.20', 'CVE-A', 'busybox', 'apk', '1.36.1-r29', { severity: 'High' }),
    row('alpine:3.20', 'CVE-NEVER', 'busybox', 'apk', '0'),
    row('alpine:3.20', 'CVE-NOFIX', 'busybox', 'apk', null, { severity: 'Low' }),
    row('alpine:3.20', 'CVE-OLD', 'busybox', 'apk', '1.36.1-r2'),
  ];
  it('matches below the fix and with no fix, not at or above the fix, never on "0"', async () => {
    const r = await matchInventory(inventory([pkg('apk', 'busybox', '1.36.1-r28')], { id: 'alpine', release: '3.20' }), store(rows));
    expect(r.matches.map((m) => [m.vulnId, m.fixedVersion])).toEqual([
      ['CVE-A', '1.36.1-r29'],
      ['CVE-NOFIX', null],
    ]);
  });
  it('finds nothing fixed once the installed version reaches the fix', async () => {
    const r = await matchInventory(inventory([pkg('apk', 'busybox', '1.36.1-r29')], { id: 'alpine', release: '3.20' }), store(rows));
    expect(r.matches.map((m) => m.vulnId)).toEqual(['CVE-NOFIX']);
  });
  it('reports an installed version the scheme rejects instead of guessing', async () => {
    const r = await matchInventory(inventory([pkg('apk', 'busybox', '1.36.1-rX')], { id: 'alpine', release: '3.20' }), store(rows));
    expect(r.matches.map((m) => m.vulnId)).toEqual(['CVE-NOFIX']);
    expect(r.problems).toHaveLength(3);
    expect(r.problems[0]?.message).toMatch(/^installed version cannot be compared: apk: "1.36.1-rX" is not a valid version/);
  });
  it('refuses distro packages without a distro, and a release the store does not hold', async () => {
    const err1 = await matchInventory(inventory([pkg('apk', 'busybox', '1.0-r0')]), store(rows)).catch((e: unknown) => e);
    expect(isAirfeedError(err1, 'SCAN_DISTRO_UNKNOWN')).toBe(true);
    const err2 = await matchInventory(inventory([pkg('apk', 'busybox', '1.0-r0')], { id: 'alpine', release: '3.21' }), store(rows)).catch((e: unknown) => e);
    expect(isAirfeedError(err2, 'ENGINE_DB_EMPTY')).toBe(true);
    expect((err2 as Error).message).toBe('the engine holds no data for alpine:3.21 (the packages of inv come from it); of alpine it holds alpine:3.20');
  });
  it('--distro overrides what the input says', async () => {
    const r = await matchInventory(inventory([pkg('apk', 'busybox', '1.36.1-r28')], { id: 'alpine', release: '3.21' }), { ...store(rows), distro: { id: 'alpine', release: '3.20' } });
    expect(r.distro).toEqual({ id: 'alpine', release: '3.20' });
    expect(r.matches).toHaveLength(2);
  });
});

describe('per-package states (record schema v2)', () => {
  /** The engine's rows of a record, through the registry's affected shape, as the store keeps them. */
  function rowsOf(r: VulnRecord): AffectedRow[] {
    return OUTPUT_SHAPES.affected.render(r, { deleted: false, updatedAt: null }).map((e) => ({
      group: r.namespace, vulnId: r.id, package: e.package, scheme: e.scheme, state: e.state, fixed: e.fixed, ranges: e.ranges,
      versions: e.versions, channel: e.channel, severity: r.severity, link: r.link,
    }));
  }
  const record: VulnRecord = {
    ...makeRecord('alpine:3.20', 'CVE-2024-0001'),
    fixedIn: [
      { package: 'zlib', versionScheme: 'apk', state: 'not_affected' },
      { package: 'busybox', versionScheme: 'apk', state: 'will_not_fix' },
      { package: 'musl', versionScheme: 'apk', state: 'deferred' },
      { package: 'openssl', versionScheme: 'apk', state: 'under_investigation' },
      { package: 'curl', versionScheme: 'apk', state: 'fixed', version: '8.9.0-r0' },
    ],
  };
  const inv = (version: string) =>
    inventory(['zlib', 'busybox', 'musl', 'openssl', 'curl'].map((n) => pkg('apk', n, version)), { id: 'alpine', release: '3.20' });

  it('never matches a not_affected entry, at any version; every other non-fixed state matches with no fix', async () => {
    const belowCurlFix: Record<string, boolean> = { '0.1-r0': true, '1.2.13-r0': true, '8.9.0-r0': false, '99.0-r9': false };
    for (const [version, below] of Object.entries(belowCurlFix)) {
      const r = await matchInventory(inv(version), store(rowsOf(record)));
      expect(r.matches.map((m) => m.package).sort()).toEqual(['busybox', 'musl', 'openssl', ...(below ? ['curl'] : [])].sort());
      expect(r.matches.filter((m) => m.package !== 'curl').every((m) => m.fixedVersion === null)).toBe(true);
      expect(r.problems).toEqual([]);
    }
  });

  it('matches OSV explicit versions by equality, beside the ranges', async () => {
    const osv: VulnRecord = {
      ...makeRecord('github:npm', 'GHSA-vers'),
      fixedIn: [{
        package: 'left-pad', versionScheme: 'semver', state: 'fixed', versions: ['0.9.0'],
        ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.3.0' }] }],
      }],
    };
    const r = await matchInventory(inventory(['0.9.0', '0.9.1', '1.2.0', '1.3.0'].map((v) => pkg('npm', 'left-pad', v))), store(rowsOf(osv)));
    expect(r.matches.map((m) => [m.installedVersion, m.fixedVersion])).toEqual([['0.9.0', null], ['1.2.0', '1.3.0']]);
  });

  it('refuses a distro the names table does not know, naming the entry to add', async () => {
    const err = await matchInventory(inventory([pkg('rpm', 'bash', '5.2-1')], { id: 'opensuse-leap', release: '15.5' }), store([])).catch((e: unknown) => e);
    expect(isAirfeedError(err, 'NAME_UNMAPPED')).toBe(true);
    expect((err as Error).message).toMatch(/distro "opensuse-leap" has no entry in the names table \(drivers\/_framework\/names\.ts, DISTROS\)/);
  });
});

describe('language packages', () => {
  const semverRange: Range[] = [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }];
  it('matches npm ranges and reports the fix of the range', async () => {
    const s = store([row('github:npm', 'GHSA-35jh-r3h4-6jhm', 'lodash', 'semver', '4.17.21', { ranges: semverRange, severity: 'High' })]);
    const r = await matchInventory(inventory([pkg('npm', 'lodash', '4.17.20'), pkg('npm', 'lodash', '4.17.21')]), s);
    expect(r.matches.map((m) => [m.installedVersion, m.fixedVersion])).toEqual([['4.17.20', '4.17.21']]);
  });
  it('normalizes PyPI names (PEP 503) on both sides', async () => {
    const ranges: Range[] = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.2.28' }] }];
    const s = store([row('github:python', 'GHSA-x', 'django', 'pep440', '2.2.28', { ranges })]);
    const r = await matchInventory(inventory([pkg('pypi', 'Django', '2.2.27')]), s);
    expect(r.matches.map((m) => m.vulnId)).toEqual(['GHSA-x']);
  });
  it('uses the ecosystem comparator even when the record says semver (NuGet four-part versions)', async () => {
    const ranges: Range[] = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '13.0.1' }] }];
    const s = store([row('github:nuget', 'GHSA-n', 'newtonsoft.json', 'semver', '13.0.1', { ranges })]);
    const r = await matchInventory(inventory([pkg('nuget', 'Newtonsoft.Json', '12.0.3.1')]), s);
    expect(r.matches.map((m) => m.vulnId)).toEqual(['GHSA-n']);
  });
  it('lists an ecosystem without data as unchecked, not as clean and not as an error', async () => {
    const r = await matchInventory(inventory([pkg('gem', 'rack', '2.0.0')]), store([]));
    expect(r.unchecked).toEqual([{ group: 'github:gem', packages: 1 }]);
    expect(r.matches).toEqual([]);
  });
});

describe('OSV ranges', () => {
  const cmp = COMPARATORS.semver;
  const at = (v: string, ranges: Range[]) => inRanges(cmp.parse(v), ranges, cmp);
  const two: Range[] = [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '1.5.0' }, { introduced: '2.0.0' }, { fixed: '2.5.0' }] }];
  it.each([
    ['0.9.0', false, null],
    ['1.0.0', true, '1.5.0'],
    ['1.4.9', true, '1.5.0'],
    ['1.5.0', false, null],
    ['1.9.9', false, null],
    ['2.0.0', true, '2.5.0'],
    ['2.5.0', false, null],
  ])('%s in two windows: affected %s, fixed %s', (v, affected, fixed) => {
    expect(at(v, two)).toEqual({ affected, fixed });
  });
  it('last_affected includes its own version', () => {
    const r: Range[] = [{ type: 'SEMVER', events: [{ introduced: '0' }, { last_affected: '3.0.0' }] }];
    expect(at('3.0.0', r).affected).toBe(true);
    expect(at('3.0.1', r).affected).toBe(false);
  });
  it('limit bounds the range from above', () => {
    const r: Range[] = [{ type: 'SEMVER', events: [{ introduced: '0' }, { limit: '2.0.0' }] }];
    expect(at('1.9.0', r).affected).toBe(true);
    expect(at('2.0.0', r).affected).toBe(false);
  });
  it('ignores GIT ranges and throws on a range version the scheme rejects', () => {
    expect(at('1.0.0', [{ type: 'GIT', events: [{ introduced: 'abc123' }] }]).affected).toBe(false);
    expect(() => at('1.0.0', [{ type: 'SEMVER', events: [{ introduced: 'not-a-version' }] }])).toThrow(/not a valid version/);
  });
});

describe('versions compared with a warning', () => {
  it('matches an installed version dpkg only warns about, and reports the warning once per package', async () => {
    const s = store([row('debian:12', 'CVE-2024-0002', 'foo', 'dpkg', '3.0-6'), row('debian:12', 'CVE-2024-0003', 'foo', 'dpkg', '2.0-1')]);
    const r = await matchInventory(inventory([pkg('deb', 'foo', '3.0!-5')], { id: 'debian', release: '12' }), s);
    // dpkg orders upstream "3.0!" above "3.0" ('!' sorts after the end), so 3.0!-5 is at or above both fixes.
    expect(r.matches.map((m) => m.vulnId)).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([
      { package: 'foo', version: '3.0!-5', location: 'inv:foo', message: 'installed version is compared with a warning: dpkg: "3.0!-5": invalid character in version number' },
    ]);
  });

  it('matches against a record version with a warning and names the vulnerability', async () => {
    const s = store([row('debian:12', 'CVE-2024-0004', 'bar', 'dpkg', '0.10.1_-7.3')]);
    const r = await matchInventory(inventory([pkg('deb', 'bar', '0.10.1_-7.2'), pkg('deb', 'bar', '0.10.1_-7.3')], { id: 'debian', release: '12' }), s);
    expect(r.matches.map((m) => [m.installedVersion, m.vulnId, m.fixedVersion])).toEqual([['0.10.1_-7.2', 'CVE-2024-0004', '0.10.1_-7.3']]);
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((w) => [w.version, w.vulnId ?? null])).toEqual([
      ['0.10.1_-7.2', null],
      ['0.10.1_-7.3', 'CVE-2024-0004'],
      ['0.10.1_-7.3', null],
      ['0.10.1_-7.3', 'CVE-2024-0004'],
    ]);
  });

  it('matches Maven ranges over versions Maven compares with spaces, PyPI over case-folded labels', async () => {
    const mavenRange: Range[] = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.1.52 ' }] }];
    const s = store([
      row('github:java', 'GHSA-mvn', 'org.example:lib', 'maven', '3.1.52 ', { ranges: mavenRange }),
      row('github:python', 'GHSA-py', 'pkg', 'pep440', '0.7.18.post1'),
    ]);
    const r = await matchInventory(inventory([pkg('maven', 'org.example:lib', '3.1.52'), pkg('pypi', 'pkg', '0.7.18.poſt1')]), s);
    // Maven: "3.1.52" < "3.1.52 " (the trailing " " is a qualifier above release); packaging: "poſt" > "post".
    expect(r.matches.map((m) => m.vulnId)).toEqual(['GHSA-mvn']);
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((w) => w.message)).toEqual([
      `the record's version is compared with a warning: maven: "3.1.52 ": character " " at 6 is not printable ASCII: Maven compares it as part of a qualifier`,
      `installed version is compared with a warning: pep440: "0.7.18.poſt1": non-ASCII letter "ſ" at 9 matches "s" (packaging's case-insensitive regex); a label spelt with it keeps its own spelling`,
    ]);
  });
});
