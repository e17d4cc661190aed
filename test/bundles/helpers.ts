/** Helpers for bundle tests: keys, raw tar surgery for tampering, and database state snapshots. */
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { generateKeyFiles, loadPrivateKey, loadTrust, signBytes, type TrustStore } from '../../bundles/keys.ts';
import { type Manifest, manifestBytes } from '../../bundles/manifest.ts';
import { tarHeader, TarReader } from '../../bundles/tar.ts';
import type { Sql } from '../../feed-service/storage/db.ts';

export interface TestKey {
  privateKey: KeyObject;
  trust: TrustStore;
  publicFile: string;
  privateFile: string;
  keyId: string;
}

/** Generates a key pair in `dir` and loads it (private key, and a trust store of its public key). */
export async function makeKey(dir: string, name = 'test'): Promise<TestKey> {
  const files = await generateKeyFiles(dir, name);
  return {
    privateKey: await loadPrivateKey(files.privateFile),
    trust: await loadTrust([files.publicFile]),
    publicFile: files.publicFile,
    privateFile: files.privateFile,
    keyId: files.keyId,
  };
}

export interface RawEntry {
  name: string;
  data: Buffer;
  type?: string;
  linkname?: string;
}

/** Reads every entry of a (valid) bundle into memory: small test bundles only. */
export async function readEntries(file: string): Promise<RawEntry[]> {
  const reader = await TarReader.open(file);
  const out: RawEntry[] = [];
  try {
    for (let e = await reader.next(); e; e = await reader.next()) out.push({ name: e.name, data: await reader.readAll(e, 1 << 30) });
  } finally {
    await reader.close();
  }
  return out;
}

/** Writes entries as a ustar archive, with any header type and link name the test asks for. */
export async function writeEntries(file: string, entries: RawEntry[], mtime = 1_735_689_600): Promise<string> {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(tarHeader({ name: e.name, size: e.data.length, mtime, ...(e.type ? { type: e.type } : {}), ...(e.linkname ? { linkname: e.linkname } : {}) }));
    parts.push(e.data, Buffer.alloc((512 - (e.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  await fs.writeFile(file, Buffer.concat(parts));
  return file;
}

/** Copies a bundle's entries through `edit` into a new file next to it. */
export async function tamper(file: string, name: string, edit: (entries: RawEntry[]) => RawEntry[] | Promise<RawEntry[]>): Promise<string> {
  const out = path.join(path.dirname(file), `${name}.tar`);
  return writeEntries(out, await edit(await readEntries(file)));
}

/** Changes the manifest with `mutate` and signs it again with `key` (a producer-side change, not an attack). */
export function resign(entries: RawEntry[], key: KeyObject, mutate: (m: Manifest & Record<string, unknown>) => void): RawEntry[] {
  const manifestEntry = entries.find((e) => e.name === 'manifest.json');
  if (!manifestEntry) throw new Error('no manifest.json');
  const m = JSON.parse(manifestEntry.data.toString('utf8')) as Manifest & Record<string, unknown>;
  mutate(m);
  const bytes = manifestBytes(m);
  return entries.map((e) =>
    e.name === 'manifest.json' ? { ...e, data: bytes } : e.name === 'manifest.json.sig' ? { ...e, data: signBytes(key, bytes) } : e,
  );
}

export interface DbState {
  groups: { name: string; recordCount: number; maxSeq: number }[];
  records: number;
  live: number;
  maxSeq: number;
  imports: number;
  installed: { group: string; bundleId: string }[];
}

/** What tests compare to prove a refused or crashed import changed nothing. */
export async function dbState(sql: Sql): Promise<DbState> {
  const groups = await sql<DbState['groups']>`select name, record_count as "recordCount", max_seq as "maxSeq" from groups order by name`;
  const [r] = await sql<{ records: number; live: number; maxSeq: number | null }[]>`
    select count(*)::int as records, count(*) filter (where not deleted)::int as live, max(seq) as "maxSeq" from records`;
  const [i] = await sql<{ n: number }[]>`select count(*)::int as n from bundle_imports`;
  const installed = await sql<DbState['installed']>`select group_name as "group", bundle_id as "bundleId" from bundle_installed order by group_name`;
  return { groups, records: r?.records ?? 0, live: r?.live ?? 0, maxSeq: r?.maxSeq ?? 0, imports: i?.n ?? 0, installed };
}

/** Live records per group as `id hash`, sorted: equal across databases when the content is equal. */
export async function liveRecords(sql: Sql): Promise<Record<string, string[]>> {
  const rows = await sql<{ group: string; id: string; hash: string }[]>`
    select group_name as "group", id, hash from records where not deleted order by group_name, id collate "C"`;
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.group] ??= []).push(`${r.id} ${r.hash}`);
  return out;
}

/** Empties every table a test touches, keeping the seeded feeds. */
export async function resetDb(sql: Sql): Promise<void> {
  await sql`truncate bundle_installed, bundle_imports, records, groups, drivers, events, sync_runs cascade`;
  await sql`update feeds set enabled = true`;
}
