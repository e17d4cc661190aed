/**
 * The osv driver through sync into PostgreSQL, from a copy of its fixture mirror: a zip with a
 * malformed entry, zip bombs (an honest huge entry and one that lies about its size), an entry with a
 * wrong CRC-32 and a truncated zip each fail their group naming the zip and the entry while the group's previous data stays
 * served and the other groups go on; a record withdrawn upstream becomes a tombstone that /v1 github
 * serves withdrawn and the OSV view marks withdrawn.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { osv } from '../../drivers/osv/index.ts';
import { listGroups } from '../../feed-service/storage/groups.ts';
import { type SyncReport, syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, groupRows, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { OSV_MIRROR, OSV_SRC } from '../helpers/osv-driver.ts';
import { type ZipEntryOptions, writeZip } from '../helpers/zip-writer.ts';
import { makeApp } from '../service/service-helpers.ts';

let db: TestDb;
let home: string;
let mirror: string;
let app: FastifyInstance;

const NPM = 'github:npm';
const sync = (): Promise<SyncReport> => syncDriver(db.sql, osv, { home, http: new HttpClient(), log: silentLogger, source: mirror });

/** The npm source documents of the fixture, by entry name. */
async function npmDocs(): Promise<Map<string, string>> {
  const dir = path.join(OSV_SRC, 'npm');
  const names = (await fs.readdir(dir)).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await fs.readFile(path.join(dir, n), 'utf8')] as [string, string])));
}

/** Rewrites the mirror's npm/all.zip from `entries`. */
async function npmZip(entries: [string, Buffer | string, ZipEntryOptions?][]): Promise<void> {
  await writeZip(path.join(mirror, 'npm/all.zip'), entries);
}

beforeAll(async () => {
  db = await createTestDb();
  home = await tempDir('airfeed-osv-sync-');
  mirror = path.join(home, 'mirror');
  await fs.cp(OSV_MIRROR, mirror, { recursive: true });
  app = await makeApp(db.sql);
});
afterAll(async () => {
  await app.close();
  await db.drop();
  await fs.rm(home, { recursive: true, force: true });
});

