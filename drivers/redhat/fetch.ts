/**
 * Fetch: from `https://security.access.redhat.com/data/csaf/v2/vex/` (or any server with that
 * layout) or a local mirror directory, the archive and the documents changed since, as planned by
 * changes.ts from `changes.csv`, `deletions.csv` and the applied position in the driver state.
 *
 * Steps: `archive_latest.txt` (a mirror without it: its newest `csaf_vex_*.tar.zst`), `changes.csv`
 * (conditional GET; a mirror copy when its digest changed) and `deletions.csv` (absent = none) into
 * staging; the plan; for a `full` plan the archive, indexed while it is read (its digest and, per
 * document, the RHEL majors: a truncated or corrupt archive fails here) and committed at once
 * beside the current workspace, so a run killed before the changes were fetched does not download
 * it again; then every changed document (a document the server answers 404 for, or the mirror
 * lacks, is logged and its archive copy kept); last the manifest (what the workspace holds and what
 * this run brought), committed with the documents, the lists and the removal of what a new archive
 * made obsolete.
 *
 * The state kept (saved by sync only after every group applied): the archive name and digest, the
 * position reached (`2024-04-02T14:50:53Z` and the paths applied at that instant) and the
 * validators of the two lists. A run that fails keeps the previous state, so the next run plans from
 * the last position actually applied, and reuses what the workspace already holds (the archive by
 * its index's digest, a changed document by its change time).
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { mapLimit } from '../_framework/concurrency.ts';
import { AirfeedError, isAirfeedError } from '../_framework/errors.ts';
import {
  copyIfChanged, downloadIfChanged, type FetchedFile, FileState, isHttpSource, localPath,
} from '../_framework/fetch-files.ts';
import { fileProblem } from '../_framework/files.ts';
import { archiveEntries } from '../_framework/read/archive.ts';
import { compareStrings } from '../_framework/strings.ts';
import type { FetchContext, FetchResult } from '../_framework/types.ts';
import { sha256File, type Staging, withStaging } from '../_framework/workspace.ts';
import { isoOf, plan, type Plan, type Position, readChangeList } from './changes.ts';
import { scanMajors } from './documents.ts';
import {
  ARCHIVE_RE, CHANGES_FILE, DELETIONS_FILE, DOC_RE, indexFileOf, indexHeader, LATEST_FILE, type LooseDoc, type Manifest, MANIFEST_FILE,
  manifestText, ownsKey, readIndex, readManifest,
} from './layout.ts';

const CONCURRENCY = 4;

/** The driver state (lenient: a state of another shape counts as none). */
export const RedhatState = z.object({
  archive: z.object({ name: z.string().regex(ARCHIVE_RE), sha256: z.string() }),
  position: z.string(),
  atPosition: z.array(z.string()),
  lists: z.record(z.string(), FileState),
});
export type RedhatState = z.infer<typeof RedhatState>;

/** Where the upstream is: an HTTP base URL or a local directory. */
interface Source {
  http: boolean;
  /** `https://…/vex/` (with a slash) or an absolute directory. */
  base: string;
}

function sourceOf(ctx: FetchContext): Source {
  if (isHttpSource(ctx.source)) return { http: true, base: ctx.source.endsWith('/') ? ctx.source : `${ctx.source}/` };
  return { http: false, base: localPath(ctx.source) };
}

const isFile = (p: string): Promise<boolean> => fs.stat(p).then((s) => s.isFile(), () => false);

