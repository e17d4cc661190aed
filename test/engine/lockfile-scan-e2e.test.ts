/**
 * Lockfiles scanned end to end on real PostgreSQL: schema-v2 records of the eight language groups
 * (OSV ranges in fixedIn, written here after real advisories) go into the engine's store through
 * its one writer, exactly as a sync or bundle import puts them there; every lockfile fixture (and a
 * CycloneDX SBOM of purls of every ecosystem) is then matched through the store's lookups, aliases
 * included. The expected matches are written out by hand from the advisories' ranges.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Range, Severity, VulnRecord } from '../../drivers/_framework/record.ts';
import type { SchemeName } from '../../drivers/_framework/versions/index.ts';
import { parseInput } from '../../engine-client/inputs/index.ts';
import { matchInventory } from '../../engine-client/match/match.ts';
import { lookupRecordFacts } from '../../engine-client/store/records.ts';
import { listGroups, lookupAffected } from '../../engine-client/store/status.ts';
import type { TestDb } from '../helpers/db.ts';
import { createEngineTestDb, seedEngine } from '../helpers/engine-db.ts';
import { makeRecord } from '../helpers/records.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/engine/inputs/lockfiles');

const SCHEME: Record<string, SchemeName> = {
  'github:composer': 'semver', 'github:gem': 'gem', 'github:go': 'go', 'github:java': 'maven', 'github:npm': 'semver',
  'github:nuget': 'nuget', 'github:python': 'pep440', 'github:rust': 'crates',
};

/** An advisory of `group` for `pkg`, affected in the windows given as [introduced, fixed] pairs. */
function advisory(group: string, id: string, pkg: string, windows: [string, string][], aliases: string[] = [], severity: Severity = 'High'): VulnRecord {
  const type: Range['type'] = group === 'github:npm' || group === 'github:go' || group === 'github:rust' ? 'SEMVER' : 'ECOSYSTEM';
  const events = windows.flatMap(([introduced, fixed]) => [{ introduced }, { fixed }]);
  return {
    ...makeRecord(group, id),
    severity,
    aliases,
    link: `https://osv.dev/vulnerability/${id}`,
    fixedIn: [{ package: pkg, versionScheme: SCHEME[group] ?? 'semver', state: 'fixed', ranges: [{ type, events }] }],
  };
}

