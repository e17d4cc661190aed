import { createHash } from 'node:crypto';
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
import type { DriverState, FetchResult } from '../../drivers/_framework/types.ts';
import { branchesFromIndex } from '../../drivers/alpine/fetch.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { describeStatusMatrix } from '../helpers/mock-upstream.ts';

const MIRROR = path.resolve(import.meta.dirname, '../fixtures/alpine/mirror');
const FILES = ['edge/community.json', 'edge/main.json', 'v3.19/main.json', 'v3.20/community.json', 'v3.20/main.json'];
const ORIGIN = 'https://secdb.test';
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const progress = { phase: () => undefined, tick: () => undefined };

let tmp: string;
let ws: string;
let mirror: string;

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-alpine-fetch-'));
  ws = path.join(tmp, 'workspace');
  mirror = path.join(tmp, 'mirror');
  await fs.cp(MIRROR, mirror, { recursive: true });
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Relative paths of every file under `dir`, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

async function toArray<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function fetchFrom(source: string, state: DriverState, http = new HttpClient()): Promise<FetchResult> {
  return alpine.fetch({ source, workspace: ws, state, settings: SettingValues.none('alpine'), http, log: silentLogger, progress });
}

describe('alpine fetch from a mirror directory', () => {
  it('copies the secdb files, records their digests, then reports unchanged without copying again', async () => {
    const first = await fetchFrom(mirror, {});
    expect(first.unchanged).toBe(false);
    expect(Object.keys(first.state)).toEqual(FILES);
    expect(await tree(ws)).toEqual(FILES);
    for (const f of FILES) {
      const bytes = await fs.readFile(path.join(mirror, f));
      expect(await fs.readFile(path.join(ws, f))).toEqual(bytes);
      expect(first.state[f]).toEqual({ etag: null, lastModified: null, sha256: sha(bytes) });
    }
    const before = await fs.stat(path.join(ws, 'v3.20/main.json'));
    const second = await fetchFrom(mirror, first.state);
    expect(second).toEqual({ unchanged: true, state: first.state });
    expect((await fs.stat(path.join(ws, 'v3.20/main.json'))).ino).toBe(before.ino);
  });

  it('replaces a changed file, removes a vanished branch and a vanished repo file', async () => {
    const first = await fetchFrom(mirror, {});
    await fs.appendFile(path.join(mirror, 'v3.19/main.json'), '\n');
    await fs.rm(path.join(mirror, 'edge'), { recursive: true });
    await fs.rm(path.join(mirror, 'v3.20/community.json'));
    const second = await fetchFrom(mirror, first.state);
    expect(second.unchanged).toBe(false);
    expect(await tree(ws)).toEqual(['v3.19/main.json', 'v3.20/main.json']);
    expect(Object.keys(second.state)).toEqual(['v3.19/main.json', 'v3.20/main.json']);
    expect(await fs.readFile(path.join(ws, 'v3.19/main.json'), 'utf8')).toMatch(/\n\n$/);
    expect((await alpine.groups(ws)).map((g) => g.name)).toEqual(['alpine:3.19', 'alpine:3.20']);
  });

  it('repairs a workspace file that no longer matches, even when the state says nothing moved', async () => {
    const first = await fetchFrom(mirror, {});
    await fs.writeFile(path.join(ws, 'v3.20/main.json'), 'garbage');
    const second = await fetchFrom(mirror, first.state);
    expect(second.unchanged).toBe(true);
    expect(await fs.readFile(path.join(ws, 'v3.20/main.json'))).toEqual(await fs.readFile(path.join(mirror, 'v3.20/main.json')));
  });

  it('ignores what is not a branch directory, and refuses a mirror with no branch at all', async () => {
    await fs.mkdir(path.join(mirror, 'latest-stable'));
    await fs.writeFile(path.join(mirror, 'latest-stable', 'main.json'), '{}');
    await fs.writeFile(path.join(mirror, 'last-update'), '2024-12-31');
    await fs.mkdir(path.join(mirror, 'v3.99'));
    await fetchFrom(mirror, {});
    expect(await tree(ws)).toEqual(FILES);

    const empty = path.join(tmp, 'empty');
    await fs.mkdir(empty);
    const err = await fetchFrom(empty, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirfeedError);
    expect((err as AirfeedError).code).toBe('SOURCE_INVALID');
    expect((err as AirfeedError).message).toContain(`the mirror directory ${empty} holds no branch directory`);
    expect(await tree(ws)).toEqual(FILES);

    const missing = await fetchFrom(path.join(tmp, 'nope'), {}).catch((e: unknown) => e);
    expect((missing as AirfeedError).code).toBe('SOURCE_UNREACHABLE');
    expect((missing as AirfeedError).message).toContain(path.join(tmp, 'nope'));
  });
});

