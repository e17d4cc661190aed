/**
 * Exact ecosystem rules in the matcher, on schema-v2 records written here (OSV ranges and
 * versions in fixedIn) turned into rows by the registry's affected shape, as the store keeps them:
 * Go's two spellings, pseudo-versions and +incompatible; PEP 503 names; Maven group:artifact; NuGet
 * ids; OSV listed versions the scheme rejects; one match per flaw with its aliases; withdrawn
 * records; the checked count.
 */
import { describe, expect, it } from 'vitest';
import type { FixedIn, Range, Severity, VulnRecord } from '../../../drivers/_framework/record.ts';
import { OUTPUT_SHAPES } from '../../../drivers/_framework/shapes/index.ts';
import type { InstalledPackage, Inventory, PackageKind } from '../../../engine-client/inputs/types.ts';
import type { RecordFacts } from '../../../engine-client/match/aliases.ts';
import { goVersion } from '../../../engine-client/match/ecosystems.ts';
import { matchInventory, type MatchResult } from '../../../engine-client/match/match.ts';
import { coverageOf, evaluatePolicy, parsePolicy } from '../../../engine-client/policy/policy.ts';
import { packageKey } from '../../../engine-client/store/package-key.ts';
import type { AffectedRow } from '../../../engine-client/store/types.ts';
import { makeRecord } from '../../helpers/records.ts';

/** An OSV-style record of `group`: one fixedIn entry per package, with ranges and optional versions. */
function osv(group: string, id: string, entries: Omit<FixedIn, 'state'>[], extra: Partial<VulnRecord> = {}): VulnRecord {
  return { ...makeRecord(group, id), ...extra, fixedIn: entries.map((e) => ({ state: 'fixed', ...e })) };
}

function range(type: Range['type'], ...events: Range['events']): Range[] {
  return [{ type, events }];
}

/** The store of some records: lookup by normalized name, and the records' aliases and withdrawal. */
function store(records: VulnRecord[], severities: Record<string, Severity> = {}) {
  const rows: AffectedRow[] = records.flatMap((r) =>
    OUTPUT_SHAPES.affected.render(r, { deleted: false, updatedAt: null }).map((e) => ({
      group: r.namespace, vulnId: r.id, package: e.package, scheme: e.scheme, state: e.state, fixed: e.fixed, ranges: e.ranges,
      versions: e.versions, channel: e.channel, severity: severities[r.id] ?? r.severity, link: r.link,
    })),
  );
  const asked: string[] = [];
  return {
    available: new Set(records.map((r) => r.namespace)),
    lookup: async (group: string, names: readonly string[]) => {
      asked.push(...names);
      return rows.filter((r) => r.group === group && names.includes(packageKey(group, r.package)));
    },
    records: async (group: string, ids: readonly string[]) =>
      new Map<string, RecordFacts>(records.filter((r) => r.namespace === group && ids.includes(r.id)).map((r) => [r.id, { aliases: r.aliases, withdrawn: r.withdrawn !== null }])),
    asked,
  };
}

function pkg(kind: PackageKind, name: string, version: string): InstalledPackage {
  return { kind, name, version, location: `lock:${name}@${version}` };
}

function inv(...packages: InstalledPackage[]): Inventory {
  return { file: 'lock', format: 'npm-lock', packages };
}

const found = (r: MatchResult) => r.matches.map((m) => `${m.package}@${m.installedVersion} ${m.vulnId} ${m.fixedVersion ?? '-'}`);

