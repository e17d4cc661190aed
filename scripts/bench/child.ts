/**
 * A bench measures each case in a child process of its own script (`<script> child <op> …`), so the
 * child's peak RSS is its own; the child prints one JSON line as its last line of stdout.
 * BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each child there.
 */
import { spawn } from 'node:child_process';

/** Runs `script` as a child with `args`; its last stdout line, parsed. */
export async function runBenchChild<T>(script: string, ...args: string[]): Promise<T & { maxRssMB: number }> {
  const prof = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', script, 'child', ...args], { env: { ...process.env, AIRFEED_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`bench child ${args.join(' ')} failed (exit ${code}):\n${err}`);
  return JSON.parse(line) as T & { maxRssMB: number };
}
