/** The `airfeed` command line. Errors become output here (and in the HTTP error handler) only. */
import { Command } from 'commander';
import { registerBundles } from './bundle-command.ts';
import { registerDb } from './db-command.ts';
import { registerDemo } from './demo-command.ts';
import { registerDrivers } from './drivers-command.ts';
import { registerGroups } from './groups-command.ts';
import { reportError } from '../../drivers/_framework/cli/report.ts';
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
    .option('--config <file>', 'configuration file with driver settings (default: $AIRFEED_CONFIG, else $AIRFEED_HOME/airfeed.json)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // The configuration is read where it is used (loadDriverSettings), from AIRFEED_CONFIG.
  program.hook('preAction', () => {
    const file = program.opts<{ config?: string }>().config;
    if (file !== undefined) process.env['AIRFEED_CONFIG'] = file;
  });
  registerDemo(program);
  registerSync(program);
  registerGroups(program);
  registerDrivers(program);
  registerDb(program);
  registerBundles(program);
  registerServe(program);
  return program;
}

/** Runs the CLI with `argv` and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    return reportError(err, { program: 'airfeed', exitCode: 1 });
  }
}
