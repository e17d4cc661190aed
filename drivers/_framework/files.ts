/**
 * Files a person names (a bundle, a key, an SBOM, a mirror directory, an output path): checked and
 * opened in one place, so every way they can be wrong gives the same kind of answer, naming what
 * the file is for, the path, and what is wrong with it — `cannot read bundle full.tar: it does not
 * exist` — with a hint that fits the problem, instead of a raw `EISDIR: illegal operation on a
 * directory, read` surfacing as an unexpected error.
 *
 * The checks are synchronous so command-line parsers (cli/args.ts) can run them while the
 * arguments are parsed, before a command looks at anything else (the trust store, the database).
 * Readers still open through `openInputFile`: the file may change between check and use.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { AirfeedError, type ErrorCode } from './errors.ts';

/** What is wrong with a path, for a message, and what to do about it. */
export interface FileProblem {
  reason: string;
  hint: string;
}

const HINTS = {
  missing: 'Check the path: it is relative to the current directory unless it starts with /.',
  directory: 'Name the file itself, not the directory that holds it.',
  notDirectory: 'Name a directory here, not a file.',
  denied: 'Run as a user who may read it, or change its permissions (ls -l shows them).',
  special: 'Name a regular file: a pipe or device cannot be read the way this needs.',
  other: 'Check the path and the file system it is on.',
} as const;

/** The problem behind a file-system error (ENOENT, EISDIR, EACCES, …), in words. */
export function fileProblem(err: unknown): FileProblem {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return { reason: 'it does not exist', hint: HINTS.missing };
    case 'ENOTDIR':
      return { reason: 'a part of the path is a file, not a directory', hint: HINTS.missing };
    case 'EEXIST':
      return { reason: 'a file of that name is in the way', hint: HINTS.notDirectory };
    case 'EISDIR':
      return { reason: 'it is a directory, not a file', hint: HINTS.directory };
    case 'EACCES':
    case 'EPERM':
      return { reason: 'permission denied', hint: HINTS.denied };
    case 'ELOOP':
      return { reason: 'it is a loop of symbolic links', hint: HINTS.other };
    case 'ENAMETOOLONG':
      return { reason: 'the path is too long', hint: HINTS.other };
    default:
      return { reason: (err as Error | undefined)?.message ?? String(err), hint: HINTS.other };
  }
}

/** The error for `what` at `file` with `problem`; `code` defaults to FILE_UNUSABLE. */
export function fileError(what: string, file: string, problem: FileProblem, cause?: unknown, code: ErrorCode = 'FILE_UNUSABLE'): AirfeedError {
  return new AirfeedError(code, `cannot read ${what} ${file}: ${problem.reason}`, { hint: problem.hint, details: { file, reason: problem.reason }, ...(cause === undefined ? {} : { cause }) });
}

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a pipe';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** Checks that `file` is a regular file this process may read; throws FILE_UNUSABLE naming `what` otherwise. */
export function checkInputFile(what: string, file: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    throw fileError(what, file, fileProblem(err), err);
  }
  if (st.isDirectory()) throw fileError(what, file, fileProblem({ code: 'EISDIR' }));
  if (!st.isFile()) throw fileError(what, file, { reason: `it is ${kindOf(st)}`, hint: HINTS.special });
  try {
    fs.closeSync(fs.openSync(file, 'r'));
  } catch (err) {
    throw fileError(what, file, fileProblem(err), err);
  }
  return file;
}

/** Checks that `dir` is a directory this process may list; throws FILE_UNUSABLE naming `what` otherwise. */
export function checkInputDirectory(what: string, dir: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    throw fileError(what, dir, fileProblem(err), err);
  }
  if (!st.isDirectory()) throw fileError(what, dir, { reason: 'it is a file, not a directory', hint: HINTS.notDirectory });
  try {
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
  } catch (err) {
    throw fileError(what, dir, fileProblem(err), err);
  }
  return dir;
}

/** Checks that `p` is a readable file or directory (a trust path: a key, or a directory of keys). */
export function checkInputPath(what: string, p: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (err) {
    throw fileError(what, p, fileProblem(err), err);
  }
  return st.isDirectory() ? checkInputDirectory(what, p) : checkInputFile(what, p);
}

/**
 * Checks that a file can be written at `file` (named `what`, e.g. `--out`): its directory exists and
 * is a directory, and `file` is not itself a directory. Whether it may be replaced is the caller's rule.
 */
export function checkOutputFile(what: string, file: string, describe = 'the file to write'): string {
  const dir = path.dirname(path.resolve(file));
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st?.isDirectory()) {
    throw new AirfeedError('FILE_UNUSABLE', `cannot write ${what} ${file}: it is a directory; name ${describe}`, { hint: `Name ${describe}, not a directory.`, details: { file } });
  }
  const parent = fs.statSync(dir, { throwIfNoEntry: false });
  if (!parent?.isDirectory()) {
    const reason = parent ? `${dir} is a file, not a directory` : `the directory ${dir} does not exist`;
    throw new AirfeedError('FILE_UNUSABLE', `cannot write ${what} ${file}: ${reason}`, { hint: `Create the directory first (mkdir -p ${dir}), or name a file in an existing one.`, details: { file } });
  }
  return file;
}

/** Checks that `dir` can be used as a directory to write into: absent (it will be made) or a directory. */
export function checkOutputDirectory(what: string, dir: string): string {
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) {
    throw new AirfeedError('FILE_UNUSABLE', `cannot write into ${what} ${dir}: it is a file, not a directory`, { hint: 'Name a directory (it is created when missing), not a file.', details: { file: dir } });
  }
  return dir;
}

/**
 * Opens `file` for reading after checking it is a regular file; the handle and its size. Every
 * failure is an AirfeedError naming `what` and the path (`code`, default FILE_UNUSABLE).
 */
export async function openInputFile(what: string, file: string, code: ErrorCode = 'FILE_UNUSABLE'): Promise<{ handle: fsp.FileHandle; size: number }> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch (err) {
    throw fileError(what, file, fileProblem(err), err, code);
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw fileError(what, file, fileProblem({ code: 'EISDIR' }), undefined, code);
    if (!st.isFile()) throw fileError(what, file, { reason: `it is ${kindOf(st)}`, hint: HINTS.special }, undefined, code);
    return { handle, size: st.size };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** Reads a whole small file (a key, a policy, a manifest) through openInputFile. */
export async function readInputFile(what: string, file: string, code: ErrorCode = 'FILE_UNUSABLE'): Promise<Buffer> {
  const { handle } = await openInputFile(what, file, code);
  try {
    return await handle.readFile();
  } catch (err) {
    throw fileError(what, file, fileProblem(err), err, code);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
