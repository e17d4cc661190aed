/**
 * HTTP for the engine's online source, on the one shared client (drivers/_framework/http.ts, with
 * its retries, timeouts and gzip). That client sends no Accept header, and /v2 streams NDJSON only
 * when asked, so engineHttpClient composes an undici interceptor onto its dispatcher that asks for
 * NDJSON on /v2 record requests (and adds a read token for the service's origin, when given). Large
 * answers go to a temp file through `download` and are read back line by line: memory stays flat,
 * and a connection that breaks mid-body is retried by the client, not half-applied.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Dispatcher, getGlobalDispatcher } from 'undici';
import { HttpClient, type HttpClientOptions } from '../../drivers/_framework/http.ts';

export const NDJSON = 'application/x-ndjson';
// JSON stays acceptable, so a service that cannot stream still answers with a page.
const RECORDS_ACCEPT = `${NDJSON}, application/json;q=0.9`;

export interface EngineHttpOptions extends HttpClientOptions {
  /** A read token for a feed service that requires one: sent as a bearer token to `origin` only. */
  auth?: { origin: string; token: string };
}

type HeaderMap = Record<string, string | string[]>;

/** Any undici header form as a plain object (the shared client sends a plain object). */
function headerMap(headers: Dispatcher.DispatchOptions['headers']): HeaderMap {
  const out: HeaderMap = {};
  if (headers === null || headers === undefined) return out;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) out[String(headers[i])] = String(headers[i + 1]);
    return out;
  }
  if (Symbol.iterator in headers) {
    for (const [k, v] of headers as Iterable<[string, string | string[] | undefined]>) if (v !== undefined) out[k] = v;
    return out;
  }
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = v;
  return out;
}

function has(headers: HeaderMap, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

/** The interceptor: Accept on /v2 record requests, Authorization for the token's origin. */
function engineHeaders(auth: EngineHttpOptions['auth']): Dispatcher.DispatcherComposeInterceptor {
  const tokenOrigin = auth ? new URL(auth.origin).origin : undefined;
  return (dispatch) => (opts, handler) => {
    const headers = headerMap(opts.headers);
    const pathname = opts.path.split('?')[0] ?? '';
    if (/\/v2\/groups\/[^/]+\/records$/.test(pathname) && !has(headers, 'accept')) headers['accept'] = RECORDS_ACCEPT;
    if (auth && tokenOrigin !== undefined && opts.origin !== undefined && new URL(String(opts.origin)).origin === tokenOrigin && !has(headers, 'authorization')) {
      headers['authorization'] = `Bearer ${auth.token}`;
    }
    return dispatch({ ...opts, headers }, handler);
  };
}

/** The shared HttpClient, asking for NDJSON where /v2 streams it; see the module comment. */
export function engineHttpClient(options: EngineHttpOptions = {}): HttpClient {
  const { auth, dispatcher, ...rest } = options;
  const base = dispatcher ?? getGlobalDispatcher();
  return new HttpClient({ ...rest, dispatcher: base.compose(engineHeaders(auth)) });
}

/** A temp directory for downloaded answers, removed by `cleanup`. */
export async function spoolDirectory(parent: string = os.tmpdir()): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  await fs.mkdir(parent, { recursive: true });
  const dir = await fs.mkdtemp(path.join(parent, 'airfeed-engine-'));
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** The lines of a file (without the newline), numbered from 1, read in large chunks. */
export async function* fileLines(file: string): AsyncGenerator<{ line: string; no: number }> {
  let carry: Buffer[] = [];
  let no = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      const line = carry.length > 0 ? Buffer.concat([...carry, piece]) : piece;
      carry = [];
      start = nl + 1;
      yield { line: line.toString('utf8'), no: ++no };
    }
    if (start < chunk.length) carry.push(chunk.subarray(start));
  }
  if (carry.length > 0) yield { line: Buffer.concat(carry).toString('utf8'), no: ++no };
}
