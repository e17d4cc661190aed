/** `airfeed-engine db status|migrate`: what the engine holds, how old it is, and its schema. */
import type { Command } from 'commander';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { table, when } from '../../drivers/_framework/cli/format.ts';
import { withEngine } from './context.ts';

/** A duration for people: `3d 4h`, `12m`. */
export function age(ms: number): string {
  const m = Math.floor(ms / 60_000);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Registers `db status` and `db migrate` on the program. */
export function registerDb(program: Command): void {
  const db = program.command('db').description("the engine's own database: status and migrations");
  db.command('status')
    .description('groups the engine holds: where they came from, records, last update, age; warns on stale data (exit 1 when any group is stale)')
    .option('--max-age <duration>', 'data older than this is stale (default: $AIRFEED_ENGINE_MAX_AGE or 3d)')
    .option('--json', 'print JSON')
    .action(async (flags: { maxAge?: string; json?: boolean }) => {
      // Loaded on use, so that `--help` and `--version` start fast.
      const [{ parseDuration }, { engineStatus }] = await Promise.all([import('../../bundles/manifest.ts'), import('../store/status.ts')]);
      let maxAgeMs: number | undefined;
      if (flags.maxAge !== undefined) {
        try {
          maxAgeMs = parseDuration(flags.maxAge);
        } catch (err) {
          throw new AirfeedError('INPUT_INVALID', `--max-age ${flags.maxAge}: ${(err as Error).message}`, { cause: err });
        }
      }
      const { rows, description, limit } = await withEngine(async (ctx) => {
        const limitMs = maxAgeMs ?? ctx.config.maxAgeMs;
        return { rows: await engineStatus(ctx.db.sql, { now: new Date(), maxAgeMs: limitMs }), description: ctx.db.description, limit: limitMs };
      });
      const stale = rows.filter((r) => r.stale);
      if (stale.length > 0) process.exitCode = 1;
      if (flags.json) {
        console.log(JSON.stringify({ database: description, maxAgeMs: limit, groups: rows }, null, 2));
        return;
      }
      if (rows.length === 0) {
        console.log(`no data yet in ${description}: run \`airfeed-engine sync --from <url>\` or \`airfeed-engine import <bundle.tar>\``);
        return;
      }
      console.log(`${description}:`);
      console.log(
        table(
          ['GROUP', 'SOURCE', 'RECORDS', 'AFFECTED', 'LAST UPDATE', 'DATA AS OF', 'AGE', ''],
          rows.map((r) => [r.name, r.source, r.records, r.affected, when(r.lastUpdate), when(r.dataAsOf), age(r.ageMs), r.stale ? 'STALE' : '']),
        ),
      );
      if (stale.length > 0) console.log(`\nwarning: ${stale.length} groups are older than ${age(limit)}: sync again or import a newer bundle`);
    });
  db.command('migrate')
    .description('apply pending schema migrations (also done on every start)')
    .action(async () => {
      const { engineSchemaStatus, migrateEngine } = await import('../store/db.ts');
      const { applied, status } = await withEngine(async (ctx) => ({ applied: await migrateEngine(ctx.db.sql, ctx.log), status: await engineSchemaStatus(ctx.db.sql) }), { migrate: false });
      console.log(applied.length > 0 ? `applied migrations ${applied.join(', ')}; schema at version ${status.current}` : `schema up to date (version ${status.current})`);
    });
}
