/**
 * Fetch: Canonical's OSV archive, whole, every run (layout.ts):
 *
 * - a URL: `<source>osv-all.tar.xz` (or the source itself when it names a `.tar.xz`), with a
 *   conditional GET; a 200 with the same bytes changes nothing;
 * - a mirror directory holding `osv-all.tar.xz`: copied when its digest changed; a mirror holding
 *   the extracted `osv/` tree (`osv/cve/…`, `osv/usn/…`): each JSON file copied when its digest
 *   changed, files gone from the mirror removed; the archive file itself may also be the source.
 *
 * All-or-nothing (the framework's staging). The state is one `{etag, lastModified, sha256}` per
 * file; `unchanged` means the same files with the same digests (the archive's digest, for the
 * archive: its fingerprint).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { AirfeedError } from '../_framework/errors.ts';
import {
  copyIfChanged, downloadIfChanged, type FetchedFile, fileStates, isHttpSource, localPath, readFileStates, sameFiles,
} from '../_framework/fetch-files.ts';
import { fileProblem } from '../_framework/files.ts';
import type { FetchContext, FetchResult } from '../_framework/types.ts';
import { withStaging } from '../_framework/workspace.ts';
import { ownsKey, TARBALL, treeFiles } from './layout.ts';

/** The archive's URL for an HTTP source. */
export function tarballUrl(source: string): string {
  const url = new URL(source);
  if (url.pathname.endsWith('.tar.xz')) return url.href;
  return new URL(TARBALL, url.href.endsWith('/') ? url.href : `${url.href}/`).href;
}

/** Fetches the archive or the tree; see the module doc. */
export async function fetchUbuntu(ctx: FetchContext): Promise<FetchResult> {
  const previous = readFileStates(ctx.state);
  const fetched = await withStaging(ctx.workspace, async (staging) => {
    let files: FetchedFile[];
    if (isHttpSource(ctx.source)) {
      ctx.progress.phase('ubuntu: download', 1);
      files = [await downloadIfChanged(ctx, tarballUrl(ctx.source), TARBALL, previous.get(TARBALL), staging, 'ubuntu')];
      ctx.progress.tick();
    } else {
      const p = localPath(ctx.source);
      const stat = await fs.stat(p).catch((err: unknown) => {
        throw new AirfeedError('SOURCE_UNREACHABLE', `ubuntu: cannot read the mirror ${p}: ${fileProblem(err).reason}`, {
          cause: err,
          hint: 'Check the mirror named (--source, or AIRFEED_SOURCE_UBUNTU for scheduled syncs): a directory holding osv-all.tar.xz or the osv/ tree, readable by this user.',
        });
      });
      const archive = stat.isDirectory() ? path.join(p, TARBALL) : p;
      const hasArchive = await fs.stat(archive).then((s) => s.isFile(), () => false);
      if (hasArchive) {
        ctx.progress.phase('ubuntu: copy', 1);
        files = [await copyIfChanged(archive, TARBALL, staging, 'ubuntu')];
        ctx.progress.tick();
      } else {
        const keys = stat.isDirectory() ? await treeFiles(p) : [];
        if (keys.length === 0) {
          throw new AirfeedError('SOURCE_INVALID', `ubuntu: the mirror ${p} holds neither ${TARBALL} nor an osv/ tree (osv/cve/…/*.json, osv/usn/*.json)`);
        }
        ctx.progress.phase('ubuntu: copy', keys.length);
        files = [];
        for (const key of keys) {
          files.push(await copyIfChanged(path.join(p, key), key, staging, 'ubuntu'));
          ctx.progress.tick();
        }
      }
    }
    await staging.commit(files, { owns: ownsKey });
    return files;
  });
  const unchanged = sameFiles(previous, fetched);
  ctx.log.info({ files: fetched.length, updated: fetched.filter((f) => f.staged).length, unchanged }, 'ubuntu: fetch done');
  return { unchanged, state: fileStates(fetched) };
}
