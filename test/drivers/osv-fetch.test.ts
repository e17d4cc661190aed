/**
 * The osv driver's incremental fetch over HTTP (undici MockAgent serving a bucket-shaped mirror:
 * `<Ecosystem>/all.zip`, `modified_id.csv`, `<ID>.json`), synced into PostgreSQL: the first run takes
 * the zip; later runs ask for the change index and then only the ids changed since the watermark
 * (an id that answers 404 becomes a tombstone, a withdrawn one too), applied as a group of changes
 * only; an unchanged index is answered 304 and nothing else is asked for; too many changes take
 * the zip again; a zip uploaded before its index caps the watermark at its Last-Modified.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { DELTA_MAX } from '../../drivers/osv/fetch-http.ts';
import { osv } from '../../drivers/osv/index.ts';
import { listGroups } from '../../feed-service/storage/groups.ts';
import { type SyncReport, syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, groupRows, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { LAST_MODIFIED, MockUpstream } from '../helpers/mock-upstream.ts';
import { fetchOsv, OSV_SRC, parseOsv } from '../helpers/osv-driver.ts';
import { writeZip } from '../helpers/zip-writer.ts';

const ORIGIN = 'https://osv.test';
const NPM = 'github:npm';
const A = 'GHSA-3v6h-hqm4-2rg6';
const B = 'GHSA-5c9x-8gcm-2fj8';
const C = 'MAL-2024-7001';
const D = 'GHSA-7jq2-fw4p-8h3c';
const E = 'GHSA-9999-9999-9999';

let db: TestDb;
let dir: string;
let up: string;
let upstream: MockUpstream | undefined;

async function src(id: string): Promise<Record<string, unknown>> {
  return JSON.parse(await fs.readFile(path.join(OSV_SRC, 'npm', `${id}.json`), 'utf8')) as Record<string, unknown>;
}

/** Writes the bucket: `docs` as npm/<ID>.json, the zip of `zipped` of them, and the index rows (newest first). */
async function bucket(docs: Record<string, Record<string, unknown>>, zipped: string[], rows: [string, string][]): Promise<void> {
  await fs.rm(up, { recursive: true, force: true });
  await fs.mkdir(path.join(up, 'npm'), { recursive: true });
  for (const [id, doc] of Object.entries(docs)) await fs.writeFile(path.join(up, 'npm', `${id}.json`), JSON.stringify(doc));
  await writeZip(path.join(up, 'npm/all.zip'), zipped.map((id) => [`${id}.json`, JSON.stringify(docs[id])]));
  await fs.writeFile(path.join(up, 'npm/modified_id.csv'), rows.map(([t, id]) => `${t},${id}\n`).join(''));
}

/** Serves the bucket as it now is (the mock reads the file list when it starts). */
async function serve(): Promise<HttpClient> {
  await upstream?.close();
  const served = await new MockUpstream({ origin: ORIGIN, mirrorDir: up }).start();
  upstream = served;
  return new HttpClient({ dispatcher: served.agent, retries: 0 });
}

const requests = (): { path: string; status: number; conditional: boolean }[] => upstream?.requests ?? [];
const npmRequests = (): { path: string; status: number; conditional: boolean }[] => requests().filter((r) => r.path.startsWith('/npm/'));

async function sync(): Promise<SyncReport> {
  return syncDriver(db.sql, osv, { home: dir, http: await serve(), log: silentLogger, source: `${ORIGIN}/` });
}

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  dir = await tempDir('airfeed-osv-fetch-');
  up = path.join(dir, 'bucket');
  await db.sql`truncate records, groups, drivers, events, sync_runs cascade`;
});
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

