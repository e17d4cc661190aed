/**
 * Fetch from a local mirror directory, in either or both of two forms:
 *
 * - osv.dev's: `<Ecosystem>/all.zip` (with `modified_id.csv` beside it, copied too), e.g.
 *   `npm/all.zip`, `crates.io/all.zip` — a directory named exactly as an OSV ecosystem. The
 *   zip is copied when its digest changed; other files in that directory (the per-record
 *   `<ID>.json` of a bucket copy) are the same records and are not read.
 * - any tree of OSV files, JSON or YAML (`.json`, `.yaml`, `.yml`): PyPA's advisory-database
 *   (`vulns/jinja2/PYSEC-2019-217.yaml`), golang/vulndb's `data/osv/GO-2022-0956.json`, RustSec's
 *   osv branch. Each file is read to learn its ecosystems and copied under each one it names
 *   (`PyPI/tree/vulns/jinja2/PYSEC-2019-217.yaml`).
 *
 * Left out and reported (tally.ts): files that are not OSV documents (RubySec's own YAML, the Node.js
 * security WG's JSON), documents naming only ecosystems airfeed does not map (`CRAN`, `Hex`),
 * snapshot directories of such ecosystems (`Hex/all.zip`), and dot-named files and directories.
 * A malformed JSON or YAML file fails the fetch, naming the file; the workspace stays as it was.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '../_framework/concurrency.ts';
import { AirfeedError } from '../_framework/errors.ts';
import { copyIfChanged, type FetchedFile, localPath } from '../_framework/fetch-files.ts';
import { fileProblem } from '../_framework/files.ts';
import { ecosystemByOsv } from '../_framework/names.ts';
import { compareStrings } from '../_framework/strings.ts';
import type { FetchContext } from '../_framework/types.ts';
import { sha256File, type Staging, unsafeKeyReason } from '../_framework/workspace.ts';
import { decodeDocument, formatOf, summarize } from './document.ts';
import { CSV_FILE, csvKey, ecosystemOfDir, filesUnder, treeKey, ZIP_FILE, zipKey } from './layout.ts';
import { Tally } from './tally.ts';

const CONCURRENCY = 8;

async function isFile(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isFile(), () => false);
}

/**
 * Stages `bytes` (a mirror file already read, so what is hashed is what is written) as `key`
 * unless the workspace copy has the same digest.
 */
async function stageBytes(bytes: Buffer, key: string, staging: Staging): Promise<FetchedFile> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if ((await sha256File(staging.current(key))) === sha256) return { key, etag: null, lastModified: null, sha256, staged: false };
  await fs.mkdir(path.dirname(staging.path(key)), { recursive: true });
  await fs.writeFile(staging.path(key), bytes);
  return { key, etag: null, lastModified: null, sha256, staged: true };
}

/** Copies the mirror's snapshots and OSV files into staging (module doc). */
export async function fetchMirror(ctx: FetchContext, staging: Staging): Promise<FetchedFile[]> {
  const root = localPath(ctx.source);
  let top: string[];
  try {
    top = (await fs.readdir(root)).sort(compareStrings);
  } catch (err) {
    throw new AirfeedError('SOURCE_UNREACHABLE', `osv: cannot read the mirror directory ${root}: ${fileProblem(err).reason}`, {
      cause: err,
      hint: 'Check the mirror directory named (--source, or AIRFEED_SOURCE_OSV for scheduled syncs): it must exist and be readable by this user.',
    });
  }
  const tally = new Tally();
  const files: FetchedFile[] = [];
  const snapshots = new Set<string>();
  const skippedSnapshots: string[] = [];
  for (const dir of top) {
    if (dir.startsWith('.') || !(await isFile(path.join(root, dir, ZIP_FILE)))) continue;
    const eco = ecosystemOfDir(dir);
    if (!eco) {
      skippedSnapshots.push(`${dir}/${ZIP_FILE}`);
      tally.addUnmapped(dir);
      continue;
    }
    snapshots.add(dir);
    files.push(await copyIfChanged(path.join(root, dir, ZIP_FILE), zipKey(dir), staging, 'osv'));
    if (await isFile(path.join(root, dir, CSV_FILE))) files.push(await copyIfChanged(path.join(root, dir, CSV_FILE), csvKey(dir), staging, 'osv'));
  }

  const loose = (await filesUnder(root)).filter((rel) => {
    const parts = rel.split('/');
    return !parts.some((p) => p.startsWith('.')) && !snapshots.has(parts[0] ?? '') && !skippedSnapshots.some((s) => rel.startsWith(`${s.split('/')[0]}/`));
  });
  ctx.progress.phase('osv: mirror files', loose.length);
  let covered = 0;
  const copied = await mapLimit(loose, CONCURRENCY, async (rel): Promise<FetchedFile[]> => {
    const format = formatOf(rel);
    ctx.progress.tick();
    if (!format) return [];
    const file = path.join(root, rel);
    const bytes = await fs.readFile(file);
    const summary = summarize(decodeDocument(bytes, format, `osv: ${file}`));
    if (!summary) {
      tally.addNotOsv(rel);
      return [];
    }
    const ecosystems = new Set<string>();
    for (const name of summary.ecosystems) {
      const e = ecosystemByOsv(name);
      if (e) ecosystems.add(e.osv);
      else tally.addUnmapped(name);
    }
    const out: FetchedFile[] = [];
    for (const eco of [...ecosystems].sort(compareStrings)) {
      if (snapshots.has(eco)) {
        covered++;
        continue;
      }
      const key = treeKey(eco, rel);
      const unsafe = unsafeKeyReason(key);
      if (unsafe !== undefined) {
        ctx.log.warn({ file: rel, reason: unsafe }, 'osv: skipping a mirror file whose path cannot be a workspace path');
        continue;
      }
      out.push(await stageBytes(bytes, key, staging));
    }
    return out;
  });
  files.push(...copied.flat());
  tally.report(ctx.log, `osv: mirror ${root}`, 'documents');
  if (skippedSnapshots.length > 0) ctx.log.warn({ snapshots: skippedSnapshots }, 'osv: skipped snapshots of OSV ecosystems airfeed does not map');
  if (covered > 0) ctx.log.info({ documents: covered }, "osv: loose files of an ecosystem that has an all.zip in the mirror are read from the zip instead");
  if (files.length === 0) {
    const unmapped = tally.unmapped.size > 0 ? `; it holds only ecosystems airfeed does not map: ${Object.keys(tally.unmappedCounts()).join(', ')}` : '';
    throw new AirfeedError('SOURCE_INVALID', `osv: the mirror directory ${root} holds no <Ecosystem>/all.zip and no OSV file of a mapped ecosystem${unmapped}`);
  }
  return files;
}
