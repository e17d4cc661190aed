/** Runs `airfeed` or `airfeed-engine` in this process (no tsx start-up per call), capturing what it prints. */
import { vi } from 'vitest';
import { main as airfeedMain } from '../../feed-service/cli/main.ts';
import { main as engineMain } from '../../engine-client/cli/main.ts';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

const MAINS = { airfeed: airfeedMain, 'airfeed-engine': engineMain } as const;

/**
 * Runs `program` with `args` and `env` set on top of the current environment (restored afterwards,
 * with process.exitCode), logs silenced. Returns the exit code and everything printed.
 */
export async function runCli(program: keyof typeof MAINS, args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const saved = { ...process.env };
  Object.assign(process.env, { AIRFEED_LOG_LEVEL: 'silent' });
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.map(String).join(' ')));
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  try {
    const code = await MAINS[program](['node', program, ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    stdout.mockRestore();
    process.env = saved;
    process.exitCode = undefined;
  }
}