/** The archive to use: `archive_latest.txt`, or (a mirror without it) the newest archive in the directory. */
async function latestArchive(ctx: FetchContext, src: Source): Promise<string> {
  let text: string | null = null;
  if (src.http) {
    text = await ctx.http.getText(new URL(LATEST_FILE, src.base).href, { maxBytes: 4096, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  } else {
    let names: string[];
    try {
      names = await fs.readdir(src.base);
    } catch (err) {
      throw new AirfeedError('SOURCE_UNREACHABLE', `redhat: cannot read the mirror directory ${src.base}: ${fileProblem(err).reason}`, {
        cause: err,
        hint: 'Check the mirror directory named (--source, or AIRFEED_SOURCE_REDHAT for scheduled syncs): it must exist and be readable by this user.',
      });
    }
    if (names.includes(LATEST_FILE)) text = await fs.readFile(path.join(src.base, LATEST_FILE), 'utf8');
    else {
      const newest = names.filter((n) => ARCHIVE_RE.test(n)).sort(compareStrings).pop();
      if (newest === undefined) throw new AirfeedError('SOURCE_INVALID', `redhat: the mirror directory ${src.base} holds no ${LATEST_FILE} and no csaf_vex_YYYY-MM-DD.tar.zst archive`);
      return newest;
    }
  }
  const name = text.trim();
  if (!ARCHIVE_RE.test(name)) {
    throw new AirfeedError('SOURCE_INVALID', `redhat: ${LATEST_FILE} names ${JSON.stringify(name.slice(0, 100))}, not an archive (csaf_vex_YYYY-MM-DD.tar.zst)`);
  }
  return name;
}

/** A change list into staging: `null` when the upstream has none (deletions.csv may be absent). */
async function fetchList(ctx: FetchContext, src: Source, key: string, previous: FileState | undefined, staging: Staging, required: boolean): Promise<FetchedFile | null> {
  if (src.http) {
    try {
      return await downloadIfChanged(ctx, new URL(key, src.base).href, key, previous, staging, 'redhat');
    } catch (err) {
      const status = isAirfeedError(err, 'SOURCE_HTTP_ERROR') ? err.details['status'] : undefined;
      if (!required && (status === 404 || status === 410)) {
        ctx.log.info({ file: key }, 'redhat: the server has no deletions list; taking it as empty');
        return null;
      }
      throw err;
    }
  }
  const file = path.join(src.base, key);
  if (!(await isFile(file))) {
    ctx.log.info({ file }, `redhat: the mirror has no ${key}; taking it as empty`);
    return null;
  }
  return copyIfChanged(file, key, staging, 'redhat');
}

/** The path of a fetched file's bytes: the staged copy, or the workspace's when unchanged. */
function bytesOf(f: FetchedFile | null, staging: Staging): string | null {
  if (f === null) return null;
  return f.staged ? staging.path(f.key) : staging.current(f.key);
}

/** Fetches as the module doc says. */
export async function fetchRedhat(ctx: FetchContext): Promise<FetchResult> {
  const src = sourceOf(ctx);
  const prev = RedhatState.safeParse(ctx.state);
  const previous = prev.success ? prev.data : undefined;
  const manifest = await readManifest(ctx.workspace);
  return withStaging(ctx.workspace, async (staging) => {
    ctx.progress.phase('redhat: change lists');
    const latest = await latestArchive(ctx, src);
    const changesFile = await fetchList(ctx, src, CHANGES_FILE, previous?.lists[CHANGES_FILE], staging, src.http);
    const deletionsFile = await fetchList(ctx, src, DELETIONS_FILE, previous?.lists[DELETIONS_FILE], staging, false);
    const changes = await readChangeList(bytesOf(changesFile, staging), `redhat: ${CHANGES_FILE}`);
    const deletions = await readChangeList(bytesOf(deletionsFile, staging), `redhat: ${DELETIONS_FILE}`);
    for (const p of [...changes.skipped, ...deletions.skipped]) ctx.log.warn({ path: p }, 'redhat: a change list names a path that is not a document (YYYY/cve-YYYY-NNNN.json); skipped');

    const position: Position | undefined = previous ? { at: Date.parse(previous.position), paths: previous.atPosition } : undefined;
    let p = plan(position, latest, changes.entries, deletions.entries);
    if (p.kind === 'delta' && manifest?.archive.name !== previous?.archive.name) {
      // The workspace lost what the state says was applied (deleted, or another archive): start over.
      ctx.log.warn({ state: previous?.archive.name, workspace: manifest?.archive.name ?? null }, 'redhat: the workspace does not match the driver state; taking the archive again');
      p = plan(undefined, latest, changes.entries, deletions.entries);
    }
    const lists: Record<string, FileState> = {};
    for (const f of [changesFile, deletionsFile]) if (f) lists[f.key] = { etag: f.etag, lastModified: f.lastModified, sha256: f.sha256 };

    const archive = p.kind === 'full' || !manifest ? await takeArchive(ctx, src, latest, staging) : manifest.archive;

    const nothingNew = p.kind === 'delta' && p.changed.size === 0 && p.deleted.size === 0;
    const state: RedhatState = {
      archive: { name: archive.name, sha256: archive.sha256 },
      position: isoOf(p.position.at),
      atPosition: [...p.position.paths],
      lists,
    };
    if (nothingNew && manifest) {
      // The workspace keeps the last batch, whose fingerprints then match: sync skips every group.
      await staging.commit([changesFile, deletionsFile].filter((f): f is FetchedFile => f !== null), { owns: (k) => k === CHANGES_FILE || k === DELETIONS_FILE });
      ctx.log.info({ position: state.position }, 'redhat: nothing new');
      return { unchanged: true, state };
    }

    const next = await takeDocuments(ctx, src, p, manifest, archive, staging);
    await fs.writeFile(staging.path(MANIFEST_FILE), manifestText(next));
    const keep = [
      MANIFEST_FILE, archive.name, indexFileOf(archive.name), ...Object.keys(next.loose),
      ...[changesFile, deletionsFile].filter((f): f is FetchedFile => f !== null).map((f) => f.key),
    ];
    const staged = new Set([MANIFEST_FILE, ...(changesFile?.staged ? [CHANGES_FILE] : []), ...(deletionsFile?.staged ? [DELETIONS_FILE] : [])]);
    for (const [docPath] of p.changed) if (next.loose[docPath] && (await isFile(staging.path(docPath)))) staged.add(docPath);
    await staging.commit(keep.map((key) => ({ key, staged: staged.has(key) })), { owns: ownsKey });
    ctx.log.info({ kind: p.kind, archive: archive.name, changed: next.batch.changed.length, deleted: next.batch.deleted.length, missing: next.missing.length, position: state.position }, 'redhat: fetch done');
    return { unchanged: false, state };
  });
}

/**
 * The archive: reused when the workspace holds it with an index of the same digest, else
 * downloaded (copied) and indexed, then committed on its own (see the module doc).
 */
async function takeArchive(ctx: FetchContext, src: Source, name: string, staging: Staging): Promise<{ name: string; sha256: string; documents: number }> {
  const index = await readIndex(ctx.workspace, name);
  if (index !== null) {
    const sha = await sha256File(staging.current(name));
    if (sha === index.sha256) {
      ctx.log.info({ archive: name }, 'redhat: the workspace holds this archive already; not downloading it again');
      return { name, sha256: sha, documents: index.documents };
    }
  }
  ctx.progress.phase(`redhat: archive ${name}`);
  const dest = staging.path(name);
  let sha256: string;
  if (src.http) {
    const res = await ctx.http.download(new URL(name, src.base).href, dest, ctx.signal ? { signal: ctx.signal } : {});
    if (res.sha256 === null) throw new Error(`redhat: GET ${name} returned no digest`);
    sha256 = res.sha256;
  } else {
    const file = path.join(src.base, name);
    if (!(await isFile(file))) throw new AirfeedError('SOURCE_INVALID', `redhat: ${LATEST_FILE} names ${name}, which the mirror directory ${src.base} does not hold`);
    await fs.copyFile(file, dest);
    sha256 = (await sha256File(dest)) as string;
  }
  ctx.progress.phase(`redhat: index ${name}`);
  const label = `redhat: ${name}`;
  const lines: string[] = [];
  for await (const entry of archiveEntries(dest, { label })) {
    if (!DOC_RE.test(entry.name)) {
      ctx.log.debug({ entry: entry.name }, 'redhat: archive entry that is not a document; ignored');
      continue;
    }
    lines.push(`${entry.name}\t${(await scanMajors(entry.body)).join(',')}\n`);
    ctx.progress.tick();
  }
  lines.sort(compareStrings);
  const indexFile = indexFileOf(name);
  await fs.writeFile(staging.path(indexFile), indexHeader(sha256, lines.length) + lines.join(''));
  // Committed now, removing nothing: a run killed while fetching the changes keeps the archive.
  await staging.commit([{ key: name, staged: true }, { key: indexFile, staged: true }], { owns: () => false });
  return { name, sha256, documents: lines.length };
}

/** Takes every changed document of the plan and returns the new manifest. */
async function takeDocuments(
  ctx: FetchContext, src: Source, p: Plan, manifest: Manifest | null, archive: { name: string; sha256: string; documents: number }, staging: Staging,
): Promise<Manifest> {
  const fresh = p.kind === 'full';
  const old = fresh && manifest?.archive.name !== archive.name ? null : manifest;
  const loose: Record<string, LooseDoc> = fresh ? {} : { ...(old?.loose ?? {}) };
  const deleted: Record<string, string> = fresh ? {} : { ...(old?.deleted ?? {}) };
  const missing = new Set<string>(fresh ? [] : (old?.missing ?? []));
  const brought: string[] = [];
  ctx.progress.phase('redhat: changed documents', p.changed.size);
  const jobs = [...p.changed];
  const results = await mapLimit(jobs, CONCURRENCY, async ([docPath, at]) => {
    const time = isoOf(at);
    const had = old?.loose[docPath];
    let result: LooseDoc | null;
    if (had && had.time === time && (await sha256File(staging.current(docPath))) === had.sha256) result = had;
    else result = await takeDocument(ctx, src, docPath, time, staging);
    ctx.progress.tick();
    return { docPath, result };
  });
  for (const { docPath, result } of results) {
    delete deleted[docPath];
    if (result === null) {
      missing.add(docPath);
      continue;
    }
    missing.delete(docPath);
    loose[docPath] = result;
    brought.push(docPath);
  }
  for (const [docPath, at] of p.deleted) {
    delete loose[docPath];
    missing.delete(docPath);
    deleted[docPath] = isoOf(at);
  }
  const batchChanged = fresh ? Object.keys(loose) : brought;
  return {
    version: 1,
    archive,
    loose,
    deleted,
    missing: [...missing].sort(compareStrings),
    batch: { kind: p.kind, changed: batchChanged.sort(compareStrings), deleted: [...p.deleted.keys()].sort(compareStrings) },
  };
}

/** One changed document into staging; null when the upstream does not have it (see the module doc). */
async function takeDocument(ctx: FetchContext, src: Source, docPath: string, time: string, staging: Staging): Promise<LooseDoc | null> {
  const dest = staging.path(docPath);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  if (src.http) {
    const url = new URL(docPath, src.base).href;
    try {
      await ctx.http.download(url, dest, ctx.signal ? { signal: ctx.signal } : {});
    } catch (err) {
      const status = isAirfeedError(err, 'SOURCE_HTTP_ERROR') ? err.details['status'] : undefined;
      if (status === 404 || status === 410) {
        ctx.log.warn({ url, changed: time }, 'redhat: changes.csv lists a document the server does not have; the archive copy (if any) stays');
        return null;
      }
      throw err;
    }
  } else {
    const file = path.join(src.base, docPath);
    if (!(await isFile(file))) {
      ctx.log.warn({ file, changed: time }, 'redhat: changes.csv lists a document the mirror does not hold; the archive copy (if any) stays');
      return null;
    }
    await fs.copyFile(file, dest);
  }
  const sha256 = (await sha256File(dest)) as string;
  return { time, sha256, majors: await scanMajors(createReadStream(dest)) };
}
