/**
 * Record facts read from the engine store for the matcher: aliases and withdrawal of normalized
 * records (/v2, bundles) and of Anchore /v1 `github` advisories, none for /v1 `vulnerabilities`
 * records; a document with `\u0000` (which jsonb would refuse) is read too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromAnchore, fromNormalized } from '../../../engine-client/sources/convert.ts';
import { lookupRecordFacts } from '../../../engine-client/store/records.ts';
import { lockGroups, setGroupState, type VulnUpsert, writeGroup } from '../../../engine-client/store/write.ts';
import type { TestDb } from '../../helpers/db.ts';
import { createEngineTestDb } from '../../helpers/engine-db.ts';
import { iterate, makeRecord } from '../../helpers/records.ts';

let db: TestDb;

function ok(c: VulnUpsert | string): VulnUpsert {
  if (typeof c === 'string') throw new Error(c);
  return c;
}

async function write(group: string, changes: VulnUpsert[]): Promise<void> {
  await db.sql.begin(async (tx) => {
    await lockGroups(tx, [group]);
    await writeGroup(tx, { group, mode: 'replace', changes: iterate(changes) });
    await setGroupState(tx, group, { feed: 'github', source: 'service http://test' });
  });
}

beforeAll(async () => {
  db = await createEngineTestDb();
  const npm = 'github:npm';
  const fixedIn = [{ package: 'x', versionScheme: 'semver' as const, state: 'fixed' as const, version: '1.0.0' }];
  await write(npm, [
    // A backslash followed by the text "u0000" (JSON "\\u0000") is no NUL escape, and must stay valid.
    ok(fromNormalized({ ...makeRecord(npm, 'GHSA-live'), aliases: ['CVE-2024-1', 'PYSEC-2024-1'], description: 'C:\\u0000 path', fixedIn }, npm, 'GHSA-live')),
    ok(fromNormalized({ ...makeRecord(npm, 'GHSA-gone'), aliases: [], withdrawn: '2024-05-01T00:00:00Z', description: 'nul \u0000 inside', fixedIn }, npm, 'GHSA-gone')),
  ]);
  const anchore = 'github:gem';
  const advisory = (ghsaId: string, withdrawn: string | null) => ({
    Advisory: { ghsaId, namespace: anchore, Severity: 'High', url: null, withdrawn, CVE: ['CVE-2022-30123'], FixedIn: [{ name: 'rack', range: '< 2.2.3.1', identifier: '2.2.3.1', ecosystem: 'gem' }] },
  });
  await write(anchore, [ok(fromAnchore(advisory('GHSA-wq4h-7r42-5hrr', null), anchore)), ok(fromAnchore(advisory('GHSA-old', '2023-01-01T00:00:00Z'), anchore))]);
  const alpine = 'alpine:3.20';
  await write(alpine, [ok(fromAnchore({ Vulnerability: { Name: 'CVE-2024-2', NamespaceName: alpine, Severity: 'Low', FixedIn: [{ Name: 'curl', Version: '8.0-r0', VersionFormat: 'apk' }] } }, alpine))]);
});
afterAll(async () => {
  await db.drop();
});

describe('lookupRecordFacts', () => {
  it('reads aliases and withdrawal of normalized records, also of a document jsonb would refuse', async () => {
    const facts = await lookupRecordFacts(db.sql, 'github:npm', ['GHSA-live', 'GHSA-gone', 'GHSA-absent']);
    expect(facts.get('GHSA-live')).toEqual({ aliases: ['CVE-2024-1', 'PYSEC-2024-1'], withdrawn: false });
    expect(facts.get('GHSA-gone')).toEqual({ aliases: [], withdrawn: true });
    expect(facts.size).toBe(2);
  });

  it('reads an Anchore github advisory\'s CVE list as its aliases and its withdrawn time', async () => {
    const facts = await lookupRecordFacts(db.sql, 'github:gem', ['GHSA-wq4h-7r42-5hrr', 'GHSA-old']);
    expect(facts.get('GHSA-wq4h-7r42-5hrr')).toEqual({ aliases: ['CVE-2022-30123'], withdrawn: false });
    expect(facts.get('GHSA-old')).toEqual({ aliases: ['CVE-2022-30123'], withdrawn: true });
  });

  it('gives an Anchore vulnerability record no aliases, and nothing for no ids', async () => {
    expect((await lookupRecordFacts(db.sql, 'alpine:3.20', ['CVE-2024-2'])).get('CVE-2024-2')).toEqual({ aliases: [], withdrawn: false });
    expect((await lookupRecordFacts(db.sql, 'alpine:3.20', [])).size).toBe(0);
  });
});
