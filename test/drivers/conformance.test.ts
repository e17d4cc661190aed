/**
 * The conformance suite: every registered driver (drivers/index.ts) goes through the same checks from
 * its fixture mirror, so a new driver gets them by being registered. The fixture mirror is
 * `test/fixtures/drivers/<id>/` (a small mirror in the upstream's layout, written by hand), or, when
 * the driver ships one for `airfeed demo`, `drivers/<id>/demo-mirror/`. The checks:
 *
 * 1. fetch from the mirror directory, then parse: groups sorted and equal to `groups()`, records
 *    valid against the record schema, in their group's namespace, with unique ids in a complete
 *    group, attributed to the driver, and the same bytes when parsed again (determinism);
 * 2. sync into PostgreSQL (the run's server: embedded, or DATABASE_URL's): the driver's feed and
 *    groups exist, counts match the parse, and /v2 (records by change sequence, by id), /v1 (the
 *    Anchore feed API) and the OSV view serve every record;
 * 3. a re-sync with no upstream change writes nothing and takes no change-sequence value, and a
 *    forced one (re-parse, re-apply) writes nothing either;
 * 4. over HTTP (registered drivers; the fake below reads only a directory), the framework's status matrix (test/helpers/mock-upstream.ts: 200, 304, 404, 429 with
 *    Retry-After, 500, a truncated gzip body), with the mirror served as a web server would serve
 *    it, directory listings included. Its target is the mirror's first file unless MATRIX says
 *    otherwise, and a 404 of it must fail the fetch unless MATRIX says the driver goes on without.
 *
 * Beside the registered drivers, the suite runs the tests' fake incremental driver
 * (test/helpers/fake-drivers.ts: `complete: false` with a deletion) from
 * test/fixtures/drivers/fakeinc/, so the checks also hold for a group that is not a whole snapshot;
 * test/sync/incremental-e2e.test.ts follows its deletions on through /v2 tombstones, a delta bundle
 * and the engine.
 */
import { existsSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../drivers/_framework/canonical.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { VulnRecord } from '../../drivers/_framework/record.ts';
import { SettingValues } from '../../drivers/_framework/settings.ts';
import type { Driver } from '../../drivers/_framework/types.ts';
import { DRIVERS } from '../../drivers/index.ts';
import { listGroups } from '../../feed-service/storage/groups.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { makeApp } from '../service/service-helpers.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { describeStatusMatrix } from '../helpers/mock-upstream.ts';
import { incrementalDriver } from '../helpers/fake-drivers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const noProgress = { phase: () => undefined, tick: () => undefined };

/** Status matrix settings that differ from the defaults (the first file; a 404 fails). */
const MATRIX: Record<string, { target: string; on404: 'error' | 'absent' }> = {
  // A branch the index lists without main.json is logged and skipped (drivers/alpine/fetch.ts).
  alpine: { target: 'v3.20/main.json', on404: 'absent' },
  // The tracker JSON is required; a missing DSA/DLA list only costs advisories (drivers/debian/fetch.ts).
  debian: { target: 'tracker/data/json', on404: 'error' },
  // Red Hat's change list is what every run reads conditionally; without it the driver cannot tell what changed.
  redhat: { target: 'changes.csv', on404: 'error' },
  // The change index is what every run asks for first; a 404 there means the source does not publish the ecosystem (drivers/osv/fetch-http.ts).
  osv: { target: 'npm/modified_id.csv', on404: 'absent' },
};

/** An autoindex-like listing of `dir` (`/`, `/v3.20/`) over the mirror's files, as nginx serves a mirror. */
function listings(files: readonly string[]): Record<string, { status: number; body: string }> {
  const dirs = new Map<string, Set<string>>([['', new Set()]]);
  for (const f of files) {
    const parts = f.split('/');
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const child = parts[i] + (i < parts.length - 1 ? '/' : '');
      if (!dirs.has(parent)) dirs.set(parent, new Set());
      dirs.get(parent)?.add(child);
    }
  }
  return Object.fromEntries([...dirs].map(([d, children]) => [
    d === '' ? '/' : `/${d}/`,
    { status: 200, body: `<html><body>${[...children].sort().map((c) => `<a href="${c}">${c}</a>`).join('\n')}</body></html>` },
  ]));
}