describe('osv sync: bad zips fail their group, the previous data stays served', () => {
  let served: Awaited<ReturnType<typeof groupRows>>;

  it('syncs the fixture mirror: live records counted, withdrawn ones never stored', async () => {
    const report = await sync();
    expect(report.status, report.error).toBe('succeeded');
    const counts = Object.fromEntries((await listGroups(db.sql, { driver: 'osv' })).map((g) => [g.name, g.recordCount]));
    expect(counts).toEqual({ 'github:go': 2, 'github:java': 1, 'github:npm': 4, 'github:nuget': 1, 'github:python': 1, 'github:rust': 1 });
    served = await groupRows(db.sql, NPM);
    expect(served.map((r) => r.id)).toEqual(['GHSA-3v6h-hqm4-2rg6', 'GHSA-5c9x-8gcm-2fj8', 'GHSA-7jq2-fw4p-8h3c', 'MAL-2024-7001']);
  });

  const cases: { name: string; write: () => Promise<void>; error: RegExp }[] = [
    {
      name: 'an entry that is not JSON',
      write: async () => {
        const docs = await npmDocs();
        await npmZip([...docs].map(([n, t]) => [n, n === 'GHSA-5c9x-8gcm-2fj8.json' ? t.slice(0, 200) : t]));
      },
      error: /^osv: npm\/all\.zip entry "GHSA-5c9x-8gcm-2fj8\.json": malformed JSON \(truncated or corrupt\): /,
    },
    {
      name: 'a zip bomb: an entry of 40 MiB of zeros (40 KiB packed)',
      write: async () => npmZip([...(await npmDocs()), ['GHSA-zero-zero-zero.json', Buffer.alloc(40 * 1024 * 1024)]]),
      error: /^osv: npm\/all\.zip entry "GHSA-zero-zero-zero\.json": is 41943040 bytes, more than 33554432 \(limit maxEntryBytes\); refusing it as a decompression bomb or a broken file$/,
    },
    {
      name: 'a zip bomb that declares 100 bytes and inflates to 1 MiB',
      write: async () => npmZip([...(await npmDocs()), ['GHSA-lies-lies-lies.json', Buffer.alloc(1024 * 1024, 0x20), { declaredSize: 100 }]]),
      error: /^osv: npm\/all\.zip entry "GHSA-lies-lies-lies\.json": is truncated or corrupt: /,
    },
    {
      name: 'an entry whose bytes do not match its CRC-32',
      write: async () => {
        const docs = await npmDocs();
        await npmZip([...docs].map(([n, t]) => [n, t, n === 'MAL-2024-7001.json' ? { declaredCrc: 12345 } : {}]));
      },
      error: /^osv: npm\/all\.zip entry "MAL-2024-7001\.json": is truncated or corrupt: its CRC-32 does not match the central directory$/,
    },
    {
      name: 'a truncated zip',
      write: async () => {
        const file = path.join(mirror, 'npm/all.zip');
        await fs.cp(path.join(OSV_MIRROR, 'npm/all.zip'), file);
        const bytes = await fs.readFile(file);
        await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
      },
      error: /^osv: npm\/all\.zip: is not a readable zip archive \(truncated or corrupt\): /,
    },
  ];

  it.each(cases)('$name: the npm group fails naming the zip and entry, the other groups go on', async ({ write, error }) => {
    await write();
    const report = await sync();
    expect(report.status).toBe('failed');
    expect(report.groups[NPM]?.error).toMatch(error);
    expect(report.groups[NPM]?.errorCode).toBe('SOURCE_INVALID');
    for (const [name, g] of Object.entries(report.groups)) if (name !== NPM) expect(g, name).toMatchObject({ skipped: true });
    expect(await groupRows(db.sql, NPM)).toEqual(served);
    const v1 = await app.inject({ method: 'GET', url: `/v1/service/feeds/github/${NPM}` });
    expect(v1.json<{ data: unknown[] }>().data).toHaveLength(4);
  });

  it('a record withdrawn upstream becomes a tombstone: /v1 serves it withdrawn with no fixes, the OSV view withdraws it', async () => {
    const docs = await npmDocs();
    const id = 'GHSA-3v6h-hqm4-2rg6';
    const doc = JSON.parse(docs.get(`${id}.json`) ?? '{}') as Record<string, unknown>;
    await npmZip([...docs].map(([n, t]) => [n, n === `${id}.json` ? JSON.stringify({ ...doc, modified: '2024-12-01T00:00:00Z', withdrawn: '2024-12-01T00:00:00Z' }) : t]));
    const report = await sync();
    expect(report.status, report.error).toBe('succeeded');
    expect(report.groups[NPM]).toMatchObject({ added: 0, changed: 0, removed: 1 });
    expect((await listGroups(db.sql, { driver: 'osv' })).find((g) => g.name === NPM)?.recordCount).toBe(3);
    const rows = await groupRows(db.sql, NPM);
    expect(rows.find((r) => r.id === id)?.deleted).toBe(true);

    const page = (await app.inject({ method: 'GET', url: `/v1/service/feeds/github/${NPM}` })).json<{ data: { Advisory: { ghsaId: string; withdrawn: string | null; FixedIn: unknown[] } }[] }>();
    const tomb = page.data.find((d) => d.Advisory.ghsaId === id)?.Advisory;
    expect(tomb?.withdrawn).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(tomb?.FixedIn).toEqual([]);
    const view = (await app.inject({ method: 'GET', url: `/v2/vulnerabilities/${id}/osv` })).json<{ id: string; withdrawn?: string }>();
    expect(view).toMatchObject({ id });
    expect(view.withdrawn).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
