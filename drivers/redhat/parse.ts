/**
 * Parse: the batch the last fetch brought (layout.ts manifest) → one group per RHEL major
 * (`rhel:9`), each with its records sorted by id.
 *
 * - A `full` batch (the archive, then the documents changed since it, minus the deleted ones) gives
 *   complete groups: a record missing from them becomes a tombstone.
 * - A `delta` batch (the documents changed or deleted since the previous run) gives incremental
 *   groups (`complete: false`): the changed documents' records, and as deletions the ids of deleted
 *   documents and, per group, of changed documents that no longer name that major.
 *
 * One document names several majors, and groups are applied one after the other, so the documents
 * are read once, when the first group's records are asked for: each record is appended to a spool
 * file of its group (`<workspace>/.parse/rhel-9.ndjson`) and only its id, offset and length are kept
 * in memory; each group then reads its spool in id order. Memory holds one document's model and
 * the per-group index (about 100 bytes per record), never the records. Groups whose fingerprint is
 * unchanged are skipped by sync before their records are asked for, so an unchanged run reads no
 * document at all. The fingerprint is the manifest's digest: it moves with the archive, every
 * changed document's digest and every deletion.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { archiveEntries } from '../_framework/read/archive.ts';
import type { VulnRecord } from '../_framework/record.ts';
import { compareStrings } from '../_framework/strings.ts';
import type { GroupInfo, ParseContext, ParsedGroup } from '../_framework/types.ts';
import { readDocument } from './documents.ts';
import {
  cveOfPath, DOC_RE, groupDescription, groupOf, type Manifest, manifestText, readManifest, workspaceMajors,
} from './layout.ts';
import type { VexModel } from './model.ts';
import { idsOf, recordsOf } from './records.ts';

/** The driver's parser version (Driver.parserVersion): bump it whenever parse output changes for the same input. */
export const PARSER_VERSION = 'redhat-parse-1';

const SPOOL_DIR = '.parse';

/** Lists the groups of the workspace (from the fetch-time index: no document is parsed). */
export async function redhatGroups(workspace: string): Promise<GroupInfo[]> {
  const manifest = await readManifest(workspace);
  if (!manifest) return [];
  return (await workspaceMajors(workspace, manifest)).map((major) => ({ name: groupOf(major), description: groupDescription(major) }));
}

interface Slot {
  off: number;
  len: number;
}

/** One group's spool: the file and, per id, where its record is. */
interface Spool {
  file: string;
  handle: fs.FileHandle;
  size: number;
  /** Bytes written to the file so far (the rest of `size` is pending). */
  flushed: number;
  pending: string[];
  pendingBytes: number;
  index: Map<string, Slot>;
  /** Delta batches: ids to delete in this group. */
  deletions: Set<string>;
}

/** Reads the batch once into per-group spools; see the module doc. */
class BatchPass {
  readonly spools = new Map<number, Spool>();
  #done: Promise<void> | null = null;

  constructor(
    readonly workspace: string,
    readonly manifest: Manifest,
    readonly majors: readonly number[],
    readonly log: Logger,
  ) {}

  /** Runs the pass (once; later calls wait for the same run). */
  run(): Promise<void> {
    this.#done ??= this.#run();
    return this.#done;
  }