/** The driver's fixture mirror; undefined when it has none (which fails the suite). */
function fixtureMirror(id: string): string | undefined {
  return [path.join(ROOT, 'test/fixtures/drivers', id), path.join(ROOT, 'drivers', id, 'demo-mirror')].find((p) => existsSync(p));
}

/** Every group's records in parse order, as canonical JSON. */
async function parseAll(driver: Driver, workspace: string): Promise<Map<string, { complete: boolean; docs: string[]; ids: string[] }>> {
  const out = new Map<string, { complete: boolean; docs: string[]; ids: string[] }>();
  for await (const g of driver.parse({ workspace, log: silentLogger })) {
    const docs: string[] = [];
    const ids: string[] = [];
    for await (const r of g.records) {
      const checked = VulnRecord.safeParse(r);
      expect(checked.error?.issues ?? [], `${driver.id}: ${g.name}: record ${r.id}`).toEqual([]);
      expect(r.namespace).toBe(g.name);
      expect(r.provenance.driver).toBe(driver.id);
      docs.push(canonicalJson(r));
      ids.push(r.id);
    }
    for await (const _ of g.deletions ?? []) { /* drained: read after the records, as apply does */ }
    expect(out.has(g.name), `group ${g.name} yielded twice`).toBe(false);
    out.set(g.name, { complete: g.complete, docs, ids });
  }
  return out;
}

/** Relative paths of the files under `dir`, sorted (synchronously: tests are registered synchronously). */
function readdirRecursive(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** The registered drivers, then the tests' incremental one (which has no HTTP path). */
const UNDER_TEST: readonly (readonly [string, Driver, { registered: boolean }])[] = [
  ...DRIVERS.map((d) => [d.id, d, { registered: true }] as const),
  ['fakeinc', incrementalDriver(), { registered: false }],
];

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});