describe('Go', () => {
  // govulndb's GO-2022-0493 (golang.org/x/sys): fixed at a pseudo-version, spelt without "v".
  const sys = osv('github:go', 'GO-2022-0493', [{ package: 'golang.org/x/sys', versionScheme: 'go', ranges: range('SEMVER', { introduced: '0' }, { fixed: '0.0.0-20220412211240-33da011f77ad' }) }]);
  // govulndb writes +incompatible versions as they are tagged (GO-2022-0390, github.com/docker/distribution).
  const docker = osv('github:go', 'GO-2024-2913', [{ package: 'github.com/docker/docker', versionScheme: 'go', ranges: range('SEMVER', { introduced: '0' }, { fixed: '24.0.9+incompatible' }) }]);
  const stdlib = osv('github:go', 'GO-2024-2887', [{ package: 'stdlib', versionScheme: 'go', ranges: range('SEMVER', { introduced: '0' }, { fixed: '1.21.11' }, { introduced: '1.22.0-0' }, { fixed: '1.22.4' }) }]);

  it('compares go.mod versions (v…) with OSV versions (no v), pseudo-versions by their time stamp', async () => {
    const r = await matchInventory(
      inv(pkg('go', 'golang.org/x/sys', 'v0.0.0-20220310020820-b874c991c1a5'), pkg('go', 'golang.org/x/sys', 'v0.0.0-20220412211240-33da011f77ad'), pkg('go', 'golang.org/x/sys', 'v0.1.0')),
      store([sys]),
    );
    expect(found(r)).toEqual(['golang.org/x/sys@v0.0.0-20220310020820-b874c991c1a5 GO-2022-0493 0.0.0-20220412211240-33da011f77ad']);
    expect(r.problems).toEqual([]);
  });

  it('orders +incompatible versions by their version, the build suffix being no part of the order', async () => {
    const r = await matchInventory(inv(pkg('go', 'github.com/docker/docker', 'v24.0.7+incompatible'), pkg('go', 'github.com/docker/docker', 'v24.0.9+incompatible')), store([docker]));
    expect(found(r)).toEqual(['github.com/docker/docker@v24.0.7+incompatible GO-2024-2913 24.0.9+incompatible']);
  });

  it('reads the standard library as a Go build names it (go1.22.3) and as OSV does (1.22.3)', async () => {
    const r = await matchInventory(inv(pkg('go', 'stdlib', 'go1.22.3'), pkg('go', 'stdlib', 'go1.22.4'), pkg('go', 'stdlib', 'v1.21.10')), store([stdlib]));
    expect(found(r)).toEqual(['stdlib@go1.22.3 GO-2024-2887 1.22.4', 'stdlib@v1.21.10 GO-2024-2887 1.21.11']);
    expect(goVersion('1.2.3')).toBe('v1.2.3');
    expect(goVersion('go1.22.4')).toBe('v1.22.4');
    expect(goVersion('v2.0.0+incompatible')).toBe('v2.0.0+incompatible');
  });
});

describe('names as each ecosystem compares them', () => {
  it('PyPI: poetry\'s "Django", requirements\' "zope.interface" and the advisories\' "django", "zope-interface" (PEP 503)', async () => {
    const s = store([
      osv('github:python', 'GHSA-django', [{ package: 'django', versionScheme: 'pep440', ranges: range('ECOSYSTEM', { introduced: '4.2' }, { fixed: '4.2.14' }) }]),
      osv('github:python', 'GHSA-zope', [{ package: 'zope-interface', versionScheme: 'pep440', ranges: range('ECOSYSTEM', { introduced: '0' }, { fixed: '5.0.0' }) }]),
    ]);
    const r = await matchInventory(inv(pkg('pypi', 'Django', '4.2.11'), pkg('pypi', 'zope.interface', '4.7.2'), pkg('pypi', 'Zope_Interface', '6.2')), s);
    expect(found(r)).toEqual(['Django@4.2.11 GHSA-django 4.2.14', 'zope.interface@4.7.2 GHSA-zope 5.0.0']);
    // Asked once per normalized name: zope.interface and Zope_Interface are one PyPI project.
    expect(s.asked.sort()).toEqual(['django', 'zope-interface']);
  });

  it('Maven: gradle\'s group:artifact is the advisories\' package; versions in Maven order (31.1-jre < 32.0.0-jre)', async () => {
    const s = store([osv('github:java', 'GHSA-7g45-4rm6-3mm3', [{ package: 'com.google.guava:guava', versionScheme: 'maven', ranges: range('ECOSYSTEM', { introduced: '1.0' }, { fixed: '32.0.0-android' }) }])]);
    const r = await matchInventory(inv(pkg('maven', 'com.google.guava:guava', '31.1-jre'), pkg('maven', 'com.google.guava:guava', '32.0.1-jre')), s);
    expect(found(r)).toEqual(['com.google.guava:guava@31.1-jre GHSA-7g45-4rm6-3mm3 32.0.0-android']);
  });

  it('NuGet ids case-insensitively', async () => {
    const s = store([osv('github:nuget', 'GHSA-5crp-9r3c-p9vr', [{ package: 'Newtonsoft.Json', versionScheme: 'nuget', ranges: range('ECOSYSTEM', { introduced: '0' }, { fixed: '13.0.1' }) }])]);
    const r = await matchInventory(inv(pkg('nuget', 'newtonsoft.json', '12.0.3')), s);
    expect(found(r)).toEqual(['newtonsoft.json@12.0.3 GHSA-5crp-9r3c-p9vr 13.0.1']);
  });
});

