import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { Agent, type Dispatcher, MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mapLimit } from '../../../drivers/_framework/concurrency.ts';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import { HttpClient, offsetPages, secret } from '../../../drivers/_framework/http.ts';

const ORIGIN = 'https://api.test';
let dir: string;
let agent: MockAgent;

/** A fake clock: sleeping moves it, so rate limits and backoff are observable without waiting. */
function fakeClock(start = 1_700_000_000_000): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: (ms) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    sleeps,
  };
}

async function rejection(p: Promise<unknown>): Promise<AirfeedError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AirfeedError);
  return err as AirfeedError;
}

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-http2-'));
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => {
  await agent.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('per-host rate limits (rolling window)', () => {
  it('spaces requests to one host so that no 30 s window holds more than 5, using the injected clock', async () => {
    const clock = fakeClock();
    const starts: number[] = [];
    agent.get(ORIGIN).intercept({ path: /\/rest\/json\/cves\/2\.0/, method: 'GET' }).reply(200, () => {
      starts.push(clock.now());
      return '{}';
    }).times(12);
    agent.get('https://other.test').intercept({ path: '/', method: 'GET' }).reply(200, () => {
      starts.push(-1);
      return 'x';
    }).times(3);
    const client = new HttpClient({ dispatcher: agent, now: clock.now, sleep: clock.sleep });
    client.setRateLimit('api.test', { requests: 5, perMs: 30_000 });
    const t0 = clock.now();
    // Concurrent callers get distinct slots.
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.getText(`${ORIGIN}/rest/json/cves/2.0?startIndex=${i * 2000}`)));
    for (let i = 0; i < 3; i++) await client.getText('https://other.test/');
    const nvd = starts.filter((s) => s !== -1).map((s) => s - t0);
    expect(nvd).toEqual([0, 0, 0, 0, 0, 30_000, 30_000, 30_000, 30_000, 30_000, 60_000, 60_000]);
    for (const s of nvd) expect(nvd.filter((x) => x > s - 30_000 && x <= s).length).toBeLessThanOrEqual(5);
    // Another host is not limited.
    expect(starts.filter((s) => s === -1)).toHaveLength(3);
    agent.assertNoPendingInterceptors();
  });

  it('is a rolling window, not fixed buckets: a burst late in a window delays the next ones', async () => {
    const clock = fakeClock();
    const starts: number[] = [];
    agent.get(ORIGIN).intercept({ path: '/p', method: 'GET' }).reply(200, () => {
      starts.push(clock.now());
      return '{}';
    }).times(4);
    const client = new HttpClient({ dispatcher: agent, now: clock.now, sleep: clock.sleep });
    client.setRateLimit('api.test', { requests: 2, perMs: 30_000 });
    const t0 = clock.now();
    await client.getText(`${ORIGIN}/p`);
    await clock.sleep(29_000);
    await client.getText(`${ORIGIN}/p`);
    await clock.sleep(2_000); // 31 s: the first request left the window, the second has not
    await client.getText(`${ORIGIN}/p`);
    await client.getText(`${ORIGIN}/p`);
    expect(starts.map((s) => s - t0)).toEqual([0, 29_000, 31_000, 59_000]);
  });

  it('counts retries against the limit', async () => {
    const clock = fakeClock();
    const starts: number[] = [];
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/r', method: 'GET' }).reply(500, () => {
      starts.push(clock.now());
      return 'x';
    }).times(2);
    pool.intercept({ path: '/r', method: 'GET' }).reply(200, () => {
      starts.push(clock.now());
      return 'ok';
    });
    const client = new HttpClient({ dispatcher: agent, now: clock.now, sleep: clock.sleep, baseDelayMs: 10 });
    client.setRateLimit('api.test', { requests: 1, perMs: 6_000 });
    const t0 = clock.now();
    expect(await client.getText(`${ORIGIN}/r`)).toBe('ok');
    expect(starts.map((s) => s - t0)).toEqual([0, 6_000, 12_000]);
  });
});

describe('retrying 403 and 503 with Retry-After', () => {
  it('retries a 403 with Retry-After only when the caller lists 403', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/nvd', method: 'GET' }).reply(403, 'rate limited', { headers: { 'retry-after': '6' } }).times(2);
    pool.intercept({ path: '/nvd', method: 'GET' }).reply(200, 'page');
    const clock = fakeClock();
    const client = new HttpClient({ dispatcher: agent, now: clock.now, sleep: clock.sleep });
    const err = await rejection(client.getText(`${ORIGIN}/nvd`));
    expect(err.message).toBe(`GET ${ORIGIN}/nvd answered 403 Forbidden`);
    expect(clock.sleeps).toEqual([]);
    expect(await client.getText(`${ORIGIN}/nvd`, { retryStatuses: [403] })).toBe('page');
    expect(clock.sleeps).toEqual([6000]);
  });

  it('honours a Retry-After date on 503, measured with the injected clock', async () => {
    const clock = fakeClock(Date.parse('Tue, 31 Dec 2024 10:00:00 GMT'));
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/s', method: 'GET' }).reply(503, '', { headers: { 'retry-after': 'Tue, 31 Dec 2024 10:00:20 GMT' } });
    pool.intercept({ path: '/s', method: 'GET' }).reply(200, 'ok');
    const client = new HttpClient({ dispatcher: agent, now: clock.now, sleep: clock.sleep });
    expect(await client.getText(`${ORIGIN}/s`)).toBe('ok');
    expect(clock.sleeps).toEqual([20_000]);
  });
});

