/**
 * Workspace helpers every driver's fetch and parse share.
 *
 * - `Staging`: the all-or-nothing workspace commit. New files are written (downloaded or copied)
 *   into `<workspace>/.staging/`; only when everything was fetched are they renamed into place and
 *   the files that vanished upstream removed. A failed fetch leaves the workspace exactly as it
 *   was; a crash during the final renames (milliseconds) can mix old and new files, but each file
 *   is whole (rename is atomic) and the next run repairs it, because the driver state is only
 *   saved after a successful sync.
 * - `sha256File`: a file's digest, streamed; null when the file does not exist.
 * - `fingerprintFiles`: sha256 over, per file in sorted key order,
 *   its key, size and bytes — equal fingerprints let apply skip a group.
 *
 * Keys are workspace-relative POSIX paths (`v3.20/main.json`, `2024/cve-2024-0056.json`); a key
 * that could escape the workspace is refused.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { compareStrings } from './strings.ts';

/** The staging directory's name inside a workspace; parse never looks at dot-names. */
export const STAGING_DIR = '.staging';

/** Why `key` is not a safe workspace-relative path, or undefined when it is. */
export function unsafeKeyReason(key: string): string | undefined {
  if (key === '') return 'is empty';
  if (key.includes('\0')) return 'has a NUL byte';
  if (key.startsWith('/') || /^[A-Za-z]:/.test(key)) return 'is an absolute path';
  if (key.includes('\\')) return 'has a backslash (not a relative POSIX path)';
  const parts = key.split('/');
  if (parts.includes('..')) return 'escapes its directory (`..`)';
  if (parts.some((p) => p === '' || p === '.')) return 'has an empty or `.` path segment';
  return undefined;
}

function checkKey(key: string): string {
  const reason = unsafeKeyReason(key);
  if (reason !== undefined) throw new Error(`workspace key ${JSON.stringify(key)} ${reason}`);
  return key;
}

/** sha256 (hex) of a file, streamed; null when the file does not exist. */
export async function sha256File(file: string): Promise<string | null> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return hash.digest('hex');
}

/**
 * sha256 over, per file in sorted key order, `<key>\n<size>\n` and its bytes. The parser version
 * is not part of it: sync prefixes `Driver.parserVersion` to every group fingerprint.
 */
export async function fingerprintFiles(root: string, keys: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const key of [...keys].sort(compareStrings)) {
    const file = path.join(root, checkKey(key));
    const { size } = await fs.stat(file);
    hash.update(`${key}\n${size}\n`);
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** One file of a fetch: its key, and whether a new copy of it waits in staging. */
export interface StagedFile {
  key: string;
  staged: boolean;
}

export interface CommitOptions {
  /**
   * Which workspace files this commit manages: a managed file whose key is not among the fetched
   * files is removed (it vanished upstream). Default: every file outside dot-named top-level entries.
   */
  owns?: (key: string) => boolean;
}

/** The staging area of one fetch; see the module doc. */
export class Staging {
  private constructor(
    readonly workspace: string,
    readonly dir: string,
  ) {}

  /** Creates an empty `<workspace>/.staging/` (removing what a crashed run left there). */
  static async open(workspace: string): Promise<Staging> {
    const dir = path.join(workspace, STAGING_DIR);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true });
    return new Staging(workspace, dir);
  }

  /** Where a new copy of `key` is written; the parent directory is not created. */
  path(key: string): string {
    return path.join(this.dir, checkKey(key));
  }

  /** The workspace's current copy of `key`. */
  current(key: string): string {
    return path.join(this.workspace, checkKey(key));
  }

  /**
   * Moves every staged file into place, then removes managed workspace files that are not among
   * `files` (and directories left empty). Call only when every file was fetched.
   */
  async commit(files: readonly StagedFile[], options: CommitOptions = {}): Promise<void> {
    for (const f of files) {
      if (!f.staged) continue;
      const dest = this.current(f.key);
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.rename(this.path(f.key), dest);
    }
    const keep = new Set(files.map((f) => f.key));
    const owns = options.owns ?? (() => true);
    await removeVanished(this.workspace, '', keep, owns);
  }

  /** Removes the staging directory; call in `finally`. */
  async dispose(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

/** Runs `fn` with a fresh staging area, always removing it afterwards. */
export async function withStaging<T>(workspace: string, fn: (staging: Staging) => Promise<T>): Promise<T> {
  const staging = await Staging.open(workspace);
  try {
    return await fn(staging);
  } finally {
    await staging.dispose();
  }
}

/** Removes files under `root/rel` not in `keep` (when owned); returns true when the directory is left empty. */
async function removeVanished(root: string, rel: string, keep: ReadonlySet<string>, owns: (key: string) => boolean): Promise<boolean> {
  const dir = path.join(root, rel);
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  });
  let left = 0;
  for (const e of entries) {
    const key = rel === '' ? e.name : `${rel}/${e.name}`;
    if (rel === '' && e.name.startsWith('.')) {
      left++;
      continue;
    }
    if (e.isDirectory()) {
      if (await removeVanished(root, key, keep, owns)) await fs.rmdir(path.join(root, key));
      else left++;
    } else if (!keep.has(key) && owns(key)) {
      await fs.rm(path.join(root, key), { force: true });
    } else {
      left++;
    }
  }
  return left === 0;
}