describe('OSV events and explicit versions', () => {
  it('introduced, fixed, last_affected and limit per range, and versions[] beside them (crates)', async () => {
    const s = store([
      osv('github:rust', 'RUSTSEC-2020-0071', [{ package: 'time', versionScheme: 'crates', ranges: range('SEMVER', { introduced: '0.0.0-0' }, { fixed: '0.2.23' }) }]),
      osv('github:rust', 'RUSTSEC-LAST', [{ package: 'smallvec', versionScheme: 'crates', ranges: range('SEMVER', { introduced: '1.6.0' }, { last_affected: '1.6.0' }) }]),
      osv('github:rust', 'RUSTSEC-LIMIT', [{ package: 'base64', versionScheme: 'crates', ranges: range('SEMVER', { introduced: '0' }, { limit: '0.13.1' }) }]),
      osv('github:rust', 'RUSTSEC-LISTED', [{ package: 'ring', versionScheme: 'crates', versions: ['0.16.20'] }]),
    ]);
    const r = await matchInventory(
      inv(pkg('cargo', 'time', '0.1.43'), pkg('cargo', 'time', '0.2.23'), pkg('cargo', 'smallvec', '1.6.0'), pkg('cargo', 'smallvec', '1.6.1'), pkg('cargo', 'base64', '0.13.0'), pkg('cargo', 'base64', '0.13.1'),
        pkg('cargo', 'ring', '0.16.20'), pkg('cargo', 'ring', '0.17.0')),
      s,
    );
    expect(found(r).sort()).toEqual(['base64@0.13.0 RUSTSEC-LIMIT -', 'ring@0.16.20 RUSTSEC-LISTED -', 'smallvec@1.6.0 RUSTSEC-LAST -', 'time@0.1.43 RUSTSEC-2020-0071 0.2.23']);
    expect(r.problems).toEqual([]);
  });

  it('matches a listed version its scheme rejects by identity only, with a warning, and still decides the rest', async () => {
    // PyPA lists legacy releases PEP 440 does not parse (PYSEC-2014-82: "0.7.10p1").
    const s = store([osv('github:python', 'PYSEC-2014-82', [{ package: 'pkg', versionScheme: 'pep440', versions: ['0.7.9', '0.7.10p1'], ranges: range('ECOSYSTEM', { introduced: '0' }, { fixed: '0.7.9' }) }])]);
    const r = await matchInventory(inv(pkg('pypi', 'pkg', '0.7.10p1'), pkg('pypi', 'pkg', '0.7.8'), pkg('pypi', 'pkg', '0.7.9'), pkg('pypi', 'pkg', '1.0')), s);
    // 0.7.10p1 is not PEP 440 either: its own version is a problem, not a guess.
    expect(found(r)).toEqual(['pkg@0.7.8 PYSEC-2014-82 0.7.9', 'pkg@0.7.9 PYSEC-2014-82 -']);
    expect(r.problems.map((p) => `${p.version} ${p.message.split(':')[0] ?? ''}`)).toEqual(['0.7.10p1 installed version cannot be compared']);
    expect(r.warnings.filter((w) => w.version === '0.7.10p1').map((w) => w.package)).toEqual(['pkg', 'pkg', 'pkg']);
    expect(r.warnings[0]?.message).toBe('the record lists a version its scheme does not compare, matched only by being the same string: pep440: "0.7.10p1": not a valid version');
    expect(r.checked).toBe(3);
  });
});

