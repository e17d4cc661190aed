/**
 * The error catalogue's hints fit where they are shown: `airfeed` hints name only flags, commands
 * and variables `airfeed` has; `airfeed-engine` hints only the engine's (AIRFEED_ENGINE_*, never
 * the service's DATABASE_URL or AIRFEED_HOME); HTTP hints name no command-line flag or command at
 * all. Flags and commands are read from the real commander programs, so a renamed flag fails here.
 * Which codes reach which audience is read from the sources: the codes raised in the folders whose
 * code runs there (an engine-only code needs no hint for HTTP clients).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { reportError } from '../../drivers/_framework/cli/report.ts';
import { AirfeedError, type Audience, ERROR_CODES, type ErrorCode, hintFor } from '../../drivers/_framework/errors.ts';
import { buildEngineProgram } from '../../engine-client/cli/main.ts';
import { buildProgram } from '../../feed-service/cli/main.ts';

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/** What `run` printed to console.error, one entry per call. */
function printedBy(run: () => void): string[] {
  const printed: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void printed.push(a.join(' ')));
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return printed;
}
const ROOT = path.resolve(import.meta.dirname, '../..');

/** Where the errors each audience can see are raised (errors.ts itself excluded). */
const SOURCES: Record<Audience, string[]> = {
  airfeed: ['feed-service', 'bundles', 'drivers'],
  'airfeed-engine': ['engine-client', 'bundles', 'drivers/_framework'],
  // Request handling: the routes and what they call. Not server.ts/cli (start-up), not the drivers'
  // fetches (syncs run in the background and are reported as runs, never as an HTTP error).
  http: ['feed-service/http', 'feed-service/storage', 'feed-service/bundles', 'feed-service/scheduler.ts', 'bundles', 'drivers/_framework/pg'],
};

/** The catalogue codes written as string literals in the .ts files under `rel` (a folder or a file). */
async function codesRaisedIn(rel: string): Promise<Set<ErrorCode>> {
  const abs = path.join(ROOT, rel);
  const files = rel.endsWith('.ts') ? [abs] : (await fs.readdir(abs, { recursive: true })).filter((f) => f.endsWith('.ts')).map((f) => path.join(abs, f));
  const found = new Set<ErrorCode>();
  for (const f of files) {
    if (f === path.join(ROOT, 'drivers/_framework/errors.ts')) continue;
    const text = await fs.readFile(f, 'utf8');
    for (const code of CODES) if (text.includes(`'${code}'`)) found.add(code);
  }
  return found;
}

async function codesFor(audience: Audience): Promise<ErrorCode[]> {
  const all = new Set<ErrorCode>();
  for (const rel of SOURCES[audience]) for (const c of await codesRaisedIn(rel)) all.add(c);
  return [...all].sort();
}

function longFlags(cmd: Command): Set<string> {
  const out = new Set<string>(['--help', '--version']);
  const walk = (c: Command): void => {
    for (const o of c.options) if (o.long) out.add(o.long);
    for (const sub of c.commands) walk(sub);
  };
  walk(cmd);
  return out;
}

/** The command words of a backticked `airfeed …` in a hint resolve to a command of `program`. */
function resolvesCommand(program: Command, words: string[]): boolean {
  let cmd: Command | undefined = program;
  let depth = 0;
  for (const w of words) {
    const next: Command | undefined = cmd.commands.find((c) => c.name() === w);
    if (!next) break;
    cmd = next;
    depth++;
  }
  return depth > 0;
}

const PROGRAMS: Record<Exclude<Audience, 'http'>, Command> = { airfeed: buildProgram(), 'airfeed-engine': buildEngineProgram() };