const ADVISORIES: VulnRecord[] = [
  advisory('github:npm', 'GHSA-29mw-wpgm-hmr9', 'lodash', [['0', '4.17.21']], ['CVE-2020-28500'], 'Medium'),
  advisory('github:npm', 'GHSA-35jh-r3h4-6jhm', 'lodash', [['0', '4.17.21']], ['CVE-2021-23337']),
  advisory('github:npm', 'GHSA-xvch-5gv4-984h', 'minimist', [['0', '0.2.4'], ['1.0.0', '1.2.6']], ['CVE-2021-44906'], 'Critical'),
  advisory('github:python', 'GHSA-qg2p-9jwr-mmqf', 'django', [['4.2', '4.2.14'], ['5.0', '5.0.7']], ['CVE-2024-38875']),
  advisory('github:python', 'PYSEC-2024-56', 'Django', [['0', '4.2.14']], ['CVE-2024-38875', 'GHSA-qg2p-9jwr-mmqf'], 'Critical'),
  advisory('github:python', 'GHSA-h75v-3vvj-5mfj', 'jinja2', [['0', '3.1.4']], ['CVE-2024-34064'], 'Medium'),
  advisory('github:python', 'GHSA-34jh-p97f-mpxf', 'urllib3', [['2.0.0', '2.2.2']], ['CVE-2024-37891'], 'Medium'),
  advisory('github:python', 'GHSA-jjg7-2v4v-x38h', 'idna', [['0', '3.7']], ['CVE-2024-3651'], 'Medium'),
  advisory('github:go', 'GO-2022-0969', 'golang.org/x/net', [['0', '0.0.0-20220906165146-f3363e06e74c']], ['CVE-2022-27664', 'GHSA-69cg-p879-7622']),
  advisory('github:go', 'GHSA-69cg-p879-7622', 'golang.org/x/net', [['0', '0.0.0-20220906165146-f3363e06e74c']], ['CVE-2022-27664']),
  advisory('github:go', 'GO-2024-2913', 'github.com/docker/docker', [['0', '24.0.9+incompatible']], ['CVE-2024-24557', 'GHSA-xw73-rw38-6vjc'], 'Medium'),
  advisory('github:go', 'GO-2022-1059', 'golang.org/x/text', [['0', '0.3.8']], ['CVE-2022-32149', 'GHSA-69ch-w2m2-3vjp']),
  advisory('github:go', 'GO-TEST-MUX', 'github.com/gorilla/mux', [['0', '1.8.1']]),
  advisory('github:go', 'GO-2024-2887', 'stdlib', [['0', '1.21.11'], ['1.22.0-0', '1.22.4']], ['CVE-2024-24790']),
  advisory('github:rust', 'RUSTSEC-2020-0071', 'time', [['0.0.0-0', '0.2.23']], ['CVE-2020-26235', 'GHSA-wcg3-cvx6-7396'], 'Medium'),
  advisory('github:rust', 'RUSTSEC-2021-0003', 'smallvec', [['0.6.3', '0.6.14'], ['1.0.0', '1.6.1']], ['CVE-2021-25900', 'GHSA-43w2-9j62-hq99'], 'Critical'),
  advisory('github:rust', 'RUSTSEC-TEST-RING', 'ring', [['0', '0.17.9']]),
  advisory('github:gem', 'GHSA-wq4h-7r42-5hrr', 'rack', [['2.2.0', '2.2.3.1']], ['CVE-2022-30123'], 'Critical'),
  advisory('github:gem', 'GHSA-pxvg-2qj5-37jq', 'nokogiri', [['0', '1.13.4']], ['CVE-2022-24836']),
  advisory('github:composer', 'GHSA-wxmh-65f7-jcvw', 'guzzlehttp/psr7', [['2.0.0', '2.4.5']], ['CVE-2023-29197']),
  advisory('github:composer', 'GHSA-TEST-KERNEL', 'symfony/http-kernel', [['6.0.0', '6.3.8']]),
  advisory('github:nuget', 'GHSA-5crp-9r3c-p9vr', 'Newtonsoft.Json', [['0', '13.0.1']], ['CVE-2024-21907']),
  advisory('github:java', 'GHSA-jfh8-c2jp-5v3q', 'org.apache.logging.log4j:log4j-core', [['2.13.0', '2.15.0'], ['2.0-beta9', '2.12.2']], ['CVE-2021-44228'], 'Critical'),
  advisory('github:java', 'GHSA-57j2-w4cx-62h2', 'com.fasterxml.jackson.core:jackson-databind', [['2.13.0', '2.13.2.1'], ['0', '2.12.6.1']], ['CVE-2020-36518']),
  advisory('github:java', 'GHSA-7g45-4rm6-3mm3', 'com.google.guava:guava', [['1.0', '32.0.0-android']], ['CVE-2023-2976'], 'Medium'),
];

let db: TestDb;

beforeAll(async () => {
  db = await createEngineTestDb();
  await seedEngine(db.sql, ADVISORIES);
});
afterAll(async () => {
  await db.drop();
});

/** Scans a fixture through the store: `package@version id fix (aliases)` per match, and the counts. */
async function scan(name: string) {
  const inv = await parseInput(path.join(FIXTURES, name));
  const available = new Set((await listGroups(db.sql)).map((g) => g.name));
  const r = await matchInventory(inv, {
    lookup: (g, names) => lookupAffected(db.sql, g, names),
    records: (g, ids) => lookupRecordFacts(db.sql, g, ids),
    available,
  });
  return {
    matches: r.matches.map((m) => `${m.package}@${m.installedVersion} ${m.vulnId} ${m.fixedVersion ?? '-'}${m.aliases?.length ? ` (${m.aliases.join(' ')})` : ''}`).sort(),
    problems: r.problems,
    checked: r.checked,
    packages: r.packages,
    unchecked: r.unchecked,
  };
}

const LODASH = [
  'lodash@4.17.20 GHSA-29mw-wpgm-hmr9 4.17.21 (CVE-2020-28500)',
  'lodash@4.17.20 GHSA-35jh-r3h4-6jhm 4.17.21 (CVE-2021-23337)',
];
const DJANGO = 'Django@4.2.11 GHSA-qg2p-9jwr-mmqf 4.2.14 (CVE-2024-38875 PYSEC-2024-56)';
const XNET = 'golang.org/x/net@v0.0.0-20220225172249-27dd8689420f GHSA-69cg-p879-7622 0.0.0-20220906165146-f3363e06e74c (CVE-2022-27664 GO-2022-0969)';
const DOCKER = 'github.com/docker/docker@v24.0.7+incompatible GO-2024-2913 24.0.9+incompatible (CVE-2024-24557 GHSA-xw73-rw38-6vjc)';

