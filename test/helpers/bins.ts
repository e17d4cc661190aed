/** Runs a Node.js program as a child and reports what it printed and which modules it loaded. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const OBSERVER = path.resolve(import.meta.dirname, 'observe-imports.mjs');

export interface ObservedRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Every module URL the process resolved, in order. */
  urls: string[];
}

/** `node <script> <args…>` with test/helpers/observe-imports.mjs loaded first. */
export function runObserved(script: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ObservedRun {
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'airfeed-observe-')), 'urls.txt');
  try {
    const res = spawnSync(process.execPath, ['--import', OBSERVER, script, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, OBSERVE_IMPORTS_TO: log },
      encoding: 'utf8',
    });
    const urls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    return { status: res.status, stdout: res.stdout, stderr: res.stderr, urls };
  } finally {
    fs.rmSync(path.dirname(log), { recursive: true, force: true });
  }
}

/** The loaded modules that mean TypeScript was compiled at start: tsx itself, or any .ts file. */
export function typescriptLoads(urls: string[]): string[] {
  return urls.filter((u) => u.includes('/node_modules/tsx/') || /\.ts$/.test(new URL(u).pathname));
}
