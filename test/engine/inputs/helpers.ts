/** Shared by the input parser tests: fixture paths, temporary files, and catching the expected error. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { AirfeedError, type ErrorCode } from '../../../drivers/_framework/errors.ts';

/** The absolute path of a fixture under test/fixtures/engine/inputs. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/engine/inputs/${name}`, import.meta.url));
}

/** The AirfeedError a promise rejects with; fails the test when it resolves or rejects with something else. */
export async function rejection(p: Promise<unknown>, code: ErrorCode = 'SCAN_INPUT_INVALID'): Promise<AirfeedError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AirfeedError);
  expect((err as AirfeedError).code).toBe(code);
  return err as AirfeedError;
}

/** The AirfeedError a function throws. */
export function thrown(fn: () => unknown, code: ErrorCode = 'SCAN_INPUT_INVALID'): AirfeedError {
  return (() => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(AirfeedError);
      expect((e as AirfeedError).code).toBe(code);
      return e as AirfeedError;
    }
    throw new Error('expected an AirfeedError, nothing was thrown');
  })();
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'airfeed-inputs-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes `content` to `name` in `dir` and returns the path. */
export async function writeTemp(dir: string, name: string, content: string | Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}
