/**
 * A mock upstream for driver tests, on undici's MockAgent: it serves a fixture mirror directory
 * (`<origin>/<path of the file under mirrorDir>`) with ETag and Last-Modified validators, answers
 * 304 to a conditional request whose validators still match, and lets a test plan faults per path.
 *
 * `describeStatusMatrix({ driver, mirrorDir, ... })` registers the status matrix every driver must
 * pass, one test per case:
 *
 * | case                         | the driver must                                                     |
 * |------------------------------|---------------------------------------------------------------------|
 * | 200                          | fetch every file into the workspace, byte for byte (gzip-encoded too) |
 * | 304 on a conditional request | send the validators it kept, take the 304s, report `unchanged`       |
 * | 404                          | fail with SOURCE_HTTP_ERROR naming the URL, or treat the file as absent (per driver) |
 * | 429 + Retry-After, then 200  | wait what Retry-After says, then succeed                            |
 * | 500, then 200                | back off, then succeed                                              |
 * | a truncated gzip body        | fail with SOURCE_INVALID naming the URL, previous workspace untouched |
 *
 * After a failure the previous workspace must be exactly as it was (same files, same bytes) and no
 * staging directory may be left behind.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { SettingValues } from '../../drivers/_framework/settings.ts';
import type { Driver, DriverState, FetchResult } from '../../drivers/_framework/types.ts';

export const LAST_MODIFIED = 'Tue, 31 Dec 2024 10:00:00 GMT';

/** What a planned answer looks like. */
export type Fault =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { truncatedGzip: true };

export interface Served {
  status: number;
  body: Buffer | string;
  headers?: Record<string, string>;
}

/** Relative paths of every file under `dir`, sorted, `/`-separated. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/')).sort();
}

/** Every file under `dir` with its bytes, for before/after comparisons. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listFiles(dir).catch(() => [])) out[f] = (await fs.readFile(path.join(dir, f))).toString('base64');
  return out;
}

const etagOf = (bytes: Buffer): string => `"${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}"`;

export interface MockUpstreamOptions {
  origin: string;
  mirrorDir: string;
  /** Extra routes (an index page): path → answer. */
  routes?: (files: readonly string[]) => Record<string, Served>;
  /** Files served with `Content-Encoding: gzip`. */
  gzip?: (file: string) => boolean;
}

/** A MockAgent serving a mirror directory; see the module doc. */
export class MockUpstream {
  readonly agent = new MockAgent();
  readonly requests: Array<{ path: string; status: number; conditional: boolean }> = [];
  readonly #faults = new Map<string, Fault[]>();
  #files: string[] = [];

  constructor(readonly options: MockUpstreamOptions) {
    this.agent.disableNetConnect();
  }

