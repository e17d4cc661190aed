/**
 * Where the Ubuntu driver's files are. Upstream publishes one archive,
 * `https://security-metadata.canonical.com/osv/osv-all.tar.xz`, holding `osv/cve/<year>/UBUNTU-CVE-*.json`
 * and `osv/usn/USN-*.json`. A mirror directory holds that archive, or the extracted `osv/` tree
 * (the workspace then holds the same `osv/cve/…` and `osv/usn/…` files).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { compareStrings } from '../_framework/strings.ts';

/** The archive's name, upstream, in a mirror and in the workspace. */
export const TARBALL = 'osv-all.tar.xz';

/** The default source: the directory the archive is published in. */
export const CANONICAL_BASE = 'https://security-metadata.canonical.com/osv/';

/** The tree's document directories, relative to the mirror or workspace root. */
export const TREE_DIRS = ['osv/cve', 'osv/usn'] as const;

/** Whether a workspace key is the driver's: the archive or a file of the tree. */
export function ownsKey(key: string): boolean {
  return key === TARBALL || key.startsWith('osv/');
}

/** The JSON files of the tree under `root` (`osv/cve/2021/UBUNTU-CVE-2021-3782.json`, …), sorted. */
export async function treeFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const dir of TREE_DIRS) {
    const entries = await fs.readdir(path.join(root, dir), { recursive: true, withFileTypes: true }).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    });
    for (const e of entries) {
      if (!e.name.endsWith('.json')) continue;
      const full = path.join(e.parentPath, e.name);
      // A mirror may link its files in (a symbolic link to a file counts as the file).
      if (!e.isFile() && !(e.isSymbolicLink() && (await fs.stat(full).then((s) => s.isFile(), () => false)))) continue;
      out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  }
  return out.sort(compareStrings);
}