describe('every lockfile format, scanned through the store', () => {
  it.each<[string, string[]]>([
    ['yarn-v1.lock', [...LODASH, 'minimist@1.2.5 GHSA-xvch-5gv4-984h 1.2.6 (CVE-2021-44906)']],
    ['yarn-berry.lock', LODASH],
    ['pnpm-lock-v9.yaml', LODASH],
    ['pnpm-lock-v6.yaml', LODASH],
    ['pnpm-lock-v5.yaml', LODASH],
    ['requirements.txt', [DJANGO]],
    ['poetry.lock', [DJANGO]],
    ['Pipfile.lock', [DJANGO.replace('Django@', 'django@'), 'urllib3@2.2.1 GHSA-34jh-p97f-mpxf 2.2.2 (CVE-2024-37891)']],
    // idna 3.7 is the fix itself: not affected.
    ['uv.lock', ['jinja2@3.1.3 GHSA-h75v-3vvj-5mfj 3.1.4 (CVE-2024-34064)']],
    // gorilla/mux is replaced by a fork (not matched as mux); x/text is replaced by v0.3.8, the fix.
    ['go.mod', [DOCKER, XNET]],
    ['go.sum', [
      DOCKER,
      'github.com/gorilla/mux@v1.8.0 GO-TEST-MUX 1.8.1',
      XNET,
      'golang.org/x/text@v0.3.7 GO-2022-1059 0.3.8 (CVE-2022-32149 GHSA-69ch-w2m2-3vjp)',
    ]],
    // ring comes from git: not matched although a record names it.
    ['Cargo.lock', ['smallvec@1.6.0 RUSTSEC-2021-0003 1.6.1 (CVE-2021-25900 GHSA-43w2-9j62-hq99)', 'time@0.1.43 RUSTSEC-2020-0071 0.2.23 (CVE-2020-26235 GHSA-wcg3-cvx6-7396)']],
    ['Gemfile.lock', ['rack@2.2.3 GHSA-wq4h-7r42-5hrr 2.2.3.1 (CVE-2022-30123)']],
    // symfony/http-kernel v6.4.1 ("v" accepted) is above the 6.3.8 fix.
    ['composer.lock', ['guzzlehttp/psr7@2.4.4 GHSA-wxmh-65f7-jcvw 2.4.5 (CVE-2023-29197)']],
    ['packages.lock.json', ['Newtonsoft.Json@12.0.3 GHSA-5crp-9r3c-p9vr 13.0.1 (CVE-2024-21907)']],
    // Maven order: 2.13.2 < 2.13.2.1, 31.1-jre < 32.0.0-android.
    ['gradle.lockfile', [
      'com.fasterxml.jackson.core:jackson-databind@2.13.2 GHSA-57j2-w4cx-62h2 2.13.2.1 (CVE-2020-36518)',
      'com.google.guava:guava@31.1-jre GHSA-7g45-4rm6-3mm3 32.0.0-android (CVE-2023-2976)',
      'org.apache.logging.log4j:log4j-core@2.14.1 GHSA-jfh8-c2jp-5v3q 2.15.0 (CVE-2021-44228)',
    ]],
    ['cyclonedx-languages.json', [
      DJANGO.replace('Django@', 'django@'),
      'Newtonsoft.Json@12.0.3 GHSA-5crp-9r3c-p9vr 13.0.1 (CVE-2024-21907)',
      XNET,
      'guzzlehttp/psr7@2.4.4 GHSA-wxmh-65f7-jcvw 2.4.5 (CVE-2023-29197)',
      ...LODASH,
      'org.apache.logging.log4j:log4j-core@2.14.1 GHSA-jfh8-c2jp-5v3q 2.15.0 (CVE-2021-44228)',
      'rack@2.2.3 GHSA-wq4h-7r42-5hrr 2.2.3.1 (CVE-2022-30123)',
      'stdlib@1.22.3 GO-2024-2887 1.22.4 (CVE-2024-24790)',
      'time@0.1.43 RUSTSEC-2020-0071 0.2.23 (CVE-2020-26235 GHSA-wcg3-cvx6-7396)',
    ].sort()],
  ])('%s', async (name, expected) => {
    const r = await scan(name);
    expect(r.matches).toEqual([...expected].sort());
    expect(r.problems).toEqual([]);
    expect(r.unchecked).toEqual([]);
    expect(r.checked).toBe(r.packages);
  });

  it('merges a flaw with the highest severity of its records (PYSEC-2024-56 is Critical)', async () => {
    const inv = await parseInput(path.join(FIXTURES, 'requirements.txt'));
    const r = await matchInventory(inv, {
      lookup: (g, names) => lookupAffected(db.sql, g, names),
      records: (g, ids) => lookupRecordFacts(db.sql, g, ids),
      available: new Set(['github:python']),
    });
    expect(r.matches.map((m) => [m.vulnId, m.severity, m.link])).toEqual([['GHSA-qg2p-9jwr-mmqf', 'Critical', 'https://osv.dev/vulnerability/GHSA-qg2p-9jwr-mmqf']]);
  });
});
