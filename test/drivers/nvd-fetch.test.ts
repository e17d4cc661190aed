/**
 * The nvd driver against a mock CVE API 2.0 (undici MockAgent; the API's paging, lastModified
 * filters and totals modelled on https://nvd.nist.gov/developers/vulnerabilities): a full fetch
 * paged to the end and re-checked, a total that grows while paging, windows split at 120 days, a
 * window that shrinks, the status matrix of the API path (200, 403 burst, 429 and 503 with
 * Retry-After, 500, a truncated gzip body, 404), a run interrupted and resumed, the rate limits with
 * and without a key, and the key only ever in the `apiKey` header.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Logger, pino } from 'pino';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { SettingValues } from '../../drivers/_framework/settings.ts';
import type { DriverState, FetchResult } from '../../drivers/_framework/types.ts';
import { fetchApi, isApiSource, MAX_WINDOW_MS, splitWindows } from '../../drivers/nvd/fetch-api.ts';
import { nvd } from '../../drivers/nvd/index.ts';
import { FETCH_DIR, listPages, readBatch } from '../../drivers/nvd/layout.ts';
import { snapshot } from '../helpers/mock-upstream.ts';
import { tempDir } from '../helpers/mirror.ts';

const ORIGIN = 'https://services.nvd.test';
const API = `${ORIGIN}/rest/json/cves/2.0`;
const KEY = 'f0e1d2c3-b4a5-9687-7869-5a4b3c2d1e0f';
const DAY = 24 * 3600_000;
const NOW = Date.parse('2024-11-01T12:00:00.000Z');

type Fault = { status: number; headers?: Record<string, string> } | { truncatedGzip: true };

function cve(n: number, lastModified: string, status = 'Analyzed'): { cve: Record<string, unknown> } {
  return {
    cve: {
      id: `CVE-2024-${String(1000 + n)}`, sourceIdentifier: 'cna@example.org', published: '2024-01-01T00:00:00.000', lastModified, vulnStatus: status,
      descriptions: [{ lang: 'en', value: `(Test fixture.) CVE number ${n}.` }], metrics: {}, references: [],
    },
  };
}

/** The CVE API 2.0, as far as the driver uses it. */
class MockNvd {
  readonly agent = new MockAgent();
  cves: { cve: Record<string, unknown> }[] = [];
  /** Items per page: the API gives up to what is asked; smaller pages make short tests page. */
  pageSize = 2;
  readonly requests: { query: URLSearchParams; headers: Headers; url: string }[] = [];
  /** Planned answers, consumed in order, before the normal one. */
  readonly faults: Fault[] = [];
  /** Runs after each answered request (to change the data while paging). */
  after: ((n: number) => void) | null = null;