describe('one match per flaw', () => {
  const entry = (fixed: string): Omit<FixedIn, 'state'>[] => [{ package: 'jinja2', versionScheme: 'pep440', ranges: range('ECOSYSTEM', { introduced: '0' }, { fixed }) }];
  const ghsa = osv('github:python', 'GHSA-h5c8-rqwp-cp95', entry('3.1.3'), { aliases: ['CVE-2024-22195'] });
  const pysec = osv('github:python', 'PYSEC-2024-1', entry('3.1.4'), { aliases: ['CVE-2024-22195'] });
  const cveOnly = osv('github:python', 'CVE-2024-22195', entry('3.1.3'));
  const other = osv('github:python', 'GHSA-other', entry('3.1.5'), { aliases: ['CVE-2024-9999'] });

  it('merges records linked by aliases (directly or through a shared CVE): GHSA id first, every id listed, highest severity and fix', async () => {
    const s = store([pysec, ghsa, cveOnly, other], { 'PYSEC-2024-1': 'Critical', 'GHSA-h5c8-rqwp-cp95': 'Medium' });
    const r = await matchInventory(inv(pkg('pypi', 'Jinja2', '3.1.2')), s);
    expect(r.matches.map((m) => ({ id: m.vulnId, aliases: m.aliases, severity: m.severity, fixed: m.fixedVersion }))).toEqual([
      { id: 'GHSA-h5c8-rqwp-cp95', aliases: ['CVE-2024-22195', 'PYSEC-2024-1'], severity: 'Critical', fixed: '3.1.4' },
      { id: 'GHSA-other', aliases: ['CVE-2024-9999'], severity: 'Unknown', fixed: '3.1.5' },
    ]);
  });

  it('keeps the ids of a record that alone matches, and lets the policy allowlist any of them', async () => {
    const r = await matchInventory(inv(pkg('pypi', 'jinja2', '3.1.3')), store([pysec, ghsa]));
    expect(r.matches.map((m) => [m.vulnId, m.aliases])).toEqual([['PYSEC-2024-1', ['CVE-2024-22195']]]);
    const policy = parsePolicy('failOn: Unknown\nallowlist:\n  - {id: CVE-2024-22195, reason: not reachable}\n', 'p');
    expect(evaluatePolicy(r.matches, policy, new Date()).pass).toBe(true);
  });

  it('drops withdrawn records, and without record facts reports each record alone', async () => {
    const withdrawn = { ...ghsa, withdrawn: '2024-02-01T00:00:00Z' };
    const s = store([withdrawn, other]);
    expect(found(await matchInventory(inv(pkg('pypi', 'jinja2', '3.1.2')), s))).toEqual(['jinja2@3.1.2 GHSA-other 3.1.5']);
    const { records: _facts, ...noFacts } = store([pysec, ghsa]);
    const alone = await matchInventory(inv(pkg('pypi', 'jinja2', '3.1.2')), noFacts);
    expect(alone.matches.map((m) => [m.vulnId, m.aliases])).toEqual([['GHSA-h5c8-rqwp-cp95', []], ['PYSEC-2024-1', []]]);
  });
});

describe('checked packages and failOnUnchecked', () => {
  it('counts packages compared without a problem; unchecked ones (no data, a version that cannot be compared, skipped entries) fail the gate when asked', async () => {
    const s = store([osv('github:npm', 'GHSA-l', [{ package: 'lodash', versionScheme: 'semver', ranges: range('SEMVER', { introduced: '0' }, { fixed: '4.17.21' }) }])]);
    const input: Inventory = {
      ...inv(pkg('npm', 'lodash', '4.17.21'), pkg('npm', 'lodash', 'not-a-version'), pkg('gem', 'rack', '2.2.3')),
      skipped: [{ location: 'lock:9', reason: 'git' }, { location: 'lock:10', reason: 'path', local: true }],
    };
    const r = await matchInventory(input, s);
    expect(r.checked).toBe(1);
    const coverage = coverageOf(r, input.skipped);
    expect(coverage).toEqual({ packages: 4, checked: 1, unchecked: 3 });
    const lax = evaluatePolicy(r.matches, parsePolicy('', 'p'), new Date(), coverage);
    expect([lax.pass, lax.uncheckedFail]).toEqual([true, false]);
    const strict = evaluatePolicy(r.matches, parsePolicy('failOnUnchecked: true\n', 'p'), new Date(), coverage);
    expect([strict.pass, strict.uncheckedFail, strict.violations.length]).toEqual([false, true, 0]);
    const all = evaluatePolicy([], parsePolicy('failOnUnchecked: true\n', 'p'), new Date(), { packages: 2, checked: 2, unchecked: 0 });
    expect(all.pass).toBe(true);
  });
});
