/** `airfeed sync [driver…]`: fetch, parse and apply drivers, with progress and a per-group summary. */
import type { Command } from 'commander';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { SyncReport } from '../sync.ts';
import { withContext } from './context.ts';
import { urlOrDirectory } from '../../drivers/_framework/cli/args.ts';
import { table } from '../../drivers/_framework/cli/format.ts';
import { terminalProgress } from '../../drivers/_framework/cli/progress.ts';

interface SyncFlags {
  source?: string;
  force?: boolean;
  wait?: boolean;
  json?: boolean;
}

/**
 * Prints sync reports as a table of groups with their counts; a group new (or back) upstream says
 * so, and a group whose input vanished upstream gets a row saying its data is kept and stale.
 */
export function renderReports(reports: SyncReport[]): string {
  const rows: (string | number)[][] = [];
  for (const r of reports) {
    const names = Object.keys(r.groups).sort();
    if (names.length === 0 && r.vanished.length === 0) rows.push([r.driver, '-', 0, 0, 0, 0, r.status === 'failed' ? `failed: ${r.error ?? ''}` : r.status]);
    const appeared = new Map(r.appeared.map((a) => [a.group, a.returned ? ' (back upstream: no longer stale)' : ' (new group)']));
    for (const name of names) {
      const g = r.groups[name];
      if (!g) continue;
      const status = g.error ? `failed: ${g.error}` : g.skipped ? 'unchanged' : 'applied';
      rows.push([r.driver, name, g.added, g.changed, g.removed, g.unchanged, `${status}${appeared.get(name) ?? ''}`]);
    }
    // Disabled groups are not synced, but their coming and going is still news.
    for (const a of r.appeared.filter((x) => !(x.group in r.groups))) {
      rows.push([r.driver, a.group, '-', '-', '-', '-', `${a.returned ? 'back upstream: no longer stale' : 'new group'}; not synced (disabled)`]);
    }
    for (const v of r.vanished) {
      rows.push([r.driver, v.group, '-', '-', '-', '-', `vanished upstream ${v.newly ? 'now' : `since ${v.since}`}: data kept and served, group marked stale`]);
    }
  }
  return table(['DRIVER', 'GROUP', 'ADDED', 'CHANGED', 'REMOVED', 'UNCHANGED', 'STATUS'], rows);
}

/** Runs the sync of the named drivers (all when none) and returns their reports. */
export async function runSyncCommand(ids: string[], flags: SyncFlags): Promise<SyncReport[]> {
  // Loaded on use, so that `--help` and `--version` start fast.
  const [{ DRIVERS, getDriver }, { syncDriver }] = await Promise.all([import('../../drivers/index.ts'), import('../sync.ts')]);
  const drivers = ids.length > 0 ? ids.map(getDriver) : [...DRIVERS];
  if (flags.source && drivers.length !== 1) {
    throw new AirfeedError('INPUT_INVALID', '--source names one upstream, so name exactly one driver with it (e.g. `airfeed sync alpine --source ./mirror`)');
  }
  return withContext(async (ctx) => {
    const reports: SyncReport[] = [];
    for (const driver of drivers) {
      const progress = terminalProgress(driver.id);
      try {
        reports.push(
          await syncDriver(ctx.db.sql, driver, {
            home: ctx.config.home,
            http: ctx.http,
            log: ctx.log,
            progress,
            settings: ctx.settings.for(driver),
            ...(flags.source ? { source: flags.source } : {}),
            ...(flags.force ? { force: true } : {}),
            ...(flags.wait ? { wait: true } : {}),
          }),
        );
      } finally {
        progress.done();
      }
    }
    return reports;
  });
}

/** Registers `sync` on the program. */
export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('fetch upstream data and apply it: new and changed records get the next change sequence, removed ones become tombstones')
    .argument('[driver...]', 'driver ids to sync (default: all; see `airfeed drivers`)')
    .option('-s, --source <url|dir>', "upstream base URL or local mirror directory (default: the driver's upstream)", urlOrDirectory('mirror directory'))
    .option('-f, --force', 're-parse and re-apply every group even when the inputs did not change')
    .option('-w, --wait', 'wait for another process syncing the same driver instead of failing')
    .option('--json', 'print the reports as JSON')
    .addHelpText('after', '\nExamples:\n  airfeed sync alpine\n  airfeed sync alpine --source /mnt/mirror/alpine-secdb\n  airfeed sync --json')
    .action(async (ids: string[], flags: SyncFlags) => {
      const reports = await runSyncCommand(ids, flags);
      console.log(flags.json ? JSON.stringify(reports, null, 2) : renderReports(reports));
      const failed = reports.filter((r) => r.status === 'failed');
      if (failed.length > 0) {
        throw new AirfeedError(
          failed[0]?.errorCode ?? 'APPLY_FAILED',
          `sync failed for ${failed.map((r) => `${r.driver} (${r.error ?? 'see above'})`).join(', ')}`,
        );
      }
    });
}
