/** `airfeed db migrate|status`. */
import type { Command } from 'commander';
import { migrate, schemaStatus } from '../storage/migrate.ts';
import { withContext } from './context.ts';

/** Registers `db` on the program. */
export function registerDb(program: Command): void {
  const db = program.command('db').description('database maintenance (embedded under AIRFEED_HOME, or DATABASE_URL)');
  db.command('migrate')
    .description('apply pending schema migrations (also done automatically on every start)')
    .action(async () => {
      await withContext(async (ctx) => {
        const applied = await migrate(ctx.db.sql, ctx.log);
        const status = await schemaStatus(ctx.db.sql);
        console.log(
          applied.length > 0
            ? `applied migrations ${applied.join(', ')}; ${ctx.db.description} is at schema version ${status.current}`
            : `${ctx.db.description} is up to date at schema version ${status.current}`,
        );
      }, { migrate: false });
    });
  db.command('status')
    .description('show which database is used and its schema version')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      await withContext(async (ctx) => {
        const status = await schemaStatus(ctx.db.sql);
        const out = { database: ctx.db.description, schemaVersion: status.current, latestVersion: status.latest };
        console.log(flags.json ? JSON.stringify(out) : `database: ${out.database}\nschema:   version ${out.schemaVersion} of ${out.latestVersion}`);
      }, { migrate: false });
    });
}