describe('secret headers', () => {
  const KEY = 'nvd-key-5f3c9a1e-0000-4a4a-9c9c-123456789abc';
  const TOKEN = 'ghp_SECRETTOKENVALUE1234567890';

  it('sends secret headers, but never puts them in a log line or an error, and drops them on a cross-origin redirect', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
    const seen: Array<Record<string, unknown>> = [];
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/a', method: 'GET', headers: { apikey: KEY } }).reply(500, 'x');
    pool.intercept({ path: '/a', method: 'GET', headers: { apikey: KEY } }).reply(302, '', { headers: { location: 'https://cdn.test/a' } });
    agent.get('https://cdn.test').intercept({ path: '/a', method: 'GET' }).reply(404, (opts) => {
      seen.push(opts.headers as Record<string, unknown>);
      return 'nope';
    });
    pool.intercept({ path: '/b', method: 'GET' }).replyWithError(new Error(`connect failed for key ${KEY}`)).times(2);
    const clock = fakeClock();
    const client = new HttpClient({ dispatcher: agent, now: clock.now, sleep: clock.sleep, retries: 1, log });
    const headers = { apiKey: secret(KEY), authorization: `Bearer ${TOKEN}`, accept: 'application/json' };
    const errors = [
      await rejection(client.getText(`${ORIGIN}/a`, { headers })),
      await rejection(client.download(`${ORIGIN}/b`, path.join(dir, 'b'), { headers })),
    ];
    expect(errors[0]?.code).toBe('SOURCE_HTTP_ERROR');
    expect(errors[1]?.code).toBe('SOURCE_UNREACHABLE');
    expect(errors[1]?.message).toContain('connect failed for key [REDACTED]');
    // Neither credential went on to the other origin.
    expect(Object.keys(seen[0] ?? {}).map((k) => k.toLowerCase())).not.toContain('apikey');
    expect(Object.keys(seen[0] ?? {}).map((k) => k.toLowerCase())).not.toContain('authorization');
    expect(seen[0]?.['accept']).toBe('application/json');
    // Debug lines were written (with the headers, redacted) and none holds a secret.
    const logged = lines.join('\n');
    expect(logged).toContain('"apiKey":"[REDACTED]"');
    expect(logged).toContain('"authorization":"[REDACTED]"');
    expect(logged).toContain('http: retrying');
    for (const text of [logged, ...errors.map((e) => `${e.message} ${JSON.stringify(e.details)} ${e.hint}`)]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(TOKEN);
    }
    expect(String(secret(KEY))).toBe('[REDACTED]');
    expect(JSON.stringify({ h: secret(KEY) })).toBe('{"h":"[REDACTED]"}');
  });
});

