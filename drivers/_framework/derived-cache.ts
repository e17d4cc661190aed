/**
 * A cache derived from a workspace's inputs: a directory `<root>/<key>/` holding what a driver built
 * from them (sorted line files, an index) and a `manifest.json` that says it is complete. The key
 * is a digest of the inputs and the parser version, so a changed input or parser builds a new one.
 * Debian's tracker JSON and Canonical's OSV tarball are reduced this way once per input, and every
 * later `groups()` and `parse` of the same input reads the cache.
 *
 * The build writes into a temporary directory beside the others, renamed into place only when it
 * succeeded; a failed or interrupted build leaves no cache that looks complete, and the caches of
 * older keys (and what a crashed build left) are removed once a new one is in place.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';

/** The cache of `key` under `root`: found (its manifest validating against `manifest`) or built by `build(dir)`. */
export async function derivedCache<M>(root: string, key: string, manifest: z.ZodType<M>, build: (dir: string) => Promise<M>): Promise<{ dir: string; manifest: M }> {
  const dir = path.join(root, key);
  const manifestFile = path.join(dir, 'manifest.json');
  if (existsSync(manifestFile)) {
    // A manifest of another parser's shape is not this cache: build it again.
    const parsed = manifest.safeParse(JSON.parse(await fs.readFile(manifestFile, 'utf8')));
    if (parsed.success) return { dir, manifest: parsed.data };
  }
  const tmp = path.join(root, `tmp-${process.pid}-${randomUUID()}`);
  await fs.mkdir(tmp, { recursive: true });
  try {
    const built = await build(tmp);
    await fs.writeFile(path.join(tmp, 'manifest.json'), `${JSON.stringify(built)}\n`);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(tmp, dir);
    for (const e of await fs.readdir(root)) if (e !== key) await fs.rm(path.join(root, e), { recursive: true, force: true });
    return { dir, manifest: built };
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
