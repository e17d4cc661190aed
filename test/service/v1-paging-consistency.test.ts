/**
 * Paging 2,500 records through /v1 while another transaction changes some of them: an engine that
 * upserts every page by Name, then runs its next delta with `since` = its clock at the start of the
 * download, must end with exactly what a fresh full download gives. Nothing lost.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { applyGroupInTransaction } from '../../feed-service/storage/apply.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { iterate, makeRecord } from '../helpers/records.ts';
import { loadGroup, makeApp, pythonIso } from './service-helpers.ts';

const GROUP = 'test:paging';
const N = 2500;
let db: TestDb;
let app: FastifyInstance;

interface Vuln {
  Name: string;
  FixedIn: { Version: string }[];
}
interface Page {
  data: { Vulnerability: Vuln }[];
  next_token: string;
}

const id = (i: number): string => `CVE-2024-${String(i).padStart(5, '0')}`;
const original = (): VulnRecord[] => Array.from({ length: N }, (_, i) => makeRecord(GROUP, id(i), '1.0-r0'));

/** The snapshot the writer applies: every 97th record gets a new fixed version, every 251st is gone, 5 are new. */
function changed(): { records: VulnRecord[]; touched: Set<string> } {
  const touched = new Set<string>();
  const records: VulnRecord[] = [];
  for (let i = 0; i < N; i++) {
    if (i % 251 === 7) {
      touched.add(id(i));
      continue;
    }
    const bump = i % 97 === 3;
    if (bump) touched.add(id(i));
    records.push(makeRecord(GROUP, id(i), bump ? '2.0-r0' : '1.0-r0'));
  }
  for (let i = N; i < N + 5; i++) {
    touched.add(id(i));
    records.push(makeRecord(GROUP, id(i), '1.0-r0'));
  }
  return { records, touched };
}

/** An engine's view of the group: Name → the last FixedIn version it received ('' for a withdrawn record). */
class Engine {
  readonly state = new Map<string, string>();
  /** Names and when (page index) they arrived, for the "later page or next delta" check. */
  readonly arrivals: { name: string; version: string; step: number }[] = [];
  step = 0;

  async page(a: FastifyInstance, since: string | undefined, token: string): Promise<string> {
    const q = [since ? `since=${since}` : '', token ? `next_token=${token}` : ''].filter(Boolean).join('&');
    const res = await a.inject({ method: 'GET', url: `/v1/service/feeds/vulnerabilities/${GROUP}${q ? `?${q}` : ''}` });
    expect(res.statusCode).toBe(200);
    const page = res.json<Page>();
    this.step++;
    for (const { Vulnerability: v } of page.data) {
      const version = v.FixedIn[0]?.Version ?? '';
      this.state.set(v.Name, version);
      this.arrivals.push({ name: v.Name, version, step: this.step });
    }
    return page.next_token;
  }

  /** Downloads the whole group (or the delta since `since`), calling `between` after the first page. */
  async download(a: FastifyInstance, since?: string, between?: () => Promise<void>): Promise<number> {
    let token = await this.page(a, since, '');
    let pages = 1;
    if (between) await between();
    while (token) {
      token = await this.page(a, since, token);
      pages++;
    }
    return pages;
  }
}

async function fresh(a: FastifyInstance): Promise<Map<string, string>> {
  const e = new Engine();
  await e.download(a);
  return e.state;
}

/** Starts the writer's transaction and applies the changed snapshot in it; resolves `commit` to finish it. */
async function openWriter(): Promise<{ commit: () => Promise<void>; touched: Set<string> }> {
  const { records, touched } = changed();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  let ready: () => void = () => undefined;
  const applied = new Promise<void>((r) => (ready = r));
  const done = db.sql.begin(async (tx) => {
    await applyGroupInTransaction(tx, { group: GROUP, complete: true, records: iterate(records) });
    ready();
    await gate;
  });
  await Promise.race([applied, done]);
  return {
    touched,
    commit: async () => {
      release();
      await done;
    },
  };
}

beforeAll(async () => {
  db = await createTestDb();
  app = await makeApp(db.sql);
});
afterAll(async () => {
  await app.close();
  await db.drop();
});
beforeEach(async () => {
  await db.sql`truncate records, groups, drivers, events, sync_runs cascade`;
  await loadGroup(db.sql, GROUP, original());
});

describe('/v1 paging while the group changes', () => {
  it('commit between pages: every touched record arrives in a later page or in the next delta', async () => {
    const engine = new Engine();
    const started = pythonIso(new Date());
    let committedAt = 0;
    let touched = new Set<string>();
    const pages = await engine.download(app, undefined, async () => {
      const writer = await openWriter();
      touched = writer.touched;
      await writer.commit();
      committedAt = engine.step;
    });
    expect(pages).toBeGreaterThanOrEqual(3);
    await engine.download(app, started);
    const expected = await fresh(app);
    expect(engine.state).toEqual(expected);
    for (const name of touched) {
      const final = expected.get(name);
      expect(engine.arrivals.some((a) => a.name === name && a.version === final && a.step > committedAt), name).toBe(true);
    }
    // Withdrawn records are served with an empty FixedIn, never dropped.
    expect(expected.get(id(7))).toBe('');
    expect(expected.get(id(3))).toBe('2.0-r0');
    expect(expected.get(id(N + 4))).toBe('1.0-r0');
  });

  it('commit after the last page: the next delta carries every change (the overlap window covers the writer)', async () => {
    const engine = new Engine();
    const writer = await openWriter();
    const started = pythonIso(new Date());
    await engine.download(app);
    // The download saw none of the uncommitted changes.
    expect(engine.state.get(id(3))).toBe('1.0-r0');
    const fullDownload = engine.step;
    await writer.commit();
    await engine.download(app, started);
    expect(engine.state).toEqual(await fresh(app));
    for (const name of writer.touched) expect(engine.arrivals.some((a) => a.name === name && a.step > fullDownload), name).toBe(true);
  });

  it('without the overlap window the same sequence loses the writer\'s changes (the window is load-bearing)', async () => {
    const noOverlap = await makeApp(db.sql, { overlapSeconds: 0 });
    try {
      const engine = new Engine();
      const writer = await openWriter();
      // The writer's records carry its transaction start time, which is before the engine's clock reading.
      await new Promise((r) => setTimeout(r, 20));
      const started = pythonIso(new Date());
      await engine.download(noOverlap);
      await writer.commit();
      await engine.download(noOverlap, started);
      expect(engine.state).not.toEqual(await fresh(noOverlap));
    } finally {
      await noOverlap.close();
    }
  });
});
