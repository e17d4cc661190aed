import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { HttpClient, parseRetryAfter } from '../../drivers/_framework/http.ts';

const ORIGIN = 'https://feed.test';
const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

let dir: string;
let agent: MockAgent;
let sleeps: number[];

function client(options: { retries?: number; timeoutMs?: number; dispatcher?: MockAgent | null } = {}): HttpClient {
  return new HttpClient({
    ...(options.dispatcher === null ? {} : { dispatcher: options.dispatcher ?? agent }),
    retries: options.retries ?? 3,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
}

async function rejection(p: Promise<unknown>): Promise<AirfeedError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AirfeedError);
  return err as AirfeedError;
}

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-http-'));
  agent = new MockAgent();
  agent.disableNetConnect();
  sleeps = [];
});
afterEach(async () => {
  await agent.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('HttpClient.download', () => {
  it('writes the body on 200, creating the parent directory, and reports sha256, size and validators', async () => {
    agent.get(ORIGIN).intercept({ path: '/v3.20/main.json', method: 'GET' })
      .reply(200, '{"packages":[]}', { headers: { etag: '"abc"', 'last-modified': 'Tue, 31 Dec 2024 10:00:00 GMT' } });
    const dest = path.join(dir, 'a', 'b', 'main.json');
    const res = await client().download(`${ORIGIN}/v3.20/main.json`, dest);
    expect(res).toEqual({
      notModified: false, status: 200, etag: '"abc"', lastModified: 'Tue, 31 Dec 2024 10:00:00 GMT',
      sha256: sha('{"packages":[]}'), bytes: 15,
    });
    expect(await fs.readFile(dest, 'utf8')).toBe('{"packages":[]}');
    expect(await fs.readdir(path.dirname(dest))).toEqual(['main.json']);
  });

  it('sends If-None-Match and If-Modified-Since, and leaves dest untouched on 304', async () => {
    agent.get(ORIGIN)
      .intercept({ path: '/f.json', method: 'GET', headers: { 'if-none-match': '"abc"', 'if-modified-since': 'Tue, 31 Dec 2024 10:00:00 GMT' } })
      .reply(304, '', { headers: { etag: '"abc"' } });
    const dest = path.join(dir, 'f.json');
    await fs.writeFile(dest, 'old');
    const res = await client().download(`${ORIGIN}/f.json`, dest, { etag: '"abc"', lastModified: 'Tue, 31 Dec 2024 10:00:00 GMT' });
    expect(res).toEqual({ notModified: true, status: 304, etag: '"abc"', lastModified: 'Tue, 31 Dec 2024 10:00:00 GMT', sha256: null, bytes: 0 });
    expect(await fs.readFile(dest, 'utf8')).toBe('old');
    agent.assertNoPendingInterceptors();
  });

  it('asks for gzip and decodes a gzip body, hashing the decoded bytes', async () => {
    const body = JSON.stringify({ packages: Array.from({ length: 200 }, (_, i) => ({ pkg: { name: `p${i}` } })) });
    agent.get(ORIGIN).intercept({ path: '/g.json', method: 'GET', headers: { 'accept-encoding': 'gzip' } })
      .reply(200, gzipSync(body), { headers: { 'content-encoding': 'gzip' } });
    const dest = path.join(dir, 'g.json');
    const res = await client().download(`${ORIGIN}/g.json`, dest);
    expect(await fs.readFile(dest, 'utf8')).toBe(body);
    expect(res.sha256).toBe(sha(body));
    expect(res.bytes).toBe(Buffer.byteLength(body));
  });

  it('waits for Retry-After on 429, then succeeds', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/r', method: 'GET' }).reply(429, 'slow down', { headers: { 'retry-after': '2' } });
    pool.intercept({ path: '/r', method: 'GET' }).reply(200, 'ok');
    const dest = path.join(dir, 'r');
    await client().download(`${ORIGIN}/r`, dest);
    expect(sleeps).toEqual([2000]);
    expect(await fs.readFile(dest, 'utf8')).toBe('ok');
  });

  it('caps a huge Retry-After at four times the maximum delay', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/r', method: 'GET' }).reply(503, '', { headers: { 'retry-after': '86400' } });
    pool.intercept({ path: '/r', method: 'GET' }).reply(200, 'ok');
    await client().download(`${ORIGIN}/r`, path.join(dir, 'r'));
    expect(sleeps).toEqual([4000]);
  });

  it('retries a 503 with backoff, then succeeds', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/s', method: 'GET' }).reply(503, 'busy');
    pool.intercept({ path: '/s', method: 'GET' }).reply(502, 'bad gateway');
    pool.intercept({ path: '/s', method: 'GET' }).reply(200, 'ok');
    await client().download(`${ORIGIN}/s`, path.join(dir, 's'));
    expect(sleeps).toEqual([100, 200]);
  });

  it('retries network errors', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/n', method: 'GET' }).replyWithError(new Error('ECONNRESET'));
    pool.intercept({ path: '/n', method: 'GET' }).reply(200, 'ok');
    await client().download(`${ORIGIN}/n`, path.join(dir, 'n'));
    expect(sleeps).toEqual([100]);
  });

  it('gives up on 500 after the retries, naming the URL, the attempts and the last status', async () => {
    agent.get(ORIGIN).intercept({ path: '/down', method: 'GET' }).reply(500, 'oops').persist();
    const err = await rejection(client({ retries: 3 }).download(`${ORIGIN}/down`, path.join(dir, 'down')));
    expect(err.code).toBe('SOURCE_HTTP_ERROR');
    expect(err.message).toBe(`GET ${ORIGIN}/down failed after 4 attempts; last answer: 500 Internal Server Error`);
    expect(err.details).toMatchObject({ status: 500, attempts: 4 });
    expect(sleeps).toEqual([100, 200, 400]);
    await expect(fs.access(path.join(dir, 'down'))).rejects.toThrow();
  });

  it('fails at once on 404, without retrying', async () => {
    let calls = 0;
    agent.get(ORIGIN).intercept({ path: '/missing', method: 'GET' }).reply(404, () => `no ${++calls}`).times(5);
    const err = await rejection(client().download(`${ORIGIN}/missing`, path.join(dir, 'm')));
    expect(err.code).toBe('SOURCE_HTTP_ERROR');
    expect(err.message).toBe(`GET ${ORIGIN}/missing answered 404 Not Found`);
    expect(err.details).toEqual({ status: 404 });
    expect(sleeps).toEqual([]);
    expect(calls).toBe(1);
  });

  it('follows redirects', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/old', method: 'GET' }).reply(301, '', { headers: { location: '/new' } });
    pool.intercept({ path: '/new', method: 'GET' }).reply(200, 'moved');
    await client().download(`${ORIGIN}/old`, path.join(dir, 'x'));
    expect(await fs.readFile(path.join(dir, 'x'), 'utf8')).toBe('moved');
  });

  it('on a truncated gzip body keeps the previous dest, leaves no .part file, and names the URL', async () => {
    const full = gzipSync(JSON.stringify({ packages: Array.from({ length: 500 }, (_, i) => ({ pkg: { name: `p${i}` } })) }));
    agent.get(ORIGIN).intercept({ path: '/t.json', method: 'GET' })
      .reply(200, full.subarray(0, Math.floor(full.length / 2)), { headers: { 'content-encoding': 'gzip' } });
    const dest = path.join(dir, 't.json');
    await fs.writeFile(dest, 'previous good data');
    const err = await rejection(client().download(`${ORIGIN}/t.json`, dest));
    expect(err.code).toBe('SOURCE_INVALID');
    expect(err.message).toContain(`GET ${ORIGIN}/t.json: the gzip body is truncated or corrupt`);
    expect(await fs.readFile(dest, 'utf8')).toBe('previous good data');
    expect(await fs.readdir(dir)).toEqual(['t.json']);
  });

  it('does not retry a local failure (the parent of dest is a file)', async () => {
    agent.get(ORIGIN).intercept({ path: '/l', method: 'GET' }).reply(200, 'ok');
    await fs.writeFile(path.join(dir, 'file'), '');
    const err = await client().download(`${ORIGIN}/l`, path.join(dir, 'file', 'l')).catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toMatch(/^(EEXIST|ENOTDIR)$/);
    expect(sleeps).toEqual([]);
  });

  it('stops waiting and retrying when the signal aborts', async () => {
    agent.get(ORIGIN).intercept({ path: '/a', method: 'GET' }).reply(503, '').persist();
    const controller = new AbortController();
    const http = new HttpClient({ dispatcher: agent, sleep: () => new Promise(() => controller.abort(new Error('stop'))) });
    await expect(http.download(`${ORIGIN}/a`, path.join(dir, 'a'), { signal: controller.signal })).rejects.toThrow('stop');
  });

  it('refuses a Content-Encoding it did not ask for', async () => {
    agent.get(ORIGIN).intercept({ path: '/br', method: 'GET' }).reply(200, 'xx', { headers: { 'content-encoding': 'br' } });
    const err = await rejection(client().download(`${ORIGIN}/br`, path.join(dir, 'br')));
    expect(err.code).toBe('SOURCE_INVALID');
    expect(err.message).toMatch(/GET https:\/\/feed\.test\/br: .*Content-Encoding "br"/);
  });
});