describe('a network failure always comes out as the client\'s own retryable error', () => {
  /**
   * Delivers a response to the client only once the connection has already failed: headers, the
   * body bytes received so far and the error arrive together. This pins the race that let a raw
   * undici `SocketError: other side closed` escape: the body is destroyed before the client has
   * attached anything to it.
   */
  function replayAfterFailure(inner: Dispatcher): Dispatcher {
    return inner.compose((dispatch) => (opts, handler) => {
      const events: Array<() => void> = [];
      return dispatch(opts, {
        onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
        onResponseStart: (controller, status, headers, message) => void events.push(() => handler.onResponseStart?.(controller, status, headers, message)),
        onResponseData: (controller, chunk) => void events.push(() => handler.onResponseData?.(controller, chunk)),
        onResponseEnd: (controller, trailers) => {
          for (const e of events) e();
          handler.onResponseEnd?.(controller, trailers);
        },
        onResponseError: (controller, err) => {
          for (const e of events) e();
          handler.onResponseError?.(controller, err);
        },
      });
    });
  }

  let server: net.Server;
  let base: string;
  let respond: (socket: net.Socket) => void;
  beforeEach(async () => {
    server = net.createServer((socket) => {
      socket.once('data', () => respond(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['closed right after the headers', 'HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n', /response body truncated after 0 bytes: other side closed/],
    ['closed after part of the body', `HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n${'x'.repeat(100)}`, /response body truncated after \d+ bytes: other side closed/],
    ['closed inside a chunked body', `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n64\r\n${'x'.repeat(100)}\r\n`, /response body truncated after \d+ bytes: other side closed/],
    ['closed before any answer', '', /other side closed|socket/i],
  ])('when the connection is %s and the client sees the answer only afterwards', async (_what, raw, reason) => {
    respond = (socket) => socket.end(raw);
    const dispatcher = replayAfterFailure(new Agent());
    const client = new HttpClient({ dispatcher, retries: 1, sleep: () => Promise.resolve() });
    // The old client let a raw SocketError out in ~40% of such attempts; ten per case leave it no chance.
    for (let run = 0; run < 10; run++) {
      const dest = path.join(dir, `run${run}`, 'broken.json');
      const err = await rejection(client.download(`${base}/broken.json`, dest));
      expect(err.code).toBe('SOURCE_UNREACHABLE');
      expect(err.message).toMatch(new RegExp(`^GET ${base}/broken\\.json failed after 2 attempts; last error: `));
      expect(err.message).toMatch(reason);
      await expect(fs.access(dest)).rejects.toThrow();
      const textErr = await rejection(client.getText(`${base}/x`));
      expect(textErr.code).toBe('SOURCE_UNREACHABLE');
    }
    await dispatcher.close();
  });

  it('a broken gzip body on a broken connection is a network failure (retried), not corrupt data', async () => {
    const gz = gzipSync('y'.repeat(50_000));
    respond = (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${gz.length}\r\n\r\n`);
      socket.end(gz.subarray(0, 40));
    };
    let slept = 0;
    const client = new HttpClient({ retries: 2, sleep: () => { slept++; return Promise.resolve(); } });
    const err = await rejection(client.download(`${base}/g.json`, path.join(dir, 'g.json')));
    expect(err.code).toBe('SOURCE_UNREACHABLE');
    expect(err.message).toMatch(/response body truncated after 40 bytes/);
    expect(slept).toBe(2);
  });

  it('with a real server that destroys the socket at once, many times over, never lets a raw error out', async () => {
    const httpServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x'.repeat(100), () => res.socket?.destroy());
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(httpServer.address() as net.AddressInfo).port}/f`;
    try {
      const client = new HttpClient({ retries: 0, sleep: () => Promise.resolve() });
      for (let i = 0; i < 30; i++) {
        const err = await client.download(url, path.join(dir, `d${i}`, 'f')).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AirfeedError);
        expect((err as AirfeedError).code).toBe('SOURCE_UNREACHABLE');
      }
    } finally {
      httpServer.closeAllConnections();
      await new Promise((resolve) => httpServer.close(resolve));
    }
  });
});

describe('offsetPages', () => {
  it('pages by startIndex/resultsPerPage until totalResults, re-reading the total from each page', async () => {
    const asked: Array<[number, number]> = [];
    let total = 5;
    const pages = [];
    for await (const page of offsetPages({
      pageSize: 2,
      fetchPage: async (start, size) => {
        asked.push([start, size]);
        if (start === 2) total = 6; // the upstream grew during the sync
        return { items: Array.from({ length: Math.max(0, Math.min(size, total - start)) }, (_, i) => start + i), total };
      },
    })) pages.push(page);
    expect(asked).toEqual([[0, 2], [2, 2], [4, 2]]);
    expect(pages.map((p) => [p.start, p.items])).toEqual([[0, [0, 1]], [2, [2, 3]], [4, [4, 5]]]);
  });

  it('refuses an empty page before the total, and a page larger than asked', async () => {
    const empty = offsetPages({ pageSize: 10, label: 'nvd', fetchPage: async (start) => ({ items: start === 0 ? [1, 2] : [], total: 50 }) });
    await expect((async () => { for await (const _ of empty) { /* drain */ } })()).rejects.toThrow('nvd: the page at offset 2 is empty, but the total is 50');
    const big = offsetPages({ pageSize: 1, label: 'nvd', fetchPage: async () => ({ items: [1, 2], total: 5 }) });
    await expect((async () => { for await (const _ of big) { /* drain */ } })()).rejects.toThrow('nvd: the page at offset 0 holds 2 items, more than the 1 asked for');
  });
});

describe('mapLimit', () => {
  it('keeps order and runs at most n at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (x) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });

  it('starts nothing new after the first failure and rejects only when running work has finished', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const err = await mapLimit([0, 1, 2, 3, 4, 5], 2, async (x) => {
      started.push(x);
      for (let i = 0; i < (x === 0 ? 5 : 1); i++) await new Promise((r) => setImmediate(r));
      if (x === 1) throw new Error('boom 1');
      finished.push(x);
      return x;
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('boom 1');
    // 0 was running when 1 failed: it finished before the rejection; 2.. never started.
    expect(finished).toEqual([0]);
    expect(started).toEqual([0, 1]);
  });
});