  async #run(): Promise<void> {
    const dir = path.join(this.workspace, SPOOL_DIR);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true });
    for (const major of this.majors) {
      const file = path.join(dir, `rhel-${major}.ndjson`);
      this.spools.set(major, { file, handle: await fs.open(file, 'w+'), size: 0, flushed: 0, pending: [], pendingBytes: 0, index: new Map(), deletions: new Set() });
    }
    const m = this.manifest;
    let documents = 0;
    if (m.batch.kind === 'full') {
      const superseded = new Set([...Object.keys(m.loose), ...Object.keys(m.deleted)]);
      const label = `redhat: ${m.archive.name}`;
      for await (const entry of archiveEntries(path.join(this.workspace, m.archive.name), { label })) {
        if (!DOC_RE.test(entry.name) || superseded.has(entry.name)) continue;
        await this.#document(entry.name, await readDocument(entry.body, entry.size, `${label} entry "${entry.name}"`), false);
        documents++;
      }
      for (const docPath of Object.keys(m.loose).sort(compareStrings)) {
        await this.#document(docPath, await this.#loose(docPath), false);
        documents++;
      }
    } else {
      for (const docPath of m.batch.changed) {
        await this.#document(docPath, await this.#loose(docPath), true);
        documents++;
      }
      for (const docPath of m.batch.deleted) {
        const id = cveOfPath(docPath);
        if (id !== null) for (const spool of this.spools.values()) if (!spool.index.has(id)) spool.deletions.add(id);
      }
    }
    for (const spool of this.spools.values()) await flush(spool);
    this.log.info({ batch: m.batch.kind, documents, records: Object.fromEntries([...this.spools].map(([k, s]) => [groupOf(k), s.index.size])) }, 'redhat: batch read');
  }

  async #loose(docPath: string): Promise<VexModel> {
    const file = path.join(this.workspace, docPath);
    const { size } = await fs.stat(file);
    return readDocument(createReadStream(file), size, `redhat: ${docPath}`);
  }

  async #document(docPath: string, model: VexModel, delta: boolean): Promise<void> {
    const fromPath = cveOfPath(docPath);
    const ids = idsOf(model);
    if (fromPath !== null && !ids.includes(fromPath)) this.log.warn({ doc: docPath, ids }, 'redhat: a document names other CVEs than its path');
    if (model.document.status === 'deleted') {
      // Red Hat marks a withdrawn document `tracking.status: "deleted"`: it is a deletion, whatever it lists.
      if (delta) for (const spool of this.spools.values()) for (const id of [...ids, ...(fromPath ? [fromPath] : [])]) spool.deletions.add(id);
      return;
    }
    const byMajor = recordsOf(model, docPath, this.log);
    for (const [major, spool] of this.spools) {
      const records = byMajor.get(major) ?? [];
      for (const r of records) {
        if (spool.index.has(r.id)) this.log.warn({ doc: docPath, id: r.id, group: groupOf(major) }, 'redhat: a CVE is described twice in the batch; the later document wins');
        await append(spool, r);
        spool.deletions.delete(r.id);
      }
      if (delta) {
        const named = new Set(records.map((r) => r.id));
        for (const id of ids) if (!named.has(id) && !spool.index.has(id)) spool.deletions.add(id);
      }
    }
  }

  /** The records of a major's spool in id order. */
  async *records(major: number): AsyncGenerator<VulnRecord> {
    await this.run();
    const spool = this.spools.get(major);
    if (!spool) return;
    const ids = [...spool.index.keys()].sort(compareStrings);
    let buf = Buffer.alloc(64 * 1024);
    for (const id of ids) {
      const slot = spool.index.get(id) as Slot;
      if (buf.length < slot.len) buf = Buffer.alloc(slot.len);
      await spool.handle.read(buf, 0, slot.len, slot.off);
      yield JSON.parse(buf.toString('utf8', 0, slot.len)) as VulnRecord;
    }
  }

  async *deletions(major: number): AsyncGenerator<string> {
    await this.run();
    yield* [...(this.spools.get(major)?.deletions ?? [])].sort(compareStrings);
  }

  async close(): Promise<void> {
    for (const s of this.spools.values()) await s.handle.close().catch(() => undefined);
    await fs.rm(path.join(this.workspace, SPOOL_DIR), { recursive: true, force: true });
  }
}

async function append(spool: Spool, r: VulnRecord): Promise<void> {
  const line = `${JSON.stringify(r)}\n`;
  const len = Buffer.byteLength(line, 'utf8');
  spool.index.set(r.id, { off: spool.size, len: len - 1 });
  spool.size += len;
  spool.pending.push(line);
  spool.pendingBytes += len;
  if (spool.pendingBytes >= 1 << 20) await flush(spool);
}

async function flush(spool: Spool): Promise<void> {
  if (spool.pending.length === 0) return;
  const data = spool.pending.join('');
  spool.pending = [];
  spool.pendingBytes = 0;
  const bytes = Buffer.from(data, 'utf8');
  await spool.handle.write(bytes, 0, bytes.length, spool.flushed);
  spool.flushed += bytes.length;
}

/** The fingerprint of every group: the manifest's digest (see the module doc). */
export function batchFingerprint(manifest: Manifest): string {
  return createHash('sha256').update(manifestText(manifest)).digest('hex');
}

/** Yields the workspace's groups (only `ctx.groups` when given), sorted by name; records are read lazily. */
export async function* parseRedhat(ctx: ParseContext): AsyncGenerator<ParsedGroup> {
  const manifest = await readManifest(ctx.workspace);
  if (!manifest) return;
  const majors = (await workspaceMajors(ctx.workspace, manifest)).filter((m) => !ctx.groups || ctx.groups.has(groupOf(m)));
  if (majors.length === 0) return;
  const pass = new BatchPass(ctx.workspace, manifest, majors, ctx.log);
  const fingerprint = batchFingerprint(manifest);
  const complete = manifest.batch.kind === 'full';
  try {
    for (const major of majors) {
      const group: ParsedGroup = {
        name: groupOf(major),
        description: groupDescription(major),
        complete,
        fingerprint,
        records: pass.records(major),
      };
      if (!complete) group.deletions = pass.deletions(major);
      yield group;
    }
  } finally {
    await pass.close();
  }
}
