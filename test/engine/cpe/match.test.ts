/**
 * `--match cpe` on real PostgreSQL: NVD records written to the engine's store as a sync writes them
 * (their CPE targets indexed), an SBOM's CPE components matched against their configurations.
 *
 * CVE-2024-9681 (curl, 7.74.0 ≤ v < 8.11.0) and CVE-2021-3156 (sudo: two ranges, two exact
 * versions, AND configurations with a hardware platform) are NVD's records
 * (test/fixtures/engine/enrich/nvd-records.json). The CVE-2099-* records are made up here to
 * exercise what those two do not: `target_sw`, `negate`, a platform that is the scanned OS, and a
 * bound the ecosystem's comparator refuses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRecord, type VulnRecord } from '../../../drivers/_framework/record.ts';
import { type CpeMatchResult, matchCpes } from '../../../engine-client/cpe/match.ts';
import { parseInput } from '../../../engine-client/inputs/index.ts';
import type { CpeComponent, Inventory } from '../../../engine-client/inputs/types.ts';
import { fromNormalized } from '../../../engine-client/sources/convert.ts';
import { cpeCandidates, docsById } from '../../../engine-client/store/docs.ts';
import { lockGroups, setGroupState, type VulnChange, writeGroup } from '../../../engine-client/store/write.ts';
import type { TestDb } from '../../helpers/db.ts';
import { createEngineTestDb } from '../../helpers/engine-db.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SBOM = path.join(ROOT, 'test/fixtures/engine/inputs/cyclonedx-1.5-cpes.json');
const NVD = 'nvdv2:cves';

function made(id: string, configurations: VulnRecord['configurations']): VulnRecord {
  return validateRecord({
    schemaVersion: 2, id, namespace: NVD, severity: 'High', description: 'made up for the CPE matching test', link: null, aliases: [],
    cvss: [], configurations, fixedIn: [], references: [], published: null, modified: null, withdrawn: null, metadata: {},
    provenance: { driver: 'test', source: 'cpe/match.test.ts' },
  });
}
const m = (criteria: string, extra: Record<string, string | boolean> = {}) => ({ vulnerable: true, criteria, matchCriteriaId: `ID-${criteria.length}`, ...extra });
const node = (cpeMatch: ReturnType<typeof m>[], negate = false, operator: 'AND' | 'OR' = 'OR') => ({ operator, negate, cpeMatch });

const MADE: VulnRecord[] = [
  // Shaped after NVD's lodash criteria: the product is an npm package (target_sw node.js).
  made('CVE-2099-0001', [{ nodes: [node([m('cpe:2.3:a:lodash:lodash:*:*:*:*:*:node.js:*:*', { versionEndExcluding: '4.17.21' })])] }]),
  // NVD writes bounds its product's ecosystem may refuse: npm's semver wants MAJOR.MINOR.PATCH.
  made('CVE-2099-0002', [{ nodes: [node([m('cpe:2.3:a:example:widget:*:*:*:*:*:*:*:*', { versionEndExcluding: '2.0' })])] }]),
  // "curl, except when running on Debian 12": negate, and the platform is the scanned OS itself.
  made('CVE-2099-0003', [{ operator: 'AND', nodes: [
    node([m('cpe:2.3:a:haxx:curl:*:*:*:*:*:*:*:*', { versionStartIncluding: '8.0.0' })]),
    node([m('cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*', { vulnerable: false })], true),
  ] }]),
  // "sudo 1.9.5 running on Alpine 3.20": a platform the input names only through its distro.
  made('CVE-2099-0004', [{ operator: 'AND', nodes: [
    node([m('cpe:2.3:a:sudo_project:sudo:1.9.5:*:*:*:*:*:*:*')]),
    node([m('cpe:2.3:o:alpinelinux:alpine_linux:3.20:*:*:*:*:*:*:*', { vulnerable: false })]),
  ] }]),
];

let db: TestDb;

async function load(records: VulnRecord[]): Promise<void> {
  await db.sql.begin(async (tx) => {
    await lockGroups(tx, [NVD]);
    async function* changes(): AsyncGenerator<VulnChange> {
      for (const r of records) {
        const c = fromNormalized(r, NVD, r.id);
        if (typeof c === 'string') throw new Error(c);
        yield c;
      }
    }
    await writeGroup(tx, { group: NVD, mode: 'replace', changes: changes() });
    await setGroupState(tx, NVD, { feed: 'nvdv2', source: 'test' });
  });
}

const reader = () => ({ candidates: (g: string, k: readonly { vendor: string; product: string }[]) => cpeCandidates(db.sql, g, k), docs: (g: string, ids: readonly string[]) => docsById(db.sql, [g], ids) });
const summary = (r: CpeMatchResult): string[] => r.matches.map((x) => `${x.package} ${x.installedVersion} ${x.kind} ${x.vulnId} ${x.matchedName} fix ${x.fixedVersion ?? '-'}`).sort();

beforeAll(async () => {
  db = await createEngineTestDb();
  const nvd = (JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/engine/enrich/nvd-records.json'), 'utf8')) as unknown[]).map((r) => validateRecord(r));
  await load([...nvd, ...MADE]);
});
afterAll(async () => {
  await db.drop();
});

describe('the store', () => {
  it("indexes the vulnerable vendor:product pairs of each record's configurations", async () => {
    const rows = await db.sql<{ id: string; t: string }[]>`select vuln_id as id, part || ':' || vendor || ':' || product as t from cpe_targets order by 1, 2`;
    expect(rows.filter((r) => r.id === 'CVE-2021-3156').map((r) => r.t)).toEqual([
      'a:beyondtrust:privilege_management_for_unix/linux', 'a:sudo_project:sudo', 'o:debian:debian_linux', 'o:synology:skynas_firmware',
    ]);
    expect(rows.filter((r) => r.id === 'CVE-2024-9681').map((r) => r.t)).toEqual(['a:haxx:curl']);
    // A record without configurations has no targets.
    expect(rows.some((r) => r.id === 'CVE-2024-9143')).toBe(false);
  });
});

describe('matchCpes on an SBOM', () => {
  let result: CpeMatchResult;
  beforeAll(async () => {
    result = await matchCpes(await parseInput(SBOM), { reader: reader(), distro: { id: 'alpine', release: '3.20' } });
  });

  it('matches version ranges, exact versions, target software and the OS platform; not fixed versions, other ecosystems or distro packages', () => {
    expect(summary(result)).toEqual([
      // 7.74.0 <= 8.9.1 < 8.11.0; not excluded: the scanned OS is not Debian 12.
      'curl 8.9.1 cpe CVE-2024-9681 cpe:2.3:a:haxx:curl:*:*:*:*:*:*:*:* fix 8.11.0',
      'curl 8.9.1 cpe CVE-2099-0003 cpe:2.3:a:haxx:curl:*:*:*:*:*:*:*:* fix -',
      // npm's lodash against target_sw node.js; PyPI's lodash of the same CPE is not.
      'lodash 4.17.20 npm CVE-2099-0001 cpe:2.3:a:lodash:lodash:*:*:*:*:*:node.js:*:* fix 4.17.21',
      // Exactly 1.9.5 (the criterion's update `-` against the SBOM's ANY); and "on Alpine 3.20" holds.
      'sudo 1.9.5 cpe CVE-2021-3156 cpe:2.3:a:sudo_project:sudo:1.9.5:-:*:*:*:*:*:* fix -',
      'sudo 1.9.5 cpe CVE-2099-0004 cpe:2.3:a:sudo_project:sudo:1.9.5:*:*:*:*:*:*:* fix -',
    ]);
    expect(result.components).toBe(8);
    expect(result.distroPackages).toBe(1);
  });

  it('reports what it cannot decide: a malformed CPE, a bound the ecosystem refuses', () => {
    expect(result.problems.map((p) => `${p.package} ${p.vulnId ?? '-'}: ${p.message}`)).toEqual([
      'mystery -: "cpe:2.3:a:mystery" is not a CPE name: a CPE 2.3 name has 11 attributes after "cpe:2.3:", this one 2; the component was not CPE-matched by it',
      'widget CVE-2099-0002: version 1.5.0 cannot be compared with cpe:2.3:a:example:widget:*:*:*:*:*:*:*:* by semver: semver: "2.0" is not a valid version: expected MAJOR.MINOR.PATCH',
    ]);
  });

  it('takes a platform from the input: a firmware CVE holds only with its hardware listed', async () => {
    const firmware: CpeComponent = { name: 'skynas firmware', cpes: ['cpe:2.3:o:synology:skynas_firmware:-:*:*:*:*:*:*:*'], location: 'fw', version: '7.0' };
    const hardware: CpeComponent = { name: 'skynas', cpes: ['cpe:2.3:h:synology:skynas:-:*:*:*:*:*:*:*'], location: 'hw' };
    const inv = (components: CpeComponent[]): Inventory => ({ file: 'inline', format: 'cyclonedx', packages: [], cpeComponents: components });
    expect(summary(await matchCpes(inv([firmware]), { reader: reader() }))).toEqual([]);
    // The hardware itself (vulnerable: false) is never reported.
    expect(summary(await matchCpes(inv([firmware, hardware]), { reader: reader() }))).toEqual([
      'skynas firmware 7.0 cpe CVE-2021-3156 cpe:2.3:o:synology:skynas_firmware:-:*:*:*:*:*:*:* fix -',
    ]);
  });

  it('follows negate: on Debian 12 the curl CVE that excludes it does not hold, and sudo is not "on Alpine"', async () => {
    const r = await matchCpes(await parseInput(SBOM), { reader: reader(), distro: { id: 'debian', release: '12' } });
    const ids = summary(r).map((s) => s.split(' ')[3]);
    expect(ids).toContain('CVE-2024-9681');
    expect(ids).not.toContain('CVE-2099-0003');
    expect(ids).not.toContain('CVE-2099-0004');
  });
});
