/**
 * The EPSS driver on its fixture (test/fixtures/drivers/epss: the real file's format, gzip, 12
 * rows) and on vunnel's real-format samples (../shared, skipped without it): fetch from a directory,
 * a file or a URL, parse into one record per CVE with the score date, the refusals naming file and
 * line; then on PostgreSQL: the group in the enrichment feed, its /v1 shape, and a next day's file
 * changing every record.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { type VulnRecord, VulnRecord as RecordSchema } from '../../drivers/_framework/record.ts';
import { SettingValues } from '../../drivers/_framework/settings.ts';
import type { DriverState, FetchResult } from '../../drivers/_framework/types.ts';
import { scoresUrl } from '../../drivers/epss/fetch.ts';
import { epss } from '../../drivers/epss/index.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, groupRows, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { skipUnless } from '../helpers/skip.ts';
import { makeApp } from '../service/service-helpers.ts';

const MIRROR = path.resolve(import.meta.dirname, '../fixtures/drivers/epss');
const FILE = 'epss_scores-current.csv.gz';
const VUNNEL = path.resolve(import.meta.dirname, '../../../shared/realdata/fixtures/vunnel/epss/test-fixtures');

let dir: string;
let ws: string;

beforeEach(async () => {
  dir = await tempDir('airfeed-epss-');
  ws = path.join(dir, 'ws');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function fetchFrom(source: string, state: DriverState = {}): Promise<FetchResult> {
  return epss.fetch({
    source, workspace: ws, state, settings: SettingValues.none('epss'), http: new HttpClient(), log: silentLogger, progress: { phase: () => undefined, tick: () => undefined },
  });
}

async function parse(): Promise<{ fingerprint: string; records: VulnRecord[] }> {
  for await (const g of epss.parse({ workspace: ws, log: silentLogger })) {
    const records: VulnRecord[] = [];
    for await (const r of g.records) records.push(r);
    expect(g.complete).toBe(true);
    return { fingerprint: g.fingerprint, records };
  }
  throw new Error('no group');
}

/** A directory holding `text` as the score file (gzip-compressed unless `plain`). */
async function mirror(text: string, plain = false): Promise<string> {
  const m = path.join(dir, `m-${Math.random().toString(36).slice(2)}`);
  await fs.mkdir(m);
  await fs.writeFile(path.join(m, plain ? 'epss_scores-current.csv' : FILE), plain ? text : gzipSync(text));
  return m;
}

async function parseError(text: string): Promise<AirfeedError> {
  await fetchFrom(await mirror(text));
  const err = await parse().then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AirfeedError);
  return err as AirfeedError;
}

const HEAD = '#model_version:v2025.03.14,score_date:2025-08-25T12:55:00+0000\ncve,epss,percentile\n';

describe('epss fetch', () => {
  it('copies the file from a directory or names it itself, and reports an unchanged digest', async () => {
    const first = await fetchFrom(MIRROR);
    expect(first.unchanged).toBe(false);
    expect(await fs.readFile(path.join(ws, FILE))).toEqual(await fs.readFile(path.join(MIRROR, FILE)));
    expect(Object.keys(first.state)).toEqual([FILE]);
    expect(await fetchFrom(path.join(MIRROR, FILE), first.state)).toMatchObject({ unchanged: true, state: first.state });
  });

  it('takes an HTTP source as the file\'s URL, or as the directory holding it', () => {
    expect(scoresUrl(epss.defaultSource)).toEqual({ url: 'https://epss.cyentia.com/epss_scores-current.csv.gz', key: FILE });
    expect(scoresUrl('https://mirror.internal/epss/')).toEqual({ url: 'https://mirror.internal/epss/epss_scores-current.csv.gz', key: FILE });
    expect(scoresUrl('https://mirror.internal/epss/epss_scores-2025-08-25.csv')).toEqual({ url: 'https://mirror.internal/epss/epss_scores-2025-08-25.csv', key: 'epss_scores-current.csv' });
  });

  it('takes an uncompressed file too, and replaces the other form', async () => {
    await fetchFrom(MIRROR);
    await fetchFrom(await mirror(`${HEAD}CVE-2024-3094,0.84178,0.99283\n`, true));
    expect(await fs.readdir(ws)).toEqual(['epss_scores-current.csv']);
    expect((await parse()).records.map((r) => r.id)).toEqual(['CVE-2024-3094']);
  });
});

