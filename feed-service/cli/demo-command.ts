/** `airfeed demo`: the quickstart — embedded PostgreSQL, Alpine synced from the mirror shipped in the repo. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { listGroups } from '../storage/groups.ts';
import { withContext } from './context.ts';
import { table, when } from '../../drivers/_framework/cli/format.ts';
import { renderReports, runSyncCommand } from './sync-command.ts';

/** The small Alpine secdb mirror (real layout) that ships with airfeed for the demo. */
export const DEMO_MIRROR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drivers/alpine/demo-mirror');

/** Registers `demo` on the program. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('sync the Alpine driver from the demo mirror shipped in the repository and print the groups (no network, no setup)')
    .action(async () => {
      // The demo is read by a person: keep the JSON logs to warnings unless asked otherwise.
      process.env['AIRFEED_LOG_LEVEL'] ??= 'warn';
      console.log(`syncing alpine from ${path.relative(process.cwd(), DEMO_MIRROR) || DEMO_MIRROR} …`);
      const reports = await runSyncCommand(['alpine'], { source: DEMO_MIRROR });
      console.log(renderReports(reports));
      if (reports.some((r) => r.status === 'failed')) throw new AirfeedError('SOURCE_INVALID', 'the demo sync failed; see the table above');
      const groups = await withContext(async (ctx) => ({ rows: await listGroups(ctx.db.sql), where: ctx.db.description }));
      console.log(`\ngroups in ${groups.where}:`);
      console.log(table(['FEED', 'GROUP', 'RECORDS', 'LAST SUCCESS'], groups.rows.map((g) => [g.feed, g.name, g.recordCount, when(g.lastSuccess)])));
      console.log('\nnext: `npm run airfeed -- groups list`, `npm run airfeed -- sync alpine --source <dir>`, `npm run airfeed -- --help`');
    });
}
