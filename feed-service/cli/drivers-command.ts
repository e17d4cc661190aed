/** `airfeed drivers`: the registry, with each driver's settings and whether they are set (never a secret's value). */
import type { Command } from 'commander';
import type { Driver } from '../../drivers/_framework/types.ts';
import { table } from '../../drivers/_framework/cli/format.ts';
import type { DriverSettings, SettingStatus } from '../settings.ts';

export interface DriverListing {
  id: string;
  feed: string;
  source: string;
  schedule: string;
  parserVersion: string;
  description: string;
  settings: SettingStatus[];
}

/** The listing of `drivers`: plain settings with their values, secrets only as set or not. */
export function driverListing(drivers: readonly Driver[], settings: DriverSettings): DriverListing[] {
  return drivers.map((d) => ({
    id: d.id,
    feed: d.feed.name,
    source: d.defaultSource,
    schedule: d.defaultSchedule,
    parserVersion: d.parserVersion,
    description: d.description,
    settings: settings.status(d),
  }));
}

function settingCell(s: SettingStatus): string {
  const state = !s.set ? 'not set' : s.secret ? `set (${s.from ?? ''})` : `${s.value ?? ''} (${s.from ?? ''})`;
  return `${s.name}${s.secret ? ' [secret]' : ''}: ${state}`;
}

/** The table of `drivers`, then one line per setting with its variable and description. */
export function renderDrivers(rows: readonly DriverListing[], configFile: string): string {
  const lines = [table(['DRIVER', 'FEED', 'UPSTREAM', 'SCHEDULE', 'SETTINGS'], rows.map((r) => [
    r.id, r.feed, r.source, r.schedule, r.settings.length === 0 ? '-' : r.settings.map(settingCell).join(', '),
  ]))];
  const all = rows.flatMap((r) => r.settings.map((s) => ({ driver: r.id, ...s })));
  if (all.length > 0) {
    lines.push('', `settings (environment variable, or "drivers.<driver>.<setting>" in ${configFile}):`);
    for (const s of all) lines.push(`  ${s.env}  ${s.description}`);
  }
  return lines.join('\n');
}

/** Registers `drivers` on the program. */
export function registerDrivers(program: Command): void {
  program
    .command('drivers')
    .description('list the drivers: id, feed, default upstream, default schedule, and their settings (whether each is set; a secret is never shown)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      // On use, not at the top: `--help` stays fast.
      const [{ DRIVERS }, { loadDriverSettings }] = await Promise.all([import('../../drivers/index.ts'), import('../settings.ts')]);
      const settings = await loadDriverSettings(DRIVERS);
      for (const w of settings.warnings) console.error(`airfeed: warning: ${w}`);
      const rows = driverListing(DRIVERS, settings);
      console.log(flags.json ? JSON.stringify(rows, null, 2) : renderDrivers(rows, settings.file));
    });
}
