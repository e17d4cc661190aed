/** The `airfeed` command line. Errors become output here (and in the HTTP error handler) only. */
import { Command, CommanderError } from 'commander';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { registerBundles } from './bundle-command.ts';
import { registerDb } from './db-command.ts';
import { registerDemo } from './demo-command.ts';
import { registerGroups } from './groups-command.ts';
import { registerServe } from './serve-command.ts';
import { registerSync } from './sync-command.ts';

/** Builds the program; exported for tests of --help. */
export function buildProgram(): Command {
  const program = new Command('airfeed')
    .description(
      'airfeed keeps vulnerability data flowing into networks with no internet access.\n\n' +
        'Data lives in PostgreSQL: an embedded server under AIRFEED_HOME (default ./.airfeed), or the ' +
        'server named by DATABASE_URL. Logs are JSON on stderr (AIRFEED_LOG_LEVEL=debug for more).',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDemo(program);
  registerSync(program);
  registerGroups(program);
  registerDb(program);
  registerBundles(program);
  registerServe(program);
  return program;
}

/** Prints an error for a person, with what to do next; returns the exit code. */
function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof AirfeedError) {
    console.error(`airfeed: ${err.message}\n  what to do: ${err.hint}`);
    if (process.env['AIRFEED_DEBUG'] && err.cause) console.error(err.cause);
    return 1;
  }
  console.error(`airfeed: unexpected error: ${(err as Error).message ?? String(err)}`);
  console.error(process.env['AIRFEED_DEBUG'] ? err : '  (set AIRFEED_DEBUG=1 for the stack trace, and please report it)');
  return 1;
}

/** Runs the CLI with `argv` and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    return report(err);
  }
}
