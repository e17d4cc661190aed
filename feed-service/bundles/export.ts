/**
 * Export: a signed bundle of full groups, or of what changed since a base bundle, streamed from one
 * consistent database snapshot. Each data member is compressed to a temp file while it is hashed
 * (a tar header needs the size first); then the tar is written — manifest, signature, members in
 * path order — to `<out>.partial` and renamed, so no half bundle ever carries the final name.
 * Nothing depends on the clock or chance: the same state and `created` give the same bytes.
 */
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { Progress } from '../../drivers/_framework/types.ts';
import { type ExportGroupRow, inSnapshot, listExportGroups, streamLiveRecords, streamTombstones } from '../storage/bundles.ts';
import type { Sql, Tx } from '../storage/db.ts';
import { keyIdOf, signBytes } from '../../bundles/keys.ts';
import { CHUNK_RECORDS, MemberWriter, recordLine, tombstoneLine } from '../../bundles/members.ts';
import {
  deriveBundleId,
  FORMAT_VERSION,
  type Manifest,
  type ManifestGroup,
  type ManifestMember,
  MANIFEST_NAME,
  manifestBytes,
  memberPath,
  PRODUCER_VERSION,
  sha256,
  SIGNATURE_NAME,
  validateManifest,
} from '../../bundles/manifest.ts';
import { type BaseBundle } from '../../bundles/verify.ts';
import { TarWriter } from '../../bundles/tar.ts';


export interface ExportOptions {
  privateKey: KeyObject;
  out: string;
  /** The bundle's creation time (the CLI defaults it to now); also every tar entry's mtime. */
  created: Date;
  expires?: Date | null;
  /** Groups to export (default: every enabled group, or for a delta every group of the base). */
  groups?: readonly string[];
  /** Makes a delta: only what changed since this bundle, per group. */
  base?: BaseBundle;
  progress?: Progress;
  /** Lines per data member (default 50,000). */
  chunkRecords?: number;
}

export interface ExportResult {
  file: string;
  manifest: Manifest;
  manifestSha256: string;
  bytes: number;
}

interface WrittenMember extends ManifestMember {
  tmp: string;
}

const noProgress: Progress = { phase: () => undefined, tick: () => undefined };

/** Picks the groups and their sequence ranges, refusing disabled, unknown or mismatched ones. */
function plan(rows: ExportGroupRow[], options: ExportOptions): { row: ExportGroupRow; fromSeq: number }[] {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const baseGroups = new Map(options.base?.manifest.groups.map((g) => [g.name, g]) ?? []);
  const names = options.groups
    ? [...new Set(options.groups)].sort()
    : options.base
      ? [...baseGroups.keys()]
      : rows.filter((r) => r.enabled && r.feedEnabled).map((r) => r.name);
  if (names.length === 0) throw new AirfeedError('INPUT_INVALID', 'nothing to export: there are no enabled groups (run a sync first, or name groups with --groups)');
  return names.map((name) => {
    const row = byName.get(name);
    if (!row) throw new AirfeedError('GROUP_UNKNOWN', `cannot export group ${name}: there is no such group`);
    if (!row.enabled || !row.feedEnabled) throw new AirfeedError('INPUT_INVALID', `cannot export group ${name}: it is disabled (enable it, or leave it out)`);
    if (!options.base) return { row, fromSeq: 0 };
    const b = baseGroups.get(name);
    if (!b) throw new AirfeedError('INPUT_INVALID', `group ${name} is not in the base bundle ${options.base.manifest.bundleId}; export a full bundle to ship it`);
    if (row.maxSeq < b.toSeq) {
      throw new AirfeedError(
        'INPUT_INVALID',
        `group ${name} is at change sequence ${row.maxSeq} here, but the base bundle ${options.base.manifest.bundleId} covers up to ${b.toSeq}: the base was not exported from this database`,
      );
    }
    return { row, fromSeq: b.toSeq };
  });
}

/** The lines of a group's live records or tombstones in the range, in batches. */
async function* lineBatches(tx: Tx, row: ExportGroupRow, fromSeq: number, content: 'records' | 'tombstones'): AsyncGenerator<string[]> {
  if (content === 'records') {
    for await (const batch of streamLiveRecords(tx, row.name, fromSeq, row.maxSeq)) yield batch.map((r) => recordLine(r.id, r.hash, r.doc));
  } else {
    for await (const batch of streamTombstones(tx, row.name, fromSeq, row.maxSeq)) yield batch.map((r) => tombstoneLine(r.id));
  }
}