describe('osv over HTTP: the zip first, then only the changed ids', () => {
  it('fetches newer ids one by one, handles a 404 and a withdrawal, applies only the changes, and answers 304 with nothing', async () => {
    const docs = { [A]: await src(A), [B]: await src(B), [C]: await src(C) };
    await bucket(docs, [A, B, C], [['2024-07-08T05:12:33.436117Z', C], ['2024-06-11T18:24:51Z', A], ['2024-03-20T09:00:00Z', B]]);
    const first = await sync();
    expect(first.status, first.error).toBe('succeeded');
    expect(npmRequests().map((r) => [r.path, r.status])).toEqual([['/npm/modified_id.csv', 200], ['/npm/all.zip', 200]]);
    // The other seven ecosystems are not published by this source: one 404 each, nothing more.
    expect(requests().filter((r) => !r.path.startsWith('/npm/')).map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);
    expect((await groupRows(db.sql, NPM)).map((r) => r.id)).toEqual([A, B, C]);
    const before = await groupRows(db.sql, NPM);

    // Upstream: B changed, D new, C withdrawn, E listed but already gone (404); A untouched. The zip moved too.
    const changedB = { ...docs[B], modified: '2024-10-01T00:00:00Z', summary: 'Server-side request forgery in url-fetcher-lite (redirects)' };
    const withdrawnC = { ...docs[C], modified: '2024-10-03T00:00:00Z', withdrawn: '2024-10-03T00:00:00Z' };
    const next = { [A]: docs[A] ?? {}, [B]: changedB, [C]: withdrawnC, [D]: await src(D) };
    await bucket(next, [A, B, C, D], [
      ['2024-10-04T00:00:00Z', E], ['2024-10-03T00:00:00Z', C], ['2024-10-02T00:00:00.5Z', D], ['2024-10-01T00:00:00Z', B], ['2024-06-11T18:24:51Z', A],
    ]);
    const second = await sync();
    expect(second.status, second.error).toBe('succeeded');
    expect(npmRequests().map((r) => `${r.path} ${r.status}`).sort()).toEqual([
      `/npm/${B}.json 200`, `/npm/${D}.json 200`, `/npm/${E}.json 404`, `/npm/${C}.json 200`, '/npm/modified_id.csv 200',
    ].sort());
    expect(second.groups[NPM]).toMatchObject({ added: 1, changed: 1, removed: 1, unchanged: 0, skipped: false });
    const after = await groupRows(db.sql, NPM);
    expect(after.map((r) => [r.id, r.deleted])).toEqual([[A, false], [B, false], [D, false], [C, true]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
    // A was not touched: same change sequence.
    expect(after.find((r) => r.id === A)).toEqual(before.find((r) => r.id === A));
    const title = await db.sql<{ title: string }[]>`select doc::jsonb->>'title' as title from records where group_name = ${NPM} and id = ${B}`;
    expect(title[0]?.title).toBe('Server-side request forgery in url-fetcher-lite (redirects)');
    expect((await listGroups(db.sql, { driver: 'osv' }))[0]).toMatchObject({ name: NPM, recordCount: 3 });
    expect((await fs.readdir(path.join(dir, 'workspaces/osv/npm/updates'))).sort()).toEqual([`${B}.json`, `${D}.json`, `${E}.gone`, `${C}.json`]);

    // The group went to apply as changes only (ParseContext.applied names the zip already applied).
    const stored = (await listGroups(db.sql, { driver: 'osv' }))[0]?.state['fingerprint'] as string;
    const parsed = await parseOsv(path.join(dir, 'workspaces/osv'), { applied: new Map([[NPM, stored.slice(`${osv.parserVersion}:`.length)]]) });
    expect(parsed.get(NPM)).toMatchObject({ complete: false, deletions: [E, C] });
    expect(parsed.get(NPM)?.records.map((r) => r.id)).toEqual([B, D]);
    // Without it (a forced sync, a new parser), the whole group: the zip with the updates laid over it.
    const whole = (await parseOsv(path.join(dir, 'workspaces/osv'))).get(NPM);
    expect(whole?.complete).toBe(true);
    expect(whole?.records.map((r) => [r.id, r.title])).toEqual([[A, 'Prototype pollution in deep-merge-lite'], [B, changedB.summary], [D, (next[D] as { summary: string }).summary]]);

    const third = await sync();
    expect(third.status).toBe('unchanged');
    expect(npmRequests()).toEqual([{ path: '/npm/modified_id.csv', status: 304, conditional: true }]);

    // A forced sync re-reads the whole group and writes nothing.
    const forced = await syncDriver(db.sql, osv, { home: dir, http: await serve(), log: silentLogger, source: `${ORIGIN}/`, force: true });
    expect(forced.groups[NPM]).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 3 });
    expect(await groupRows(db.sql, NPM)).toEqual(after);
  });

  it(`takes the zip again when more than ${DELTA_MAX} ids changed, dropping the updates`, async () => {
    const docs = { [A]: await src(A), [B]: await src(B) };
    await bucket(docs, [A, B], [['2024-06-11T18:24:51Z', A], ['2024-03-20T09:00:00Z', B]]);
    expect((await sync()).status).toBe('succeeded');
    await bucket({ ...docs, [D]: await src(D) }, [A, B, D], [['2024-10-02T00:00:00Z', D]]);
    expect((await sync()).groups[NPM]).toMatchObject({ added: 1 });
    expect(await fs.readdir(path.join(dir, 'workspaces/osv/npm/updates'))).toEqual([`${D}.json`]);

    const rows: [string, string][] = Array.from({ length: DELTA_MAX + 1 }, (_, i) => [`2024-11-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0')}Z`, `GHSA-many-${String(i).padStart(4, '0')}-xxxx`]);
    await bucket({ ...docs, [D]: await src(D), [C]: await src(C) }, [A, B, C, D], rows);
    const report = await sync();
    expect(report.status, report.error).toBe('succeeded');
    expect(npmRequests().map((r) => `${r.path} ${r.status}`)).toEqual(['/npm/modified_id.csv 200', '/npm/all.zip 200']);
    expect(report.groups[NPM]).toMatchObject({ added: 1, changed: 0, removed: 0, unchanged: 3 });
    await expect(fs.readdir(path.join(dir, 'workspaces/osv/npm/updates'))).rejects.toThrow(/ENOENT/);
  });

  it('puts the watermark of a new zip no later than an hour before its Last-Modified, so a zip older than its index hides nothing', async () => {
    const docs = { [A]: await src(A), [B]: await src(B) };
    // The index names a change after the zip was uploaded (LAST_MODIFIED is 2024-12-31T10:00:00Z).
    await bucket(docs, [A, B], [['2025-01-05T00:00:00Z', B], ['2024-06-11T18:24:51Z', A]]);
    const ws = path.join(dir, 'ws');
    const first = await fetchOsv(`${ORIGIN}/`, ws, { http: await serve() });
    expect(LAST_MODIFIED).toBe('Tue, 31 Dec 2024 10:00:00 GMT');
    expect((first.state as { ecosystems: Record<string, { watermark: string }> }).ecosystems['npm']?.watermark).toBe('2024-12-31T09:00:00.000000000Z');
    // The next index run fetches B, which the zip may not have held in its newest form.
    await bucket(docs, [A, B], [['2025-01-06T00:00:00Z', A], ['2025-01-05T00:00:00Z', B]]);
    await fetchOsv(`${ORIGIN}/`, ws, { http: await serve(), state: first.state });
    expect(npmRequests().map((r) => r.path).sort()).toEqual([`/npm/${A}.json`, `/npm/${B}.json`, '/npm/modified_id.csv']);
  });

  it('refuses a source that publishes none of the ecosystems, naming it', async () => {
    await fs.mkdir(up, { recursive: true });
    await expect(fetchOsv(`${ORIGIN}/`, path.join(dir, 'ws'), { http: await serve() })).rejects.toThrow(
      'osv: https://osv.test/ publishes none of Go, Maven, NuGet, Packagist, PyPI, RubyGems, crates.io, npm (every <Ecosystem>/modified_id.csv answered 404); is it an osv.dev bucket mirror?',
    );
  });

  it('names the line of a change index that is not <time>,<id>', async () => {
    await bucket({ [A]: await src(A) }, [A], [['2024-06-11T18:24:51Z', A]]);
    await fs.appendFile(path.join(up, 'npm/modified_id.csv'), 'yesterday,GHSA-xxxx\n');
    await expect(fetchOsv(`${ORIGIN}/`, path.join(dir, 'ws'), { http: await serve() })).rejects.toThrow(
      'osv: https://osv.test/npm/modified_id.csv: line 2: expected "<RFC 3339 time>,<OSV id>", got "yesterday,GHSA-xxxx"',
    );
  });
});