describe('epss parse', () => {
  it('makes one record per row with the score, percentile and score date, in the file\'s order', async () => {
    await fetchFrom(MIRROR);
    const { fingerprint, records } = await parse();
    const text = gunzipSync(await fs.readFile(path.join(MIRROR, FILE))).toString('utf8');
    const rows = text.trim().split('\n').slice(2).map((l) => l.split(','));
    expect(records.map((r) => [r.id, r.epss?.score, r.epss?.percentile])).toEqual(rows.map(([id, s, p]) => [id, Number(s), Number(p)]));
    expect(fingerprint).toMatch(/^2025-08-25 v2025\.03\.14 sha256:[0-9a-f]{64}$/);
    const xz = records.find((r) => r.id === 'CVE-2024-3094');
    expect(xz).toEqual({
      schemaVersion: 2, id: 'CVE-2024-3094', namespace: 'epss:scores', severity: 'Unknown', description: '', link: 'https://api.first.org/data/v1/epss?cve=CVE-2024-3094',
      aliases: [], cvss: [], fixedIn: [], references: [], published: null, modified: null, withdrawn: null,
      epss: { score: 0.84178, percentile: 0.99283, date: '2025-08-25' }, metadata: { modelVersion: 'v2025.03.14' }, provenance: { driver: 'epss', source: FILE },
    });
    for (const r of records) expect(RecordSchema.safeParse(r).error?.issues ?? []).toEqual([]);
  });

  it('takes the UTC day of a score date with another offset', async () => {
    await fetchFrom(await mirror('#model_version:v2023.03.01,score_date:2025-02-20T23:30:00-0200\ncve,epss,percentile\nCVE-1999-0001,0.00383,0.73075\n'));
    expect((await parse()).records[0]?.epss?.date).toBe('2025-02-21');
  });

  it('refuses a file without the comment, without a score date, with another header, or with a bad row, naming file and line', async () => {
    expect((await parseError('cve,epss,percentile\nCVE-1999-0001,0.1,0.2\n')).message).toBe('epss: epss_scores-current.csv.gz: line 1: expected the "#model_version:…,score_date:…" comment, found "cve,epss,percentile"');
    await fs.rm(ws, { recursive: true, force: true });
    expect((await parseError('#model_version:v2023.03.01\ncve,epss,percentile\n')).message).toBe('epss: epss_scores-current.csv.gz: line 1: the comment names no score_date ("#model_version:v2023.03.01")');
    await fs.rm(ws, { recursive: true, force: true });
    expect((await parseError('#score_date:2025-13-45T00:00:00+0000\ncve,epss,percentile\n')).message).toBe('epss: epss_scores-current.csv.gz: line 1: score_date "2025-13-45T00:00:00+0000" is not a date');
    await fs.rm(ws, { recursive: true, force: true });
    expect((await parseError('#score_date:2025-02-20T00:00:00+0000\ninvalid,header,format\n')).message).toBe('epss: epss_scores-current.csv.gz: line 2: the header is ["invalid","header","format"], expected ["cve","epss","percentile"]');
    await fs.rm(ws, { recursive: true, force: true });
    expect((await parseError(`${HEAD}CVE-1999-0001,0.1,0.2\nCVE-1999-0002,1.5,0.2\n`)).message).toBe('epss: epss_scores-current.csv.gz: line 4: epss "1.5" is not a number from 0 to 1');
    await fs.rm(ws, { recursive: true, force: true });
    expect((await parseError(`${HEAD}CVE-1999-0001,0.1,n/a\n`)).message).toBe('epss: epss_scores-current.csv.gz: line 3: percentile "n/a" is not a number from 0 to 1');
    await fs.rm(ws, { recursive: true, force: true });
    expect((await parseError(`${HEAD}GHSA-xxxx,0.1,0.2\n`)).message).toBe('epss: epss_scores-current.csv.gz: line 3: "GHSA-xxxx" is not a CVE id');
  });

  it('refuses a truncated download', async () => {
    const m = path.join(dir, 'cut');
    await fs.mkdir(m);
    const gz = gzipSync(`${HEAD}${'CVE-1999-0001,0.1,0.2\n'.repeat(2000)}`);
    await fs.writeFile(path.join(m, FILE), gz.subarray(0, gz.length - 20));
    await fetchFrom(m);
    const err = await parse().then(() => null, (e: unknown) => e as AirfeedError);
    expect(err?.code).toBe('SOURCE_INVALID');
    expect(err?.message).toMatch(/^epss: epss_scores-current\.csv\.gz: the gzip data is truncated or corrupt/);
  });
});