  constructor() {
    this.agent.disableNetConnect();
    this.agent.get(ORIGIN).intercept({ path: () => true, method: 'GET' }).reply((req) => {
      const url = new URL(req.path, ORIGIN);
      this.requests.push({ query: url.searchParams, headers: new Headers(req.headers), url: url.href });
      const fault = this.faults.shift();
      if (fault && 'status' in fault) return { statusCode: fault.status, data: 'refused', responseOptions: { headers: fault.headers ?? {} } };
      if (url.pathname !== '/rest/json/cves/2.0') return { statusCode: 404, data: 'not found' };
      const body = JSON.stringify(this.page(url.searchParams));
      this.after?.(this.requests.length);
      if (fault && 'truncatedGzip' in fault) {
        const gz = gzipSync(body);
        return { statusCode: 200, data: gz.subarray(0, Math.floor(gz.length / 2)), responseOptions: { headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' } } };
      }
      return { statusCode: 200, data: body, responseOptions: { headers: { 'content-type': 'application/json' } } };
    }).persist();
  }

  page(q: URLSearchParams): Record<string, unknown> {
    const start = Number(q.get('startIndex') ?? '0');
    const asked = Math.min(Number(q.get('resultsPerPage') ?? '2000'), this.pageSize);
    const from = q.get('lastModStartDate');
    const to = q.get('lastModEndDate');
    const inWindow = this.cves.filter((c) => {
      if (from === null || to === null) return true;
      const t = Date.parse(`${String(c.cve['lastModified'])}Z`);
      return t >= Date.parse(from) && t <= Date.parse(to);
    });
    const items = inWindow.slice(start, start + asked);
    return { resultsPerPage: items.length, startIndex: start, totalResults: inWindow.length, format: 'NVD_CVE', version: '2.0', timestamp: '2024-11-01T12:00:00.000', vulnerabilities: items };
  }

  starts(): number[] {
    return this.requests.map((r) => Number(r.query.get('startIndex')));
  }
}

let dir: string;
let ws: string;
let api: MockNvd;
let sleeps: number[];
let clock: number;

beforeEach(async () => {
  dir = await tempDir('airfeed-nvd-fetch-');
  ws = path.join(dir, 'ws');
  api = new MockNvd();
  sleeps = [];
  clock = NOW;
});
afterEach(async () => {
  await api.agent.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const KEY_SETTING = [{ name: 'api_key', secret: true, description: 'NVD API key' }];

function http(retries = 4): HttpClient {
  return new HttpClient({
    dispatcher: api.agent, retries, baseDelayMs: 1000, maxDelayMs: 30_000, now: () => clock,
    sleep: (ms) => {
      sleeps.push(ms);
      clock += ms;
      return Promise.resolve();
    },
  });
}

interface FetchOpts { state?: DriverState; key?: boolean; retries?: number; log?: Logger }

function fetch(o: FetchOpts = {}): Promise<FetchResult> {
  const settings = o.key ? new SettingValues('nvd', KEY_SETTING, new Map([['api_key', KEY]])) : SettingValues.none('nvd');
  return fetchApi({
    source: API, workspace: ws, state: o.state ?? {}, settings, http: http(o.retries), log: o.log ?? silentLogger, progress: { phase: () => undefined, tick: () => undefined },
  }, { now: () => clock });
}

async function parsedIds(): Promise<{ complete: boolean; ids: string[]; deletions: string[] }> {
  for await (const g of nvd.parse({ workspace: ws, log: silentLogger })) {
    const ids: string[] = [];
    for await (const r of g.records) ids.push(r.id);
    const deletions: string[] = [];
    for await (const d of g.deletions ?? []) deletions.push(d);
    return { complete: g.complete, ids, deletions };
  }
  throw new Error('no group');
}

async function failure(p: Promise<unknown>): Promise<AirfeedError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AirfeedError);
  return err as AirfeedError;
}

describe('nvd API source', () => {
  it('is recognised by its path; anything else is a mirror', () => {
    expect(isApiSource('https://services.nvd.nist.gov/rest/json/cves/2.0')).toBe(true);
    expect(isApiSource('https://services.nvd.nist.gov/rest/json/cves/2.0/')).toBe(true);
    expect(isApiSource('https://nvd-mirror.internal/feeds/')).toBe(false);
    expect(isApiSource('/srv/nvd')).toBe(false);
  });

  it('splits any gap into windows of at most 120 days', () => {
    const w = splitWindows(Date.parse('2024-01-01T00:00:00Z'), Date.parse('2024-10-01T00:00:00Z'));
    expect(w).toEqual([
      { start: '2024-01-01T00:00:00.000Z', end: '2024-04-30T00:00:00.000Z' },
      { start: '2024-04-30T00:00:00.000Z', end: '2024-08-28T00:00:00.000Z' },
      { start: '2024-08-28T00:00:00.000Z', end: '2024-10-01T00:00:00.000Z' },
    ]);
    for (const x of w) expect(Date.parse(x.end) - Date.parse(x.start)).toBeLessThanOrEqual(MAX_WINDOW_MS);
  });
});

describe('nvd full fetch from the API', () => {
  it('pages to the end with startIndex, re-checks the last page, and keeps a complete batch with the time it is good to', async () => {
    api.cves = [1, 2, 3, 4, 5].map((n) => cve(n, '2024-10-01T00:00:00.000'));
    const result = await fetch();
    expect(api.starts()).toEqual([0, 2, 4, 4]);
    for (const r of api.requests) {
      expect(r.query.get('resultsPerPage')).toBe('2000');
      expect(r.query.has('lastModStartDate')).toBe(false);
    }
    expect(result).toEqual({ unchanged: false, state: { mode: 'api', api: API, through: '2024-11-01T12:00:00.000Z' } });
    expect(await readBatch(ws)).toEqual({ kind: 'api', complete: true, api: API });
    expect(await listPages(ws)).toEqual(['api-w000-s0000000.json.gz', 'api-w000-s0000002.json.gz', 'api-w000-s0000004-r1.json.gz', 'api-w000-s0000004.json.gz']);
    await expect(fs.access(path.join(ws, FETCH_DIR))).rejects.toThrow();
    expect(await parsedIds()).toEqual({ complete: true, ids: ['CVE-2024-1001', 'CVE-2024-1002', 'CVE-2024-1003', 'CVE-2024-1004', 'CVE-2024-1005'], deletions: [] });
  });

  it('goes on paging when totalResults grows while it pages', async () => {
    api.cves = [1, 2, 3, 4, 5].map((n) => cve(n, '2024-10-01T00:00:00.000'));
    // Two CVEs are published after the second page, and one more after the first look at the last page.
    api.after = (n) => {
      if (n === 2) api.cves.push(cve(6, '2024-11-01T11:00:00.000'), cve(7, '2024-11-01T11:00:00.000'));
      if (n === 4) api.cves.push(cve(8, '2024-11-01T11:30:00.000'));
    };
    await fetch();
    expect(api.starts()).toEqual([0, 2, 4, 6, 6, 6]);
    expect((await parsedIds()).ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `CVE-2024-${1000 + n}`));
  });
});

describe('nvd incremental fetch from the API', () => {
  it('asks for the changes since the last window, in 120-day windows however old it is, and gives an incremental batch with its Rejected as deletions', async () => {
    const through = new Date(NOW - 300 * DAY).toISOString();
    api.cves = [cve(1, '2024-02-01T00:00:00.000'), cve(2, '2024-06-01T00:00:00.000'), cve(3, '2024-10-30T00:00:00.000', 'Rejected'), cve(4, '2023-01-01T00:00:00.000')];
    const result = await fetch({ state: { mode: 'api', api: API, through } });
    const windows = api.requests.map((r) => [r.query.get('lastModStartDate'), r.query.get('lastModEndDate')]);
    const start = NOW - 300 * DAY - 10 * 60_000;
    const t = (ms: number): string => new Date(ms).toISOString().replace('Z', '+00:00');
    expect([...new Set(windows.map((w) => w.join(' ')))]).toEqual([
      `${t(start)} ${t(start + 120 * DAY)}`, `${t(start + 120 * DAY)} ${t(start + 240 * DAY)}`, `${t(start + 240 * DAY)} ${t(NOW)}`,
    ]);
    // The offset of the times is sent as %2B00:00, as NVD's documentation writes it.
    expect(api.requests[0]?.url).toContain(`lastModStartDate=${new Date(start).toISOString().replace('Z', '%2B00:00')}`);
    expect(result.state).toEqual({ mode: 'api', api: API, through: new Date(NOW).toISOString(), windows: expect.any(Array) as unknown[] });
    expect(await readBatch(ws)).toMatchObject({ kind: 'api', complete: false });
    expect(await parsedIds()).toEqual({ complete: false, ids: ['CVE-2024-1001', 'CVE-2024-1002'], deletions: ['CVE-2024-1003'] });
  });

  it('reports unchanged when no CVE changed, keeping the last batch, and moves the window on', async () => {
    api.cves = [cve(1, '2024-10-01T00:00:00.000')];
    const first = await fetch();
    const before = await snapshot(ws);
    clock += 2 * 3600_000;
    const second = await fetch({ state: first.state });
    expect(second).toEqual({ unchanged: true, state: { mode: 'api', api: API, through: new Date(clock).toISOString(), windows: [{ start: new Date(NOW - 10 * 60_000).toISOString(), end: new Date(clock).toISOString() }] } });
    expect(await snapshot(ws)).toEqual(before);
  });

  it('still asks for the last ten minutes when the last window ends in the future (the clock went back)', async () => {
    api.cves = [cve(1, '2024-11-01T11:55:00.000')];
    await fetch({ state: { mode: 'api', api: API, through: new Date(NOW + DAY).toISOString() } });
    expect(api.requests.map((r) => [r.query.get('lastModStartDate'), r.query.get('lastModEndDate')])).toEqual([
      ['2024-11-01T11:50:00.000+00:00', '2024-11-01T12:00:00.000+00:00'], ['2024-11-01T11:50:00.000+00:00', '2024-11-01T12:00:00.000+00:00'],
    ]);
    expect((await parsedIds()).ids).toEqual(['CVE-2024-1001']);
  });

  it('pages a window again from the start when its total shrinks while paging', async () => {
    api.cves = [1, 2, 3, 4, 5].map((n) => cve(n, '2024-11-01T00:00:00.000'));
    // After the first page, CVE 1 is modified again: it leaves the window and the others move down one place.
    api.after = (n) => {
      if (n === 1) (api.cves[0] as { cve: Record<string, unknown> }).cve['lastModified'] = '2024-11-01T13:00:00.000';
    };
    await fetch({ state: { mode: 'api', api: API, through: new Date(NOW - DAY).toISOString() } });
    // The second page shows the shrunk total: the window is paged again, and its last page re-checked.
    expect(api.starts()).toEqual([0, 2, 0, 2, 2]);
    // CVE 1's new version is past this window's end: the next run's window has it.
    expect((await parsedIds()).ids).toEqual(['CVE-2024-1001', 'CVE-2024-1002', 'CVE-2024-1003', 'CVE-2024-1004', 'CVE-2024-1005']);
  });
});

describe('nvd API status matrix', () => {
  beforeEach(() => {
    api.cves = [1, 2, 3].map((n) => cve(n, '2024-10-01T00:00:00.000'));
  });

  it('a burst of 403 (NVD\'s answer to too many requests): backs off and goes on, the refused attempts counting against the rate limit', async () => {
    api.faults.push({ status: 403 }, { status: 403 }, { status: 403 });
    await fetch();
    // Backoff 1, 2, 4 s; then the sixth request in 7 s waits for the rolling 30 s window.
    expect(sleeps).toEqual([1000, 2000, 4000, 23_000]);
    expect((await parsedIds()).ids).toHaveLength(3);
  });

  it('429 and 503 with Retry-After: waits what they say', async () => {
    api.faults.push({ status: 429, headers: { 'retry-after': '7' } }, { status: 503, headers: { 'retry-after': '11' } });
    await fetch();
    expect(sleeps).toEqual([7000, 11_000]);
  });

  it('500, then 200: backs off, then succeeds', async () => {
    api.faults.push({ status: 500 });
    await fetch();
    expect(sleeps).toEqual([1000]);
    expect((await parsedIds()).ids).toHaveLength(3);
  });

  it('a truncated gzip body: SOURCE_INVALID naming the URL, the previous batch untouched', async () => {
    const first = await fetch();
    const before = await snapshot(ws);
    api.faults.push({ truncatedGzip: true });
    const err = await failure(fetch({ state: first.state }));
    expect(err.code).toBe('SOURCE_INVALID');
    expect(err.message).toContain(`GET ${API}?resultsPerPage=2000&startIndex=0&lastModStartDate=`);
    const after = await snapshot(ws);
    expect(Object.fromEntries(Object.entries(after).filter(([k]) => !k.startsWith('.')))).toEqual(before);
  });

  it('404: SOURCE_HTTP_ERROR naming the URL', async () => {
    const err = await failure(fetchApi({
      source: `${ORIGIN}/rest/json/cvesX/2.0`, workspace: ws, state: {}, settings: SettingValues.none('nvd'), http: http(), log: silentLogger,
      progress: { phase: () => undefined, tick: () => undefined },
    }));
    expect(err.code).toBe('SOURCE_HTTP_ERROR');
    expect(err.message).toBe(`GET ${ORIGIN}/rest/json/cvesX/2.0?resultsPerPage=2000&startIndex=0 answered 404 Not Found`);
  });
});

describe('nvd interrupted fetch', () => {
  it('resumes where it stopped: the pages fetched are not asked for again', async () => {
    api.cves = [1, 2, 3, 4, 5, 6, 7].map((n) => cve(n, '2024-10-01T00:00:00.000'));
    // The third page fails for good in the first run (no retries).
    api.after = (n) => {
      if (n === 2) api.faults.push({ status: 500 });
    };
    const err = await failure(fetch({ retries: 0 }));
    expect(err.code).toBe('SOURCE_HTTP_ERROR');
    expect(api.starts()).toEqual([0, 2, 4]);
    const progress = JSON.parse(await fs.readFile(path.join(ws, FETCH_DIR, 'progress.json'), 'utf8')) as { start: number; pages: string[] };
    expect(progress).toMatchObject({ start: 4, pages: ['api-w000-s0000000.json.gz', 'api-w000-s0000002.json.gz'] });
    // The workspace itself has no batch yet: nothing half-fetched is parsed.
    expect(await nvd.groups(ws)).toEqual([]);

    api.requests.length = 0;
    api.after = null;
    clock += 3600_000;
    const result = await fetch();
    expect(api.starts()).toEqual([4, 6, 6]);
    // Still the plan of the first run: good up to the time it was made.
    expect(result.state).toEqual({ mode: 'api', api: API, through: new Date(NOW).toISOString() });
    expect((await parsedIds()).ids).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `CVE-2024-${1000 + n}`));
  });

