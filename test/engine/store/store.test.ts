import fs from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAirfeedError } from '../../../drivers/_framework/errors.ts';
import { silentLogger } from '../../../drivers/_framework/log.ts';
import type { VulnRecord } from '../../../drivers/_framework/record.ts';
import { loadEngineConfig } from '../../../engine-client/config.ts';
import { fromNormalized } from '../../../engine-client/sources/convert.ts';
import { engineSchemaStatus, migrateEngine, openEngineDatabase, type Sql } from '../../../engine-client/store/db.ts';
import { engineStatus, listGroups, lookupAffected } from '../../../engine-client/store/status.ts';
import { lockGroups, setGroupState, type VulnChange, type VulnUpsert, writeGroup } from '../../../engine-client/store/write.ts';
import { createTestDb, type TestDb } from '../../helpers/db.ts';
import { createEngineTestDb } from '../../helpers/engine-db.ts';
import { tempDir } from '../../helpers/mirror.ts';
import { iterate, makeRecord } from '../../helpers/records.ts';

let db: TestDb;
const G = 'github:npm';

function upsert(r: VulnRecord): VulnUpsert {
  const change = fromNormalized(r, r.namespace, r.id);
  if (typeof change === 'string') throw new Error(change);
  return change;
}

function advisory(id: string, pkg: string, fixed: string): VulnRecord {
  return {
    ...makeRecord(G, id, fixed, pkg),
    severity: 'High',
    link: `https://github.com/advisories/${id}`,
    fixedIn: [{ package: pkg, versionScheme: 'semver', state: 'fixed', version: fixed, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }], ecosystem: 'npm' }],
  };
}

async function write(sql: Sql, group: string, mode: 'replace' | 'changes', changes: VulnChange[], feed = 'github'): Promise<{ upserts: number; deletions: number; received: number; records: number; affected: number }> {
  return sql.begin(async (tx) => {
    await lockGroups(tx, [group]);
    const w = await writeGroup(tx, { group, mode, changes: iterate(changes) });
    const counts = await setGroupState(tx, group, { feed, source: 'service http://test' });
    return { ...w, ...counts };
  });
}

beforeAll(async () => {
  db = await createEngineTestDb();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.sql`truncate groups, vulnerabilities, affected`;
});

describe('loadEngineConfig', () => {
  it('has defaults and reads every variable', () => {
    const d = loadEngineConfig({});
    expect(d).toMatchObject({ databaseUrl: undefined, embeddedPort: undefined, maxAge: '3d', maxAgeMs: 3 * 86_400_000 });
    expect(d.home.endsWith('/.airfeed-engine')).toBe(true);
    const c = loadEngineConfig({
      AIRFEED_ENGINE_HOME: '/var/lib/engine', AIRFEED_ENGINE_DATABASE_URL: 'postgres://u@db:5432/engine', AIRFEED_ENGINE_PG_PORT: '5544', AIRFEED_ENGINE_MAX_AGE: '2d',
    });
    expect(c).toEqual({ home: '/var/lib/engine', databaseUrl: 'postgres://u@db:5432/engine', embeddedPort: 5544, maxAge: '2d', maxAgeMs: 2 * 86_400_000 });
  });

  it('refuses bad values with CONFIG_INVALID naming the variable', () => {
    for (const [env, name] of [
      [{ AIRFEED_ENGINE_MAX_AGE: 'soon' }, 'AIRFEED_ENGINE_MAX_AGE'],
      [{ AIRFEED_ENGINE_MAX_AGE: '0d' }, 'AIRFEED_ENGINE_MAX_AGE'],
      [{ AIRFEED_ENGINE_DATABASE_URL: 'mysql://x' }, 'AIRFEED_ENGINE_DATABASE_URL'],
      [{ AIRFEED_ENGINE_PG_PORT: '70000' }, 'AIRFEED_ENGINE_PG_PORT'],
    ] as const) {
      let err: unknown;
      try {
        loadEngineConfig(env);
      } catch (e) {
        err = e;
      }
      expect(isAirfeedError(err, 'CONFIG_INVALID')).toBe(true);
      expect((err as Error).message).toContain(name);
    }
  });
});

describe('openEngineDatabase', () => {
  it('migrates an external database once, and refuses a feed service database', async () => {
    const empty = await createTestDb({ migrate: false });
    const service = await createTestDb();
    try {
      const config = { ...loadEngineConfig({}), databaseUrl: empty.url };
      const opened = await openEngineDatabase(config, silentLogger);
      expect(await engineSchemaStatus(opened.sql)).toEqual({ current: 6, latest: 6 });
      expect(await migrateEngine(opened.sql, silentLogger)).toEqual([]);
      await opened.close();
      const err = await openEngineDatabase({ ...config, databaseUrl: service.url }, silentLogger).catch((e: unknown) => e);
      expect(isAirfeedError(err, 'CONFIG_INVALID')).toBe(true);
      expect((err as Error).message).toMatch(/holds a feed service database/);
    } finally {
      await Promise.all([empty.drop(), service.drop()]);
    }
  });

  it('starts an embedded PostgreSQL under <home>/db with database airfeed_engine', async () => {
    const home = await tempDir('airfeed-engine-home-');
    // As root the server runs as user postgres, which must be able to enter the home directory.
    await fs.chmod(home, 0o755);
    try {
      const opened = await openEngineDatabase({ ...loadEngineConfig({ AIRFEED_ENGINE_HOME: home }) }, silentLogger);
      try {
        const [row] = await opened.sql<{ db: string }[]>`select current_database() as db`;
        expect(row?.db).toBe('airfeed_engine');
        expect(opened.description).toContain(`${home}/db`);
        expect(await opened.sql`select * from affected`).toHaveLength(0);
      } finally {
        await opened.close();
      }
    } finally {
      await fs.rm(home, { recursive: true, force: true });
    }
  });
});