describe('HttpClient against a real socket', () => {
  let server: http.Server;
  let base: string;
  let handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;
  let requests: number;

  beforeEach(async () => {
    requests = 0;
    server = http.createServer((req, res) => handler(req, res, ++requests));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('when the connection breaks mid-body: retries, then fails naming the URL, keeping the previous dest', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x'.repeat(100));
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const dest = path.join(dir, 'broken.json');
    await fs.writeFile(dest, 'previous good data');
    const err = await rejection(client({ dispatcher: null, retries: 1 }).download(`${base}/broken.json`, dest));
    expect(err.code).toBe('SOURCE_UNREACHABLE');
    expect(err.message).toContain(`GET ${base}/broken.json failed after 2 attempts; last error: response body truncated after 100 bytes`);
    expect(requests).toBe(2);
    expect(await fs.readFile(dest, 'utf8')).toBe('previous good data');
    expect(await fs.readdir(dir)).toEqual(['broken.json']);
  });

  it('times out a silent server and retries', async () => {
    handler = (_req, res, n) => {
      if (n === 1) return; // never answers; the client's headers timeout must fire
      res.end('late but fine');
    };
    const dest = path.join(dir, 'slow');
    await client({ dispatcher: null, timeoutMs: 200 }).download(`${base}/slow`, dest);
    expect(await fs.readFile(dest, 'utf8')).toBe('late but fine');
    expect(sleeps).toEqual([100]);
  });
});

describe('HttpClient.getText', () => {
  it('returns the (decoded) body', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/', method: 'GET' }).reply(200, '<a href="v3.20/">v3.20/</a>');
    pool.intercept({ path: '/gz', method: 'GET' }).reply(200, gzipSync('zipped index'), { headers: { 'content-encoding': 'gzip' } });
    expect(await client().getText(`${ORIGIN}/`)).toBe('<a href="v3.20/">v3.20/</a>');
    expect(await client().getText(`${ORIGIN}/gz`)).toBe('zipped index');
  });

  it('retries like download and refuses oversized answers', async () => {
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/', method: 'GET' }).reply(503, '');
    pool.intercept({ path: '/', method: 'GET' }).reply(200, 'x'.repeat(100));
    await expect(client().getText(`${ORIGIN}/`, { maxBytes: 10 })).rejects.toThrow(/larger than 10 bytes/);
    expect(sleeps).toEqual([100]);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta seconds and HTTP dates', () => {
    const now = Date.parse('Tue, 31 Dec 2024 10:00:00 GMT');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
