/** `airfeed groups list|enable|disable`. */
import type { Command } from 'commander';
import { type GroupRow, listGroups, setEnabled } from '../storage/groups.ts';
import { withContext } from './context.ts';
import { table, when } from '../../drivers/_framework/cli/format.ts';

/** The STALE cell: a group whose input vanished upstream is served but frozen. */
export function staleCell(g: GroupRow): string {
  return g.vanishedAt ? `yes: vanished upstream ${when(g.vanishedAt)}` : 'no';
}

/** Registers `groups` on the program. */
export function registerGroups(program: Command): void {
  const groups = program.command('groups').description('list feed groups and enable or disable them');

  groups
    .command('list')
    .description('list groups: feed, group, enabled, records, last sync, last success, and whether the group is stale (its input vanished upstream; its data is kept)')
    .option('--feed <name>', 'only groups of this feed')
    .option('--json', 'print JSON (one object per group)')
    .action(async (flags: { feed?: string; json?: boolean }) => {
      const rows = await withContext((ctx) => listGroups(ctx.db.sql, flags.feed ? { feed: flags.feed } : {}));
      if (flags.json) {
        console.log(JSON.stringify(rows.map(({ state: _s, ...g }) => ({ ...g, stale: g.vanishedAt !== null })), null, 2));
        return;
      }
      if (rows.length === 0) {
        console.log('no groups yet: run `airfeed sync` (or `airfeed demo`) first');
        return;
      }
      console.log(
        table(
          ['FEED', 'GROUP', 'ENABLED', 'RECORDS', 'LAST SYNC', 'LAST SUCCESS', 'STALE'],
          rows.map((g) => [
            g.feed,
            g.name,
            g.enabled && g.feedEnabled ? 'yes' : g.enabled ? 'no (feed disabled)' : 'no',
            g.recordCount,
            when(g.lastSync),
            when(g.lastSuccess),
            staleCell(g),
          ]),
        ),
      );
    });

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    groups
      .command(`${verb} <name...>`)
      .description(
        enabled
          ? 'enable groups or whole feeds: they are synced and served again, with the data they kept'
          : 'disable groups or whole feeds: they are neither synced nor served; their data is kept',
      )
      .addHelpText('after', `\nExamples:\n  airfeed groups ${verb} alpine:3.20\n  airfeed groups ${verb} vulnerabilities`)
      .action(async (names: string[]) => {
        const done = await withContext(async (ctx) => {
          const out = [];
          for (const name of names) out.push(await setEnabled(ctx.db.sql, name, enabled));
          return out;
        });
        for (const d of done) console.log(`${d.kind} ${d.name} ${enabled ? 'enabled' : 'disabled'}`);
      });
  }
}
