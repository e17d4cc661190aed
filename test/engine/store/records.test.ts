/**
 * Record facts read from the engine store for the matcher: aliases and withdrawal of normalized
 * records (/v2, bundles) and of Anchore /v1 `github` advisories, none for /v1 `vulnerabilities`
 * records; a document with `\u0000` (which jsonb would refuse) is read too. The facts are columns
 * written at sync time (migration 006); rows stored before keep them NULL and are read from their
 * documents, until a staged sync fills them in without counting the record as changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromAnchore, fromNormalized } from '../../../engine-client/sources/convert.ts';
import { lookupRecordFacts } from '../../../engine-client/store/records.ts';
import { lockGroups, setGroupState, type VulnUpsert, type WriteResult, writeGroup } from '../../../engine-client/store/write.ts';
import type { TestDb } from '../../helpers/db.ts';
import { createEngineTestDb } from '../../helpers/engine-db.ts';
import { iterate, makeRecord } from '../../helpers/records.ts';

let db: TestDb;

function ok(c: VulnUpsert | string): VulnUpsert {
  if (typeof c === 'string') throw new Error(c);
  return c;
}

async function write(group: string, changes: VulnUpsert[]): Promise<WriteResult> {
  return db.sql.begin(async (tx) => {
    await lockGroups(tx, [group]);
    const result = await writeGroup(tx, { group, mode: 'replace', changes: iterate(changes) });
    await setGroupState(tx, group, { feed: 'github', source: 'service http://test' });
    return result;
  });
}

const npmFixedIn = [{ package: 'x', versionScheme: 'semver' as const, state: 'fixed' as const, version: '1.0.0' }];
// Ids no ecosystem uses, but the array literal must carry: quotes, backslashes, commas, braces, spaces.
const ODD_ALIASES = ['CVE-2024-1', 'a "quoted", {braced} \\ id', 'NULL'];

beforeAll(async () => {
  db = await createEngineTestDb();
  const npm = 'github:npm';
  const fixedIn = npmFixedIn;
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
  it('reads the facts from the columns the sync wrote, on the first and the staged path', async () => {
    const rows = await db.sql<{ id: string; aliases: string[] | null; withdrawn: boolean | null }[]>`
      select id, aliases, withdrawn from vulnerabilities where group_name in ('github:npm', 'github:gem', 'alpine:3.20') order by id`;
    expect(rows).toEqual([
      { id: 'CVE-2024-2', aliases: [], withdrawn: false },
      { id: 'GHSA-gone', aliases: [], withdrawn: true },
      { id: 'GHSA-live', aliases: ['CVE-2024-1', 'PYSEC-2024-1'], withdrawn: false },
      { id: 'GHSA-old', aliases: ['CVE-2022-30123'], withdrawn: true },
      { id: 'GHSA-wq4h-7r42-5hrr', aliases: ['CVE-2022-30123'], withdrawn: false },
    ]);
    // A second write of a group goes through the stage: the new record's odd aliases arrive intact.
    const group = 'github:npm';
    const odd = ok(fromNormalized({ ...makeRecord(group, 'GHSA-odd'), aliases: ODD_ALIASES, fixedIn: npmFixedIn }, group, 'GHSA-odd'));
    const kept = (await db.sql<{ doc: string }[]>`select doc from vulnerabilities where group_name = ${group} order by id`).map((r) => r.doc);
    const again = [...kept.map((doc) => ok(fromNormalized(JSON.parse(doc), group, (JSON.parse(doc) as { id: string }).id, doc))), odd];
    expect((await write(group, again)).path).toBe('staged');
    expect((await lookupRecordFacts(db.sql, group, ['GHSA-odd'])).get('GHSA-odd')).toEqual({ aliases: ODD_ALIASES, withdrawn: false });
  });

  it('reads a row stored before migration 006 from its document, and a staged sync fills its columns without counting it changed', async () => {
    const group = 'github:npm';
    await db.sql`update vulnerabilities set aliases = null, withdrawn = null where group_name = ${group}`;
    const facts = await lookupRecordFacts(db.sql, group, ['GHSA-live', 'GHSA-gone', 'GHSA-odd']);
    expect(facts.get('GHSA-live')).toEqual({ aliases: ['CVE-2024-1', 'PYSEC-2024-1'], withdrawn: false });
    expect(facts.get('GHSA-gone')).toEqual({ aliases: [], withdrawn: true });
    expect(facts.get('GHSA-odd')).toEqual({ aliases: ODD_ALIASES, withdrawn: false });

    const docs = await db.sql<{ id: string; doc: string }[]>`select id, doc from vulnerabilities where group_name = ${group} order by id`;
    const result = await write(group, docs.map((r) => ok(fromNormalized(JSON.parse(r.doc), group, r.id, r.doc))));
    expect(result).toMatchObject({ path: 'staged', upserts: 0, deletions: 0 });
    const filled = await db.sql<{ n: number }[]>`select count(*)::int as n from vulnerabilities where group_name = ${group} and aliases is null`;
    expect(filled[0]?.n).toBe(0);
    expect((await lookupRecordFacts(db.sql, group, ['GHSA-gone'])).get('GHSA-gone')).toEqual({ aliases: [], withdrawn: true });
  });

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
