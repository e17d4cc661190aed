/** How both command lines (airfeed, airfeed-engine) turn an error into output: the one place for it. */
import { CommanderError } from 'commander';
import { AirfeedError, databaseDownCode, ERROR_CODES, hintFor } from '../errors.ts';

export interface ReportOptions {
  /** The program: prefixes every message and picks the hints written for its users (errors.ts, Audience). */
  program: 'airfeed' | 'airfeed-engine';
  /** The exit code for an error (commander's own usage errors included). */
  exitCode: number;
}

/** Prints an error for a person, with what to do next; returns the exit code. */
export function reportError(err: unknown, options: ReportOptions): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : options.exitCode;
  if (err instanceof AirfeedError) {
    console.error(`${options.program}: ${err.message}\n  what to do: ${err.hintFor(options.program)}`);
    if (process.env['AIRFEED_DEBUG'] && err.cause) console.error(err.cause);
    return options.exitCode;
  }
  const down = databaseDownCode(err);
  if (down !== null) {
    // The database went away mid-command (killed, restarted, network): what was being written was rolled back.
    const hint = hintFor(ERROR_CODES.DB_UNAVAILABLE.hint, options.program);
    console.error(`${options.program}: lost the database connection (${down}): ${(err as Error).message ?? String(err)}; a write in progress was rolled back\n  what to do: ${hint} Then run the command again.`);
    return options.exitCode;
  }
  console.error(`${options.program}: unexpected error: ${(err as Error).message ?? String(err)}`);
  console.error(process.env['AIRFEED_DEBUG'] ? err : '  (set AIRFEED_DEBUG=1 for the stack trace, and please report it)');
  return options.exitCode;
}
