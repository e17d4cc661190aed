/**
 * The `airfeed-engine` command line: sync vulnerability data (online or from a bundle), scan
 * inventories, judge them by a policy. Errors become output here only. Exit codes: 0 success (or a
 * passing policy), 1 a failing policy (or a comparison batch with ERR lines), 2 an error.
 */
import { Command } from 'commander';
import { reportError } from '../../drivers/_framework/cli/report.ts';
import { registerDb } from './db-command.ts';
import { registerScan } from './scan-command.ts';
import { registerSources } from './sync-command.ts';
import { registerVersions } from './versions-command.ts';

/** Exit code for errors (bad input, no data, unreachable service): distinct from a failing policy. */
export const EXIT_ERROR = 2;

/** Builds the program; exported for tests of --help. */
export function buildEngineProgram(): Command {
  const program = new Command('airfeed-engine')
    .description(
      'airfeed-engine matches SBOMs and package databases against airfeed vulnerability data, ' +
        'inside the air gap: sync from a feed service or import a signed bundle, then scan.\n\n' +
        'Data lives in PostgreSQL: an embedded server under AIRFEED_ENGINE_HOME (default ' +
        './.airfeed-engine), or the server named by AIRFEED_ENGINE_DATABASE_URL.\n\n' +
        'Exit codes: 0 ok / policy passed, 1 policy failed, 2 error.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerSources(program);
  registerScan(program);
  registerDb(program);
  registerVersions(program);
  return program;
}

/** Runs the CLI with `argv` and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildEngineProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err, { program: 'airfeed-engine', exitCode: EXIT_ERROR });
  }
}