  /** Starts serving (reads the mirror's file list). */
  async start(): Promise<this> {
    this.#files = await listFiles(this.options.mirrorDir);
    const routes = this.options.routes?.(this.#files) ?? {};
    this.agent.get(this.options.origin).intercept({ path: () => true, method: 'GET' }).reply((req) => {
      const p = decodeURIComponent(req.path.split('?')[0] ?? '/');
      const headers = new Headers(req.headers);
      const answer = this.#answer(p, routes, headers.get('if-none-match'), headers.get('if-modified-since'));
      this.requests.push({ path: p, status: answer.status, conditional: headers.has('if-none-match') || headers.has('if-modified-since') });
      return { statusCode: answer.status, data: answer.body, responseOptions: { headers: answer.headers ?? {} } };
    }).persist();
    return this;
  }

  /** Plans answers for the next requests of `urlPath` (`/v3.20/main.json`), in order. */
  fail(urlPath: string, ...faults: Fault[]): void {
    this.#faults.set(urlPath, [...(this.#faults.get(urlPath) ?? []), ...faults]);
  }

  /** The files of the mirror, as URL paths. */
  get files(): readonly string[] {
    return this.#files;
  }

  #answer(p: string, routes: Record<string, Served>, ifNoneMatch: string | null, ifModifiedSince: string | null): Served {
    const planned = this.#faults.get(p)?.shift();
    const route = routes[p];
    if (route && !planned) return route;
    const file = p.replace(/^\//, '');
    if (!this.#files.includes(file) && !planned) return { status: 404, body: '<html>404 Not Found</html>' };
    return this.#fileAnswer(file, planned, ifNoneMatch, ifModifiedSince);
  }

  #fileAnswer(file: string, planned: Fault | undefined, ifNoneMatch: string | null, ifModifiedSince: string | null): Served {
    const bytes = this.#files.includes(file) ? readSync(path.join(this.options.mirrorDir, file)) : Buffer.from('{}');
    if (planned && 'status' in planned) return { status: planned.status, body: planned.body ?? '', ...(planned.headers ? { headers: planned.headers } : {}) };
    const etag = etagOf(bytes);
    const validators = { etag, 'last-modified': LAST_MODIFIED };
    if (planned && 'truncatedGzip' in planned) {
      const gz = gzipSync(bytes);
      return { status: 200, body: gz.subarray(0, Math.max(10, Math.floor(gz.length / 2))), headers: { ...validators, 'content-encoding': 'gzip' } };
    }
    if (ifNoneMatch === etag || (ifNoneMatch === null && ifModifiedSince === LAST_MODIFIED)) return { status: 304, body: '', headers: validators };
    if (this.options.gzip?.(file)) return { status: 200, body: gzipSync(bytes), headers: { ...validators, 'content-encoding': 'gzip' } };
    return { status: 200, body: bytes, headers: validators };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** The mirror is small fixture data; reading it synchronously keeps the reply callback synchronous, as MockAgent requires. */
function readSync(file: string): Buffer {
  return readFileSync(file);
}

export interface StatusMatrixOptions {
  driver: Driver;
  mirrorDir: string;
  /** Origin the mock serves; the driver's source is `<origin>/`. */
  origin?: string;
  routes?: MockUpstreamOptions['routes'];
  /** A file of the mirror (relative path) the faults are aimed at; it must be one the driver fetches. */
  target: string;
  /** What the driver does on a 404 for `target`: fail, or go on without the file. */
  on404: 'error' | 'absent';
  /** Workspace-relative path where the driver keeps `target`; default: the same path. */
  workspacePath?: string;
}

/** Registers the status matrix for a driver (see the module doc). */
export function describeStatusMatrix(options: StatusMatrixOptions): void {
  const origin = options.origin ?? 'https://upstream.test';
  const targetUrl = `/${options.target}`;
  const inWorkspace = options.workspacePath ?? options.target;

  describe(`${options.driver.id}: upstream status matrix`, () => {
    let tmp: string;
    let ws: string;
    let upstream: MockUpstream;
    let sleeps: number[];

    beforeEach(async () => {
      tmp = await fs.mkdtemp(path.join(os.tmpdir(), `airfeed-matrix-${options.driver.id}-`));
      ws = path.join(tmp, 'workspace');
      sleeps = [];
      upstream = await new MockUpstream({
        origin, mirrorDir: options.mirrorDir, gzip: (f) => f === options.target, ...(options.routes ? { routes: options.routes } : {}),
      }).start();
    });
    afterEach(async () => {
      await upstream.close();
      await fs.rm(tmp, { recursive: true, force: true });
    });

    const fetch = (state: DriverState): Promise<FetchResult> =>
      options.driver.fetch({
        source: `${origin}/`, workspace: ws, state, settings: new SettingValues(options.driver.id, options.driver.settings ?? [], new Map()), log: silentLogger,
        progress: { phase: () => undefined, tick: () => undefined },
        http: new HttpClient({ dispatcher: upstream.agent, retries: 2, baseDelayMs: 100, sleep: (ms) => { sleeps.push(ms); return Promise.resolve(); } }),
      });

    /** A first successful fetch; returns its state and the workspace as it then was. */
    async function primed(): Promise<{ state: DriverState; before: Record<string, string> }> {
      const first = await fetch({});
      return { state: first.state, before: await snapshot(ws) };
    }

    async function expectUntouched(before: Record<string, string>): Promise<void> {
      expect(await snapshot(ws)).toEqual(before);
      expect((await fs.readdir(ws)).filter((n) => n.startsWith('.'))).toEqual([]);
    }

    async function failure(p: Promise<unknown>): Promise<AirfeedError> {
      const err = await p.then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(AirfeedError);
      return err as AirfeedError;
    }

    it('200: fetches every file byte for byte (the target gzip-encoded)', async () => {
      const result = await fetch({});
      expect(result.unchanged).toBe(false);
      const target = await fs.readFile(path.join(ws, inWorkspace));
      expect(target.equals(await fs.readFile(path.join(options.mirrorDir, options.target)))).toBe(true);
      expect(upstream.requests.some((r) => r.path === targetUrl && r.status === 200)).toBe(true);
    });

    it('304: sends the validators it kept and reports unchanged, leaving the workspace as it was', async () => {
      const { state, before } = await primed();
      upstream.requests.length = 0;
      const second = await fetch(state);
      expect(second.unchanged).toBe(true);
      const target = upstream.requests.find((r) => r.path === targetUrl);
      expect(target).toEqual({ path: targetUrl, status: 304, conditional: true });
      await expectUntouched(before);
    });

    it(`404: ${options.on404 === 'error' ? 'fails naming the URL, previous workspace untouched' : 'goes on without the file'}`, async () => {
      const { state, before } = await primed();
      upstream.fail(targetUrl, { status: 404, body: 'gone' });
      if (options.on404 === 'error') {
        const err = await failure(fetch(state));
        expect(err.code).toBe('SOURCE_HTTP_ERROR');
        expect(err.message).toContain(`${origin}${targetUrl}`);
        await expectUntouched(before);
      } else {
        await fetch(state);
        await expect(fs.access(path.join(ws, inWorkspace))).rejects.toThrow();
      }
    });

    it('429 with Retry-After, then 200: waits what Retry-After says, then succeeds', async () => {
      upstream.fail(targetUrl, { status: 429, body: 'slow down', headers: { 'retry-after': '7' } });
      await fetch({});
      expect(sleeps).toContain(7000);
      expect((await fs.readFile(path.join(ws, inWorkspace))).equals(await fs.readFile(path.join(options.mirrorDir, options.target)))).toBe(true);
    });

    it('500, then 200: backs off, then succeeds', async () => {
      upstream.fail(targetUrl, { status: 500, body: 'oops' });
      await fetch({});
      expect(sleeps).toEqual([100]);
      expect((await fs.readFile(path.join(ws, inWorkspace))).equals(await fs.readFile(path.join(options.mirrorDir, options.target)))).toBe(true);
    });

    it('a truncated gzip body: SOURCE_INVALID naming the URL, previous workspace untouched', async () => {
      const { state, before } = await primed();
      upstream.fail(targetUrl, { truncatedGzip: true });
      const err = await failure(fetch(state));
      expect(err.code).toBe('SOURCE_INVALID');
      expect(err.message).toContain(`${origin}${targetUrl}`);
      await expectUntouched(before);
    });
  });
}