describe('epss on vunnel\'s real-format samples', skipUnless(existsSync(VUNNEL), `${VUNNEL} is absent (a clone without ../shared)`), () => {
  async function sample(name: string): Promise<string> {
    const m = path.join(dir, name);
    await fs.mkdir(m);
    await fs.symlink(path.join(VUNNEL, name), path.join(m, 'epss_scores-current.csv'));
    return m;
  }

  it('reads example-1.csv and refuses invalid-header.csv and missing-date.csv', async () => {
    await fetchFrom(await sample('example-1.csv'));
    const { records } = await parse();
    const rows = (await fs.readFile(path.join(VUNNEL, 'example-1.csv'), 'utf8')).trim().split('\n').slice(2).map((l) => l.split(','));
    expect(rows.length).toBeGreaterThan(2);
    expect(records.map((r) => [r.id, r.epss])).toEqual(rows.map(([id, s, p]) => [id, { score: Number(s), percentile: Number(p), date: '2025-02-20' }]));
    for (const bad of ['invalid-header.csv', 'missing-date.csv']) {
      await fs.rm(ws, { recursive: true, force: true });
      await fetchFrom(await sample(bad));
      await expect(parse()).rejects.toMatchObject({ code: 'SOURCE_INVALID' });
    }
  });
});

describe('epss sync', () => {
  let db: TestDb;
  let home: string;
  beforeAll(async () => {
    db = await createTestDb();
    home = await tempDir('airfeed-epss-sync-');
  });
  afterAll(async () => {
    await db.drop();
    await fs.rm(home, { recursive: true, force: true });
  });

  it('syncs the group into the enrichment feed, serves the scores on /v1, and a next day\'s file changes every record', async () => {
    const report = await syncDriver(db.sql, epss, { home, http: new HttpClient(), log: silentLogger, source: MIRROR });
    expect(report.groups['epss:scores']).toMatchObject({ added: 12, changed: 0, removed: 0 });
    const app = await makeApp(db.sql);
    try {
      const page = (await app.inject({ method: 'GET', url: '/v1/service/feeds/enrichment/epss:scores' })).json<{ data: { Vulnerability: { Name: string; Metadata: Record<string, unknown> } }[] }>();
      expect(page.data.find((d) => d.Vulnerability.Name === 'CVE-2021-3156')?.Vulnerability.Metadata).toEqual({
        modelVersion: 'v2025.03.14', epss: { score: 0.93642, percentile: 0.99829, date: '2025-08-25' },
      });
    } finally {
      await app.close();
    }
    // The next day: the same scores, a new date — every record is new content.
    const text = gunzipSync(await fs.readFile(path.join(MIRROR, FILE))).toString('utf8').replace('score_date:2025-08-25', 'score_date:2025-08-26');
    const next = await syncDriver(db.sql, epss, { home, http: new HttpClient(), log: silentLogger, source: await mirror(text) });
    expect(next.groups['epss:scores']).toMatchObject({ added: 0, changed: 12, removed: 0, unchanged: 0 });
    expect((await groupRows(db.sql, 'epss:scores')).length).toBe(12);
  });
});