  it('does not resume a plan made from another state or another source', async () => {
    api.cves = [1, 2, 3].map((n) => cve(n, '2024-10-01T00:00:00.000'));
    api.after = (n) => {
      if (n === 1) api.faults.push({ status: 500 });
    };
    await failure(fetch({ retries: 0 }));
    api.requests.length = 0;
    api.after = null;
    await fetch({ state: { mode: 'api', api: API, through: new Date(NOW - DAY).toISOString() } });
    expect(api.requests[0]?.query.get('startIndex')).toBe('0');
    expect(api.requests[0]?.query.has('lastModStartDate')).toBe(true);
  });
});

describe('nvd API key and rate limits', () => {
  beforeEach(() => {
    api.cves = Array.from({ length: 14 }, (_, i) => cve(i + 1, '2024-10-01T00:00:00.000'));
  });

  it('without a key: at most 5 requests in any 30 s', async () => {
    await fetch();
    expect(api.requests).toHaveLength(8);
    expect(sleeps).toEqual([30_000]);
    for (const r of api.requests) expect(r.headers.has('apikey')).toBe(false);
  });

  it('with a key: up to 50 requests in 30 s, the key in the apiKey header only — never in a URL, the state, a log line or an error', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
    const result = await fetch({ key: true, log });
    expect(sleeps).toEqual([]);
    expect(api.requests).toHaveLength(8);
    for (const r of api.requests) {
      expect(r.headers.get('apikey')).toBe(KEY);
      expect(r.url).not.toContain(KEY);
    }
    api.faults.push({ status: 401 });
    const err = await failure(fetch({ key: true, log, state: result.state }));
    const leaked = [JSON.stringify(result.state), err.message, JSON.stringify(err.details), lines.join('\n'), ...(await fs.readdir(ws, { recursive: true }))].filter((s) => s.includes(KEY));
    expect(leaked).toEqual([]);
    expect(lines.length).toBeGreaterThan(0);
  });
});