const INDEX = (branches: string[]): string => `<html>
<head><title>Index of /</title></head>
<body>
<h1>Index of /</h1><hr><pre><a href="../">../</a>
${branches.map((b) => `<a href="${b}/">${b}/</a>                                              31-Dec-2024 10:00       -`).join('\n')}
<a href="last-update">last-update</a>                                        31-Dec-2024 10:00      11
<a href="license.txt">license.txt</a>                                        06-Sep-2021 12:00     339
</pre><hr></body>
</html>
`;

describe('alpine fetch over HTTP', () => {
  let agent: MockAgent;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(async () => {
    await agent.close();
  });

  const http = (): HttpClient => new HttpClient({ dispatcher: agent, retries: 0 });
  const etagOf = async (key: string): Promise<string> => `"${sha(await fs.readFile(path.join(MIRROR, key))).slice(0, 16)}"`;

  /** Serves the fixture mirror: 200 (gzip for v3.20/main.json), or 304 when `conditional`; 404 for absent files. */
  async function serve(opts: { conditional: boolean; branches?: string[] }): Promise<void> {
    const pool = agent.get(ORIGIN);
    const branches = opts.branches ?? ['edge', 'v3.19', 'v3.20'];
    pool.intercept({ path: '/', method: 'GET' }).reply(200, INDEX(branches), { headers: { 'content-type': 'text/html' } });
    for (const b of branches) {
      for (const repo of ['main', 'community']) {
        const key = `${b}/${repo}.json`;
        const p = `/${key}`;
        if (!FILES.includes(key)) {
          pool.intercept({ path: p, method: 'GET' }).reply(404, '<html>404 Not Found</html>');
          continue;
        }
        const etag = await etagOf(key);
        if (opts.conditional) {
          pool.intercept({ path: p, method: 'GET', headers: { 'if-none-match': etag } }).reply(304, '', { headers: { etag } });
          continue;
        }
        const body = await fs.readFile(path.join(MIRROR, key));
        const gzip = key === 'v3.20/main.json';
        pool.intercept({ path: p, method: 'GET' }).reply(200, gzip ? gzipSync(body) : body, {
          headers: { etag, 'last-modified': 'Tue, 31 Dec 2024 10:00:00 GMT', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
        });
      }
    }
  }

  it('discovers branches from the index, downloads (gzip too), then gets 304s and reports unchanged', async () => {
    await serve({ conditional: false });
    const first = await fetchFrom(`${ORIGIN}/`, {}, http());
    expect(first.unchanged).toBe(false);
    expect(await tree(ws)).toEqual(FILES);
    for (const f of FILES) {
      expect(await fs.readFile(path.join(ws, f))).toEqual(await fs.readFile(path.join(MIRROR, f)));
      expect(first.state[f]).toEqual({
        etag: await etagOf(f), lastModified: 'Tue, 31 Dec 2024 10:00:00 GMT', sha256: sha(await fs.readFile(path.join(MIRROR, f))),
      });
    }
    agent.assertNoPendingInterceptors();

    await serve({ conditional: true });
    const second = await fetchFrom(ORIGIN, first.state, http());
    expect(second.unchanged).toBe(true);
    expect(second.state).toEqual(first.state);
    agent.assertNoPendingInterceptors();
  });

  it('parses to the same records as a directory fetch', async () => {
    await serve({ conditional: false });
    await fetchFrom(ORIGIN, {}, http());
    const viaHttp = [];
    for await (const g of alpine.parse({ workspace: ws, log: silentLogger })) {
      viaHttp.push({ name: g.name, fingerprint: g.fingerprint, records: await toArray(g.records) });
    }
    await fs.rm(ws, { recursive: true });
    await fetchFrom(mirror, {});
    const viaDir = [];
    for await (const g of alpine.parse({ workspace: ws, log: silentLogger })) {
      viaDir.push({ name: g.name, fingerprint: g.fingerprint, records: await toArray(g.records) });
    }
    expect(viaHttp).toEqual(viaDir);
  });

  it('leaves the workspace as it was when one download fails, and removes branches gone from the index', async () => {
    await serve({ conditional: false });
    const first = await fetchFrom(ORIGIN, {}, http());
    const pool = agent.get(ORIGIN);
    pool.intercept({ path: '/', method: 'GET' }).reply(200, INDEX(['v3.19', 'v3.20']));
    pool.intercept({ path: '/v3.19/main.json', method: 'GET' }).reply(200, '{"packages":[]}');
    pool.intercept({ path: '/v3.19/community.json', method: 'GET' }).reply(404, '');
    pool.intercept({ path: '/v3.20/main.json', method: 'GET' }).reply(500, 'boom').persist();
    pool.intercept({ path: '/v3.20/community.json', method: 'GET' }).reply(200, '{"packages":[]}');
    const err = await fetchFrom(ORIGIN, first.state, http()).catch((e: unknown) => e);
    expect((err as AirfeedError).message).toBe(`GET ${ORIGIN}/v3.20/main.json failed after 1 attempts; last answer: 500 Internal Server Error`);
    expect(await tree(ws)).toEqual(FILES);
    for (const f of FILES) expect(await fs.readFile(path.join(ws, f))).toEqual(await fs.readFile(path.join(MIRROR, f)));

    await agent.close();
    agent = new MockAgent();
    agent.disableNetConnect();
    await serve({ conditional: true, branches: ['v3.19', 'v3.20'] });
    const third = await fetchFrom(ORIGIN, first.state, http());
    expect(third.unchanged).toBe(false);
    expect(await tree(ws)).toEqual(['v3.19/main.json', 'v3.20/community.json', 'v3.20/main.json']);
  });

  it('refuses an index page that links no branch', async () => {
    agent.get(ORIGIN).intercept({ path: '/', method: 'GET' }).reply(200, '<html>maintenance</html>');
    const err = await fetchFrom(ORIGIN, {}, http()).catch((e: unknown) => e);
    expect((err as AirfeedError).code).toBe('SOURCE_INVALID');
    expect((err as AirfeedError).message).toBe(`alpine: the index page ${ORIGIN}/ links no branch directory (v3.NN/ or edge/)`);
  });
});

describe('branchesFromIndex', () => {
  it('reads relative, absolute and quoted-or-not links, and only branch names under the base', () => {
    const html = `<a href="v3.20/">x</a><a href='./v3.9/'>x</a><a href=edge/>x</a><a href="/v3.10/">x</a>
      <a href="https://secdb.test/v3.21/">x</a><a href="https://elsewhere.test/v3.1/">x</a><a href="latest-stable/">x</a>
      <a href="v3.20/main.json">x</a><a href="../">x</a><a href="v3.20/">dup</a>`;
    expect(branchesFromIndex(html, 'https://secdb.test/')).toEqual(['edge', 'v3.10', 'v3.20', 'v3.21', 'v3.9']);
  });
});

describeStatusMatrix({
  driver: alpine,
  mirrorDir: MIRROR,
  target: 'v3.20/main.json',
  // A branch listed in the index without main.json is logged and skipped (drivers/alpine/fetch.ts).
  on404: 'absent',
  routes: (files) => ({ '/': { status: 200, body: INDEX([...new Set(files.map((f) => f.split('/')[0] ?? ''))].sort()) } }),
});