const flagsIn = (hint: string): string[] => [...hint.matchAll(/(?:^|[\s(`])(--[a-z][a-z-]*)/g)].map((m) => m[1] ?? '');
const variablesIn = (hint: string): string[] => [...hint.matchAll(/\b(AIRFEED_[A-Z_]+|DATABASE_URL)\b/g)].map((m) => m[1] ?? '');
const commandsIn = (hint: string): { program: string; words: string[] }[] =>
  [...hint.matchAll(/`(airfeed(?:-engine)?) ([^`]*)`/g)].map((m) => ({ program: m[1] ?? '', words: (m[2] ?? '').split(/\s+/) }));

describe('hints per audience', () => {
  for (const audience of ['airfeed', 'airfeed-engine'] as const) {
    const program = PROGRAMS[audience];
    const flags = longFlags(program);
    it(`${audience}: every flag, command and variable a hint names exists in ${audience}`, async () => {
      const codes = await codesFor(audience);
      expect(codes).toContain('DB_UNAVAILABLE');
      for (const code of codes) {
        const hint = hintFor(ERROR_CODES[code].hint, audience);
        for (const flag of flagsIn(hint)) expect(flags.has(flag), `${code} (${audience}) names ${flag}: ${hint}`).toBe(true);
        for (const c of commandsIn(hint)) {
          expect(c.program, `${code} (${audience}) names another program's command: ${hint}`).toBe(audience);
          expect(resolvesCommand(program, c.words), `${code} (${audience}) names an unknown command: ${hint}`).toBe(true);
        }
        for (const v of variablesIn(hint)) {
          const ok = audience === 'airfeed-engine' ? v.startsWith('AIRFEED_ENGINE_') || v === 'AIRFEED_LOG_LEVEL' || v === 'AIRFEED_DEBUG' : !v.startsWith('AIRFEED_ENGINE_');
          expect(ok, `${code} (${audience}) names ${v}: ${hint}`).toBe(true);
        }
      }
    });
  }

  it('http: no hint names a command-line flag or command', async () => {
    const codes = await codesFor('http');
    expect(codes).toEqual(expect.arrayContaining(['DB_UNAVAILABLE', 'DRIVER_LOCKED', 'BUNDLE_EXPIRED', 'GROUP_UNKNOWN']));
    for (const code of codes) {
      const hint = hintFor(ERROR_CODES[code].hint, 'http');
      expect(flagsIn(hint), `${code}: ${hint}`).toEqual([]);
      expect(commandsIn(hint), `${code}: ${hint}`).toEqual([]);
    }
  });

  it('the engine is told about its own database settings', () => {
    const engine = hintFor(ERROR_CODES.DB_UNAVAILABLE.hint, 'airfeed-engine');
    expect(engine).toMatch(/AIRFEED_ENGINE_DATABASE_URL/);
    expect(engine).toMatch(/AIRFEED_ENGINE_HOME/);
    expect(hintFor(ERROR_CODES.DB_UNAVAILABLE.hint, 'airfeed')).toMatch(/DATABASE_URL.*AIRFEED_HOME/);
  });

  it('an error may carry its own hint, which wins over the catalogue for every audience it names', () => {
    const own = new AirfeedError('SCAN_DISTRO_UNKNOWN', 'x', { hint: 'use --distro debian:12' });
    expect(own.hintFor('airfeed-engine')).toBe('use --distro debian:12');
    const split = new AirfeedError('DRIVER_LOCKED', 'x', { hint: { default: 'later', http: 'retry later' } });
    expect(split.hintFor('http')).toBe('retry later');
    expect(split.hintFor('airfeed')).toBe('later');
    const plain = new AirfeedError('DRIVER_LOCKED', 'x');
    expect(plain.hintFor('http')).toBe(hintFor(ERROR_CODES.DRIVER_LOCKED.hint, 'http'));
  });

  it('the reporter prints the hint of the program it serves', () => {
    const err = new AirfeedError('DB_UNAVAILABLE', 'cannot connect');
    const printed = printedBy(() => {
      expect(reportError(err, { program: 'airfeed-engine', exitCode: 2 })).toBe(2);
      expect(reportError(err, { program: 'airfeed', exitCode: 1 })).toBe(1);
    });
    expect(printed[0]).toMatch(/^airfeed-engine: cannot connect\n {2}what to do: .*AIRFEED_ENGINE_DATABASE_URL/);
    expect(printed[0]).not.toMatch(/\bDATABASE_URL\b|\bAIRFEED_HOME\b/);
    expect(printed[1]).toMatch(/^airfeed: cannot connect\n {2}what to do: .*\bDATABASE_URL\b/);
  });

  it('the reporter names a lost database connection as such, with the program\'s hint, not as an unexpected error', () => {
    // As porsager/postgres rejects a statement on a connection whose server died (see test/storage/dead-connection.test.ts).
    const lost = Object.assign(new Error('write CONNECTION_CLOSED 127.0.0.1:5432'), { code: 'CONNECTION_CLOSED' });
    const other = Object.assign(new Error('boom'), { code: 'EWHATEVER' });
    const printed = printedBy(() => {
      expect(reportError(lost, { program: 'airfeed-engine', exitCode: 1 })).toBe(1);
      expect(reportError(other, { program: 'airfeed', exitCode: 1 })).toBe(1);
    });
    expect(printed[0]).toMatch(/^airfeed-engine: lost the database connection \(CONNECTION_CLOSED\): write CONNECTION_CLOSED 127\.0\.0\.1:5432; a write in progress was rolled back\n {2}what to do: .*AIRFEED_ENGINE_DATABASE_URL/);
    expect(printed[1]).toBe('airfeed: unexpected error: boom');
  });
});