describe('writeGroup', () => {
  it('turns fixedIn entries into affected rows (state "affected" is no fix) and keeps the doc', async () => {
    const r = makeRecord('alpine:3.20', 'CVE-1', '1.0-r1', 'zlib');
    r.fixedIn.push({ package: 'zlib-ng', versionScheme: 'apk', state: 'affected' });
    const result = await write(db.sql, 'alpine:3.20', 'replace', [upsert(r)], 'vulnerabilities');
    expect(result).toEqual({ received: 1, upserts: 1, deletions: 0, path: 'staged', records: 1, affected: 2 });
    expect(await lookupAffected(db.sql, 'alpine:3.20', ['zlib', 'zlib-ng'])).toEqual([
      { group: 'alpine:3.20', vulnId: 'CVE-1', package: 'zlib', scheme: 'apk', state: 'fixed', fixed: '1.0-r1', ranges: null, versions: null, channel: null, severity: 'Unknown', link: null },
      { group: 'alpine:3.20', vulnId: 'CVE-1', package: 'zlib-ng', scheme: 'apk', state: 'affected', fixed: null, ranges: null, versions: null, channel: null, severity: 'Unknown', link: null },
    ]);
    const [doc] = await db.sql<{ doc: string }[]>`select doc from vulnerabilities where id = 'CVE-1'`;
    expect(JSON.parse(doc?.doc ?? '')).toEqual(r);
  });

  it('applies changes (upserts and deletions by id), rewriting only what changed; the last change of an id wins', async () => {
    await write(db.sql, G, 'replace', [upsert(advisory('GHSA-1', 'lodash', '4.17.21')), upsert(advisory('GHSA-2', 'minimist', '1.2.6')), upsert(advisory('GHSA-3', 'qs', '6.10.3'))]);
    const ctid = async (id: string): Promise<string | undefined> => (await db.sql<{ c: string }[]>`select ctid::text as c from affected where vuln_id = ${id}`)[0]?.c;
    const untouched = await ctid('GHSA-3');
    const result = await write(db.sql, G, 'changes', [
      upsert(advisory('GHSA-1', 'lodash', '4.17.20')),
      { id: 'GHSA-2', deleted: true },
      upsert(advisory('GHSA-1', 'lodash', '4.17.22')),
      upsert(advisory('GHSA-3', 'qs', '6.10.3')),
      { id: 'GHSA-404', deleted: true },
    ]);
    expect(result).toEqual({ received: 5, upserts: 1, deletions: 1, path: 'staged', records: 2, affected: 2 });
    expect(await ctid('GHSA-3')).toBe(untouched);
    expect(await lookupAffected(db.sql, G, ['lodash', 'minimist'])).toEqual([
      {
        group: G, vulnId: 'GHSA-1', package: 'lodash', scheme: 'semver', state: 'fixed', fixed: '4.17.22', versions: null, channel: null, severity: 'High', link: 'https://github.com/advisories/GHSA-1',
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.22' }] }],
      },
    ]);
  });

  it('replaces a group completely, leaving other groups alone', async () => {
    await write(db.sql, G, 'replace', [upsert(advisory('GHSA-1', 'lodash', '4.17.21')), upsert(advisory('GHSA-2', 'minimist', '1.2.6'))]);
    await write(db.sql, 'alpine:3.20', 'replace', [upsert(makeRecord('alpine:3.20', 'CVE-1', '1.0-r1', 'lodash'))], 'vulnerabilities');
    const result = await write(db.sql, G, 'replace', [upsert(advisory('GHSA-2', 'minimist', '1.2.6')), upsert(advisory('GHSA-9', 'axios', '1.6.0'))]);
    expect(result).toEqual({ received: 2, upserts: 1, deletions: 1, path: 'staged', records: 2, affected: 2 });
    expect((await db.sql<{ id: string }[]>`select id from vulnerabilities where group_name = ${G} order by id`).map((r) => r.id)).toEqual(['GHSA-2', 'GHSA-9']);
    expect((await lookupAffected(db.sql, 'alpine:3.20', ['lodash'])).map((r) => r.vulnId)).toEqual(['CVE-1']);
  });

  it('rolls back with the caller transaction when the changes fail midway', async () => {
    await write(db.sql, G, 'replace', [upsert(advisory('GHSA-1', 'lodash', '4.17.21'))]);
    async function* failing(): AsyncGenerator<VulnChange> {
      yield upsert(advisory('GHSA-1', 'lodash', '9.9.9'));
      throw new Error('source broke');
    }
    await expect(db.sql.begin(async (tx) => writeGroup(tx, { group: G, mode: 'replace', changes: failing() }))).rejects.toThrow('source broke');
    expect((await lookupAffected(db.sql, G, ['lodash'])).map((r) => r.fixed)).toEqual(['4.17.21']);
  });
});