describe.each(UNDER_TEST)('driver %s conforms', (_id, driver, { registered }) => {
  const mirror = fixtureMirror(driver.id);
  let home: string;
  let parsed: Awaited<ReturnType<typeof parseAll>>;
  let app: FastifyInstance;

  beforeAll(async () => {
    home = await tempDir(`airfeed-conform-${driver.id}-`);
    app = await makeApp(db.sql);
  });
  afterAll(async () => {
    await app.close();
    await fs.rm(home, { recursive: true, force: true });
  });

  it('has a fixture mirror (test/fixtures/drivers/<id>/ or drivers/<id>/demo-mirror/)', () => {
    expect(mirror, `driver ${driver.id} has no fixture mirror`).toBeDefined();
  });

  it('fetches from the mirror and parses deterministically into valid records', async () => {
    const workspace = path.join(home, 'ws');
    const fetched = await driver.fetch({
      source: mirror ?? '', workspace, state: {}, settings: new SettingValues(driver.id, driver.settings ?? [], new Map()), http: new HttpClient(), log: silentLogger, progress: noProgress,
    });
    expect(JSON.parse(JSON.stringify(fetched.state))).toEqual(fetched.state);
    const listed = (await driver.groups(workspace)).map((g) => g.name);
    expect(listed.length).toBeGreaterThan(0);
    expect(listed).toEqual([...listed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    parsed = await parseAll(driver, workspace);
    expect([...parsed.keys()]).toEqual(listed);
    for (const [name, g] of parsed) {
      expect(g.docs.length, `${name} has no records`).toBeGreaterThan(0);
      if (g.complete) expect(new Set(g.ids).size, `${name}: a record id repeats`).toBe(g.ids.length);
    }
    expect(await parseAll(driver, workspace)).toEqual(parsed);
    const again = await driver.fetch({
      source: mirror ?? '', workspace, state: fetched.state, settings: new SettingValues(driver.id, driver.settings ?? [], new Map()), http: new HttpClient(), log: silentLogger, progress: noProgress,
    });
    expect(again.unchanged).toBe(true);
  });

  it('syncs into PostgreSQL and serves every record on /v2 and /v1', async () => {
    await db.sql`truncate records, groups, drivers, events, sync_runs cascade`;
    const report = await syncDriver(db.sql, driver, { home, http: new HttpClient(), log: silentLogger, source: mirror ?? '' });
    expect(report.status, report.error).toBe('succeeded');
    expect(report.appeared.map((a) => a.group)).toEqual([...parsed.keys()]);
    const groups = await listGroups(db.sql, { driver: driver.id });
    expect(groups.map((g) => [g.name, g.feed, g.recordCount])).toEqual([...parsed].map(([name, g]) => [name, driver.feed.name, g.docs.length]));

    const feeds = (await app.inject({ method: 'GET', url: '/v2/feeds' })).json<{ feeds: { name: string; description: string }[] }>().feeds;
    expect(feeds).toContainEqual(expect.objectContaining({ name: driver.feed.name, description: driver.feed.description }));
    for (const [name, g] of parsed) {
      const v2 = (await app.inject({ method: 'GET', url: `/v2/groups/${encodeURIComponent(name)}/records?limit=10000` })).json<{ records: { id: string; record: unknown }[] }>();
      const served = new Map(v2.records.map((r) => [r.id, canonicalJson(r.record)]));
      expect(served).toEqual(new Map(g.ids.map((id, i) => [id, g.docs[i]])));

      const v1Ids: string[] = [];
      let token = '';
      do {
        const res = await app.inject({ method: 'GET', url: `/v1/service/feeds/${driver.feed.name}/${encodeURIComponent(name)}${token ? `?next_token=${token}` : ''}` });
        expect(res.statusCode).toBe(200);
        const page = res.json<{ data: unknown[]; next_token: string }>();
        for (const item of page.data) {
          const text = JSON.stringify(item);
          const id = g.ids.find((i) => text.includes(JSON.stringify(i)));
          expect(id, `a /v1 item of ${name} names none of its record ids`).toBeDefined();
          v1Ids.push(id ?? '');
        }
        token = page.next_token;
      } while (token !== '');
      expect(v1Ids.sort()).toEqual([...g.ids].sort());

      const first = g.ids[0] ?? '';
      const byId = (await app.inject({ method: 'GET', url: `/v2/vulnerabilities/${encodeURIComponent(first)}` })).json<{ records: { group: string }[] }>();
      expect(byId.records.map((r) => r.group)).toContain(name);
    }

  });

  it('serves the OSV view of a record of every group (a group outside the names table is refused, naming the entry to add)', async () => {
    for (const [name, g] of parsed) {
      const osv = await app.inject({ method: 'GET', url: `/v2/vulnerabilities/${encodeURIComponent(g.ids[0] ?? '')}/osv` });
      if (registered) {
        expect(osv.statusCode, osv.body).toBe(200);
        expect(osv.json<{ vulnerabilities?: unknown[] }>()).toBeTypeOf('object');
      } else {
        // The fake's `fakeinc:stream` is no distro or ecosystem: drivers/_framework/names.ts has no entry for it.
        expect(osv.statusCode, osv.body).toBe(400);
        const { error } = osv.json<{ error: { code: string; message: string } }>();
        expect(error.code).toBe('NAME_UNMAPPED');
        expect(error.message).toContain(`"${name}" has no entry in the names table`);
      }
    }
  });

  if (mirror && registered) {
    const files = readdirRecursive(mirror);
    describeStatusMatrix({
      driver, mirrorDir: mirror, routes: listings,
      target: MATRIX[driver.id]?.target ?? files[0] ?? '', on404: MATRIX[driver.id]?.on404 ?? 'error',
    });
  }

  it('writes nothing on a re-sync, plain or forced', async () => {
    const snapshot = async () => ({
      seq: (await db.sql`select last_value from change_seq`)[0],
      records: await db.sql`select group_name, id, seq, hash, deleted, updated_at from records order by group_name, id`,
    });
    const before = await snapshot();
    const again = await syncDriver(db.sql, driver, { home, http: new HttpClient(), log: silentLogger, source: mirror ?? '' });
    expect(again.status).toBe('unchanged');
    const forced = await syncDriver(db.sql, driver, { home, http: new HttpClient(), log: silentLogger, source: mirror ?? '', force: true });
    expect(forced.status).toBe('succeeded');
    for (const g of Object.values(forced.groups)) expect(g).toMatchObject({ added: 0, changed: 0, removed: 0, skipped: false });
    expect(await snapshot()).toEqual(before);
  });
});
