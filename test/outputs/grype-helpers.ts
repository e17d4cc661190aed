/** Reading back what the grype output wrote: the .tar.zst archive (with an independent zstd decoder) and the SQLite file. */
import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { decompress } from 'fzstd';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import type { Sql } from '../../feed-service/storage/db.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { tempDir } from '../helpers/mirror.ts';

export const DEMO_MIRROR = path.resolve(import.meta.dirname, '../../drivers/alpine/demo-mirror');
export const SCHEMA_DIR = path.resolve(import.meta.dirname, '../../../shared/grype-v6-schema');

/** Syncs the Alpine driver from a mirror directory into `sql`. */
export async function syncAlpine(sql: Sql, source: string): Promise<void> {
  const home = await tempDir('airfeed-grype-home-');
  const report = await syncDriver(sql, alpine, { home, http: new HttpClient(), log: silentLogger, source });
  if (report.status === 'failed') throw new Error(`alpine sync failed: ${report.error ?? ''}`);
}

/** The members of a .tar.zst file, decompressed with fzstd (not the library that compressed it). */
export async function readArchive(file: string): Promise<Map<string, Buffer>> {
  const tar = Buffer.from(decompress(new Uint8Array(await fs.readFile(file))));
  const members = new Map<string, Buffer>();
  let at = 0;
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
    members.set(name, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return members;
}

export function openReadOnly(file: string): Database.Database {
  return new Database(file, { readonly: true, fileMustExist: true });
}