/** Writes one group's records (then tombstones) into members of at most `chunk` lines each. */
async function writeGroup(
  tx: Tx,
  row: ExportGroupRow,
  fromSeq: number,
  workDir: string,
  options: { chunk: number; delta: boolean; progress: Progress; members: WrittenMember[] },
): Promise<ManifestGroup> {
  const counts = { records: 0, tombstones: 0 };
  const contents = options.delta ? (['records', 'tombstones'] as const) : (['records'] as const);
  for (const content of contents) {
    let chunkNo = 0;
    let writer: MemberWriter | undefined;
    let lines = 0;
    let tmp = '';
    const close = async (): Promise<void> => {
      if (!writer) return;
      const stats = await writer.finish();
      const path_ = memberPath(row.name, content, chunkNo++);
      options.members.push({
        path: path_,
        group: row.name,
        ...stats,
        records: content === 'records' ? lines : 0,
        tombstones: content === 'tombstones' ? lines : 0,
        tmp,
      });
      writer = undefined;
      lines = 0;
    };
    try {
      for await (const batch of lineBatches(tx, row, fromSeq, content)) {
        for (const line of batch) {
          if (!writer) {
            tmp = path.join(workDir, `${String(options.members.length).padStart(6, '0')}.gz`);
            writer = new MemberWriter(tmp);
          }
          await writer.write(line);
          lines++;
          counts[content]++;
          if (lines >= options.chunk) await close();
        }
        options.progress.tick(batch.length);
      }
      await close();
    } catch (err) {
      writer?.abort();
      throw err;
    }
  }
  const { name, feed, driver, description, maxSeq } = row;
  return { name, feed, driver, description, fromSeq, toSeq: maxSeq, ...counts };
}

/** Exports a full or delta bundle; see the module comment. */
export async function exportBundle(sql: Sql, options: ExportOptions): Promise<ExportResult> {
  if (Number.isNaN(options.created.getTime())) throw new AirfeedError('INPUT_INVALID', 'the creation time is not a valid date');
  const progress = options.progress ?? noProgress;
  const chunk = options.chunkRecords ?? CHUNK_RECORDS;
  const keyId = keyIdOf(options.privateKey);
  const out = path.resolve(options.out);
  const workDir = `${out}.parts-${process.pid}`;
  const partial = `${out}.partial`;
  await fs.rm(workDir, { recursive: true, force: true });
  await fs.mkdir(workDir, { recursive: true });
  let tar: TarWriter | undefined;
  try {
    const members: WrittenMember[] = [];
    const groups = await inSnapshot(sql, async (tx) => {
      const chosen = plan(await listExportGroups(tx), options);
      const done: ManifestGroup[] = [];
      for (const { row, fromSeq } of chosen) {
        progress.phase(`export ${row.name}`, options.base ? undefined : row.recordCount);
        done.push(await writeGroup(tx, row, fromSeq, workDir, { chunk, delta: options.base !== undefined, progress, members }));
      }
      return done;
    });
    members.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const body: Omit<Manifest, 'bundleId'> = {
      formatVersion: FORMAT_VERSION,
      producer: { name: 'airfeed', version: PRODUCER_VERSION, keyId },
      created: options.created.toISOString(),
      expires: options.expires ? options.expires.toISOString() : null,
      kind: options.base ? 'delta' : 'full',
      base: options.base ? { bundleId: options.base.manifest.bundleId, manifestSha256: options.base.manifestSha256 } : null,
      groups,
      members: members.map(({ tmp: _tmp, ...m }) => m),
    };
    const manifest = validateManifest({ ...body, bundleId: deriveBundleId(body) }, undefined, out);
    const bytes = manifestBytes(manifest);
    progress.phase(`write ${path.basename(out)}`, members.length);
    tar = await TarWriter.create(partial, Math.floor(options.created.getTime() / 1000));
    await tar.addBuffer(MANIFEST_NAME, bytes);
    await tar.addBuffer(SIGNATURE_NAME, signBytes(options.privateKey, bytes));
    for (const m of members) {
      await tar.addFile(m.path, m.tmp);
      progress.tick(1);
    }
    await tar.finish();
    tar = undefined;
    await fs.rename(partial, out);
    const { size } = await fs.stat(out);
    return { file: out, manifest, manifestSha256: sha256(bytes), bytes: size };
  } catch (err) {
    await tar?.abort();
    await fs.rm(partial, { force: true });
    throw err;
  } finally {
    await fs.rm(workDir, { recursive: true, force: true });
  }
}
