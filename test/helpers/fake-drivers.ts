/**
 * Two small drivers that exist only in tests, to exercise the driver contract where no registered
 * driver goes (yet): a snapshot driver whose groups are files (so a group can vanish and come back),
 * and an incremental driver (`complete: false`) that names deletions.
 *
 * Snapshot mirror: `<source>/<release>.json` = `{"records": [{"id", "package", "version"}]}` → group
 * `fake:<release>`, complete.
 * Incremental mirror: `<source>/NNNN.json` = `{"records": [...], "deleted": ["ID", …]}`, numbered
 * changes in order → group `fakeinc:stream`; fetch copies the changes newer than the last one it saw
 * (state `{last}`) into the workspace, replacing the previous batch; parse yields the batch's
 * records and deletions (a later change of the batch wins over an earlier one for the same id).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import type { Driver, DriverSetting, FetchContext, FetchResult, GroupInfo, ParsedGroup } from '../../drivers/_framework/types.ts';
import { VULNERABILITIES_FEED } from '../../drivers/_framework/feeds.ts';
import { iterate } from './records.ts';

export interface FakeEntry {
  id: string;
  package: string;
  version: string;
}

export interface FakeOptions {
  id?: string;
  parserVersion?: string;
  settings?: DriverSetting[];
  /** Runs at the start of fetch (to read settings, log, or misbehave). */
  onFetch?: (ctx: FetchContext) => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
  /** Rewrites each record before it is yielded (to yield invalid ones). */
  mapRecord?: (r: VulnRecord) => unknown;
}

/** The normalized record of a fake entry. */
export function fakeRecord(group: string, e: FakeEntry, driver: string, source: string): VulnRecord {
  return {
    schemaVersion: 2, id: e.id, namespace: group, severity: 'Medium', description: `fake advisory ${e.id}`, link: null, aliases: [], cvss: [],
    fixedIn: [{ package: e.package, versionScheme: 'apk', state: 'fixed', version: e.version }], references: [],
    published: null, modified: null, withdrawn: null, metadata: {}, provenance: { driver, source },
  };
}

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function jsonFiles(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  return names.filter((n) => n.endsWith('.json')).sort();
}

async function digest(dir: string, files: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f}\n`).update(await fs.readFile(path.join(dir, f)));
  return hash.digest('hex');
}

async function replaceWorkspace(ctx: FetchContext, files: string[]): Promise<void> {
  await fs.rm(ctx.workspace, { recursive: true, force: true });
  await fs.mkdir(ctx.workspace, { recursive: true });
  for (const f of files) await fs.copyFile(path.join(ctx.source, f), path.join(ctx.workspace, f));
}

function base(o: FakeOptions, id: string): Pick<Driver, 'id' | 'feed' | 'description' | 'defaultSource' | 'defaultSchedule' | 'parserVersion' | 'settings'> {
  return {
    id: o.id ?? id, feed: VULNERABILITIES_FEED, description: `test driver ${id}`, defaultSource: 'https://fake.invalid/',
    defaultSchedule: '0 0 * * *', parserVersion: o.parserVersion ?? `${id}-1`, ...(o.settings ? { settings: o.settings } : {}),
  };
}

/** The snapshot driver: one complete group per `<release>.json`. */
export function snapshotDriver(o: FakeOptions = {}): Driver {
  const d = base(o, 'fakesnap');
  const groups = async (workspace: string): Promise<GroupInfo[]> =>
    (await jsonFiles(workspace)).map((f) => ({ name: `fake:${f.replace(/\.json$/, '')}`, description: `fake release ${f}` }));
  return {
    ...d,
    async fetch(ctx: FetchContext): Promise<FetchResult> {
      const extra = (await o.onFetch?.(ctx)) ?? {};
      const files = await jsonFiles(ctx.source);
      const sha = await digest(ctx.source, files);
      await replaceWorkspace(ctx, files);
      return { unchanged: ctx.state['sha'] === sha, state: { sha, ...extra } };
    },
    groups,
    async *parse(ctx): AsyncGenerator<ParsedGroup> {
      for (const g of await groups(ctx.workspace)) {
        if (ctx.groups && !ctx.groups.has(g.name)) continue;
        const file = `${g.name.slice('fake:'.length)}.json`;
        const doc = JSON.parse(await fs.readFile(path.join(ctx.workspace, file), 'utf8')) as { records: FakeEntry[] };
        const records = doc.records.sort(byId).map((e) => (o.mapRecord ?? ((r) => r))(fakeRecord(g.name, e, d.id, file)) as VulnRecord);
        yield { ...g, complete: true, fingerprint: await digest(ctx.workspace, [file]), records: iterate(records) };
      }
    },
  };
}

export const INCREMENTAL_GROUP = 'fakeinc:stream';

/** The incremental driver: numbered change files, `complete: false` with deletions. */
export function incrementalDriver(o: FakeOptions = {}): Driver {
  const d = base(o, 'fakeinc');
  return {
    ...d,
    async fetch(ctx: FetchContext): Promise<FetchResult> {
      await o.onFetch?.(ctx);
      const last = typeof ctx.state['last'] === 'string' ? ctx.state['last'] : '';
      const newer = (await jsonFiles(ctx.source)).filter((f) => f > last);
      // Nothing new: the workspace keeps the last batch, whose fingerprint then matches.
      if (newer.length === 0) return { unchanged: true, state: { last } };
      await replaceWorkspace(ctx, newer);
      return { unchanged: false, state: { last: newer[newer.length - 1] ?? last } };
    },
    async groups(): Promise<GroupInfo[]> {
      return [{ name: INCREMENTAL_GROUP, description: 'fake incremental stream' }];
    },
    async *parse(ctx): AsyncGenerator<ParsedGroup> {
      if (ctx.groups && !ctx.groups.has(INCREMENTAL_GROUP)) return;
      const files = await jsonFiles(ctx.workspace);
      const latest = new Map<string, { entry?: FakeEntry; file: string }>();
      for (const f of files) {
        const doc = JSON.parse(await fs.readFile(path.join(ctx.workspace, f), 'utf8')) as { records: FakeEntry[]; deleted: string[] };
        for (const e of doc.records) latest.set(e.id, { entry: e, file: f });
        for (const id of doc.deleted) latest.set(id, { file: f });
      }
      const ids = [...latest.keys()].sort();
      const records = ids.flatMap((id) => {
        const v = latest.get(id);
        return v?.entry ? [fakeRecord(INCREMENTAL_GROUP, v.entry, d.id, v.file)] : [];
      });
      const deletions = ids.filter((id) => latest.get(id)?.entry === undefined);
      yield {
        name: INCREMENTAL_GROUP, description: 'fake incremental stream', complete: false,
        fingerprint: await digest(ctx.workspace, files), records: iterate(records), deletions: iterate(deletions),
      };
    },
  };
}

/** Writes a snapshot mirror: release → entries (replacing the directory). */
export async function writeSnapshotMirror(dir: string, releases: Record<string, FakeEntry[]>): Promise<string> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  for (const [release, records] of Object.entries(releases)) await fs.writeFile(path.join(dir, `${release}.json`), JSON.stringify({ records }));
  return dir;
}

/** Adds change number `n` to an incremental mirror. */
export async function writeChange(dir: string, n: number, change: { records?: FakeEntry[]; deleted?: string[] }): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, `${String(n).padStart(4, '0')}.json`), JSON.stringify({ records: change.records ?? [], deleted: change.deleted ?? [] }));
}
