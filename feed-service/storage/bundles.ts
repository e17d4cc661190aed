/**
 * Storage for bundles: consistent reads for export (one repeatable-read snapshot, records streamed
 * with a cursor), and on the importing side which bundle each group holds plus the import history.
 */
import type postgres from 'postgres';
import type { Sql, Tx } from './db.ts';

export interface ExportGroupRow {
  name: string;
  feed: string;
  driver: string;
  description: string;
  enabled: boolean;
  feedEnabled: boolean;
  recordCount: number;
  maxSeq: number;
}

export interface ExportRecordRow {
  id: string;
  hash: string;
  doc: string;
}

/** Runs `fn` in one read-only repeatable-read transaction, so every group and record read agree. */
export async function inSnapshot<T>(sql: Sql, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return sql.begin('isolation level repeatable read read only', fn) as Promise<T>;
}

/** Every group with its feed, driver, enabled flags and highest change sequence, sorted by name. */
export async function listExportGroups(tx: Tx): Promise<ExportGroupRow[]> {
  return tx<ExportGroupRow[]>`
    select g.name, g.feed, g.driver, g.description, g.enabled, f.enabled as "feedEnabled",
           g.record_count as "recordCount", g.max_seq as "maxSeq"
    from groups g join feeds f on f.name = g.feed
    order by g.name collate "C"`;
}

/** Streams a group's live records with fromSeq < seq <= toSeq, in sequence order, in batches. */
export async function* streamLiveRecords(tx: Tx, group: string, fromSeq: number, toSeq: number, batch = 1000): AsyncGenerator<ExportRecordRow[]> {
  const query = tx<ExportRecordRow[]>`
    select id, hash, doc from records
    where group_name = ${group} and seq > ${fromSeq} and seq <= ${toSeq} and not deleted
    order by seq`;
  for await (const rows of query.cursor(batch)) yield rows;
}

/** Streams the ids of a group's tombstones with fromSeq < seq <= toSeq, in sequence order, in batches. */
export async function* streamTombstones(tx: Tx, group: string, fromSeq: number, toSeq: number, batch = 5000): AsyncGenerator<{ id: string }[]> {
  const query = tx<{ id: string }[]>`
    select id from records
    where group_name = ${group} and seq > ${fromSeq} and seq <= ${toSeq} and deleted
    order by seq`;
  for await (const rows of query.cursor(batch)) yield rows;
}

export interface InstalledBundle {
  group: string;
  bundleId: string;
  manifestSha256: string;
  created: Date;
  sourceToSeq: number;
  installedAt: Date;
}

/** Which bundle each of `groups` holds (groups never imported are absent from the map). */
export async function getInstalledBundles(sql: Sql, groups: readonly string[]): Promise<Map<string, InstalledBundle>> {
  const rows = await sql<InstalledBundle[]>`
    select group_name as "group", bundle_id as "bundleId", manifest_sha256 as "manifestSha256", created,
           source_to_seq as "sourceToSeq", installed_at as "installedAt"
    from bundle_installed where group_name in ${sql(groups.length > 0 ? groups : [''])}`;
  return new Map(rows.map((r) => [r.group, r]));
}

/** Creates the feeds and groups a bundle brings that do not exist yet; existing ones are kept as they are. */
export async function ensureImportGroups(
  tx: Tx,
  groups: readonly { name: string; feed: string; driver: string; description: string }[],
): Promise<void> {
  for (const g of groups) {
    await tx`insert into feeds (name) values (${g.feed}) on conflict (name) do nothing`;
    await tx`insert into groups (name, feed, driver, description) values (${g.name}, ${g.feed}, ${g.driver}, ${g.description})
      on conflict (name) do nothing`;
  }
}

/** The drivers owning `groups` on this side (they may differ from the producer's). */
export async function groupDrivers(sql: Sql, groups: readonly string[]): Promise<string[]> {
  const rows = await sql<{ driver: string }[]>`select distinct driver from groups where name in ${sql(groups.length > 0 ? groups : [''])}`;
  return rows.map((r) => r.driver);
}

export interface ImportedGroup {
  name: string;
  fromSeq: number;
  toSeq: number;
  records: number;
  tombstones: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
}

export interface BundleImportRow {
  id: number;
  bundleId: string;
  manifestSha256: string;
  kind: 'full' | 'delta';
  keyId: string;
  producer: string;
  created: Date;
  expires: Date | null;
  baseBundleId: string | null;
  groups: ImportedGroup[];
  file: string;
  importedAt: Date;
}

/** Records a successful import and makes its bundle the installed one for each of its groups. */
export async function recordBundleImport(tx: Tx, row: Omit<BundleImportRow, 'id' | 'importedAt'>): Promise<number> {
  const inserted = await tx<{ id: number }[]>`
    insert into bundle_imports (bundle_id, manifest_sha256, kind, key_id, producer, created, expires, base_bundle_id, groups, file)
    values (${row.bundleId}, ${row.manifestSha256}, ${row.kind}, ${row.keyId}, ${row.producer}, ${row.created}, ${row.expires},
            ${row.baseBundleId}, ${tx.json(row.groups as unknown as postgres.JSONValue)}, ${row.file})
    returning id`;
  const id = inserted[0]?.id;
  if (id === undefined) throw new Error('insert into bundle_imports returned no id');
  for (const g of row.groups) {
    await tx`
      insert into bundle_installed (group_name, bundle_id, manifest_sha256, created, source_to_seq, import_id)
      values (${g.name}, ${row.bundleId}, ${row.manifestSha256}, ${row.created}, ${g.toSeq}, ${id})
      on conflict (group_name) do update set bundle_id = excluded.bundle_id, manifest_sha256 = excluded.manifest_sha256,
        created = excluded.created, source_to_seq = excluded.source_to_seq, import_id = excluded.import_id, installed_at = now()`;
  }
  return id;
}

/** Lists imports, newest first. */
export async function listBundleImports(sql: Sql, options: { limit?: number } = {}): Promise<BundleImportRow[]> {
  return sql<BundleImportRow[]>`
    select id, bundle_id as "bundleId", manifest_sha256 as "manifestSha256", kind, key_id as "keyId", producer, created, expires,
           base_bundle_id as "baseBundleId", groups, file, imported_at as "importedAt"
    from bundle_imports order by id desc limit ${options.limit ?? 50}`;
}