describe('lookupAffected', () => {
  it('returns exactly the rows of the asked names in the asked group, in one query', async () => {
    await write(db.sql, G, 'replace', [
      upsert(advisory('GHSA-1', 'lodash', '4.17.21')), upsert(advisory('GHSA-2', 'minimist', '1.2.6')),
      upsert(advisory('GHSA-3', 'lodash', '4.17.12')), upsert(advisory('GHSA-4', 'qs', '6.10.3')),
    ]);
    await write(db.sql, 'github:python', 'replace', [upsert({ ...advisory('GHSA-5', 'lodash', '1.0'), namespace: 'github:python' })]);
    const many = Array.from({ length: 5000 }, (_, i) => `pkg-${i}`);
    const rows = await lookupAffected(db.sql, G, [...many, 'lodash', 'qs', 'lodash', 'not-there']);
    expect(rows.map((r) => `${r.package} ${r.vulnId} ${r.fixed}`)).toEqual(['lodash GHSA-1 4.17.21', 'lodash GHSA-3 4.17.12', 'qs GHSA-4 6.10.3']);
    expect(await lookupAffected(db.sql, G, [])).toEqual([]);
    expect(await lookupAffected(db.sql, 'github:gem', ['lodash'])).toEqual([]);
  });
});

describe('engineStatus', () => {
  it('reports origin, sizes and age per group, and flags the stale ones', async () => {
    await write(db.sql, G, 'replace', [upsert(advisory('GHSA-1', 'lodash', '4.17.21')), upsert(advisory('GHSA-2', 'minimist', '1.2.6'))]);
    await db.sql.begin(async (tx) => {
      await lockGroups(tx, ['alpine:3.20']);
      await writeGroup(tx, { group: 'alpine:3.20', mode: 'replace', changes: iterate([upsert(makeRecord('alpine:3.20', 'CVE-1'))]) });
      await setGroupState(tx, 'alpine:3.20', {
        feed: 'vulnerabilities', source: 'bundle full-x', dataAsOf: new Date('2025-01-01T00:00:00Z'),
        bundle: { bundleId: 'full-x', manifestSha256: 'a'.repeat(64), toSeq: 7, created: new Date('2025-01-01T00:00:00Z') },
      });
    });
    const [fresh] = await listGroups(db.sql).then((g) => g.filter((x) => x.name === G));
    const now = new Date((fresh?.dataAsOf.getTime() ?? 0) + 60_000);
    const status = await engineStatus(db.sql, { now, maxAgeMs: 3 * 86_400_000 });
    expect(status.map((s) => [s.name, s.feed, s.source, s.records, s.affected, s.stale])).toEqual([
      ['alpine:3.20', 'vulnerabilities', 'bundle full-x', 1, 1, true],
      [G, 'github', 'service http://test', 2, 2, false],
    ]);
    expect(status[1]?.ageMs).toBe(60_000);
    expect(status[0]?.ageMs).toBe(now.getTime() - Date.parse('2025-01-01T00:00:00Z'));
    expect(status[0]?.lastUpdate.getTime()).toBeGreaterThan(Date.parse('2025-01-01T00:00:00Z'));
  });
});

describe('lookup keys', () => {
  it('finds PyPI names PEP 503-normalized and NuGet ids case-insensitively, npm names only exactly', async () => {
    const py = (id: string, pkg: string): VulnRecord => ({ ...advisory(id, pkg, '2.2.28'), namespace: 'github:python' });
    const nu = (id: string, pkg: string): VulnRecord => ({ ...advisory(id, pkg, '13.0.1'), namespace: 'github:nuget' });
    await write(db.sql, 'github:python', 'replace', [upsert(py('GHSA-py-1', 'Django')), upsert(py('GHSA-py-2', 'zope.interface'))]);
    await write(db.sql, 'github:nuget', 'replace', [upsert(nu('GHSA-nu-1', 'Newtonsoft.Json'))]);
    await write(db.sql, G, 'replace', [upsert(advisory('GHSA-npm-1', 'JSONStream', '1.3.1'))]);
    expect((await lookupAffected(db.sql, 'github:python', ['django', 'zope-interface'])).map((r) => [r.vulnId, r.package])).toEqual([
      ['GHSA-py-1', 'Django'],
      ['GHSA-py-2', 'zope.interface'],
    ]);
    expect((await lookupAffected(db.sql, 'github:nuget', ['newtonsoft.json'])).map((r) => r.package)).toEqual(['Newtonsoft.Json']);
    expect(await lookupAffected(db.sql, G, ['jsonstream'])).toEqual([]);
    expect((await lookupAffected(db.sql, G, ['JSONStream'])).map((r) => r.vulnId)).toEqual(['GHSA-npm-1']);
  });
});
