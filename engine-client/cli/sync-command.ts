/** `airfeed-engine sync --from <url>` and `airfeed-engine import <bundle.tar>`: the two ways data gets in. */
import path from 'node:path';
import type { Command } from 'commander';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { inputFile, inputPaths } from '../../drivers/_framework/cli/args.ts';
import { table } from '../../drivers/_framework/cli/format.ts';
import { terminalProgress } from '../../drivers/_framework/cli/progress.ts';
import { engineTrust, withEngine } from './context.ts';

function protocolOf(value: string): 'auto' | 'v2' | 'v1' {
  if (value === 'auto' || value === 'v2' || value === 'v1') return value;
  throw new AirfeedError('INPUT_INVALID', `--protocol ${value} is not one of auto, v2, v1`);
}

/** Registers `sync` and `import` on the program. */
export function registerSources(program: Command): void {
  program
    .command('sync')
    .summary('pull what changed from a feed service (/v2 cursor, or Anchore /v1)')
    .description(
      'pull every enabled group from a feed service: /v2 by change-sequence cursor (only what changed ' +
        'since the last sync; deletions included), or an Anchore-style /v1 service by `since`. ' +
        'Each group is applied in one transaction: a failure keeps its previous data.',
    )
    .requiredOption('--from <url>', 'feed service base URL (http://feeds.internal:8080), or an Anchore /v1/service/feeds URL')
    .option('--protocol <p>', 'auto (v2, falling back to v1), v2 or v1', 'auto')
    .option('--groups <names>', 'only these groups (comma-separated)')
    .option('--token <token>', 'read token for a service that requires one (default: $AIRFEED_ENGINE_TOKEN)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  airfeed-engine sync --from http://feeds.internal:8080\n  airfeed-engine sync --from https://anchore.example/v1/service/feeds --protocol v1 --groups alpine:3.20')
    .action(async (flags: { from: string; protocol: string; groups?: string; token?: string; json?: boolean }) => {
      // Loaded on use (here and in import), so that `--help` and `--version` start fast.
      const [{ HttpClient }, { syncFromService }] = await Promise.all([import('../../drivers/_framework/http.ts'), import('../sources/service.ts')]);
      const protocol = protocolOf(flags.protocol);
      const token = flags.token ?? process.env['AIRFEED_ENGINE_TOKEN'];
      const result = await withEngine(async (ctx) => {
        const progress = terminalProgress('sync');
        try {
          return await syncFromService(ctx.db.sql, {
            url: flags.from,
            http: new HttpClient(),
            ...(token ? { token } : {}),
            log: ctx.log,
            progress,
            protocol,
            spoolDir: path.join(ctx.config.home, 'tmp'),
            ...(flags.groups ? { groups: flags.groups.split(',').map((g) => g.trim()).filter(Boolean) } : {}),
          });
        } finally {
          progress.done();
        }
      });
      if (flags.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(`synced from ${result.url} (${result.protocol}):`);
      console.log(
        table(
          ['GROUP', 'MODE', 'TRANSFERRED', 'UPSERTS', 'DELETIONS', 'RECORDS', 'CURSOR'],
          result.groups.map((g) => [g.group, g.mode, g.transferred, g.upserts, g.deletions, g.records, g.cursor ?? (g.since ? String(g.since) : '-')]),
        ),
      );
      if (result.missing.length > 0) console.log(`note: the service no longer lists ${result.missing.join(', ')}; their data was kept`);
    });

  program
    .command('import')
    .summary('verify a signed bundle, then load it in one transaction')
    .description(
      'verify a signed bundle completely (trusted signature, every member size and digest, every record ' +
        'hash, order against what is installed), then load it in one transaction. A refused bundle changes nothing.',
    )
    .argument('<bundle.tar>', 'bundle file written by `airfeed bundle export`', inputFile('bundle'))
    .option('-t, --trust <file|dir>', 'trusted public key file or directory (repeatable; default: $AIRFEED_ENGINE_HOME/trusted-keys)', inputPaths('trusted key path'), [])
    .option('--allow-expired', 'accept a bundle past its expiry time')
    .option('--allow-downgrade', 'accept a full bundle older than the one installed (a deliberate rollback)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  airfeed-engine import full.tar --trust producer.pub.pem\n  airfeed-engine import delta.tar      # trusts the keys in $AIRFEED_ENGINE_HOME/trusted-keys')
    .action(async (file: string, flags: { trust: string[]; allowExpired?: boolean; allowDowngrade?: boolean; json?: boolean }) => {
      const { importBundleIntoEngine } = await import('../sources/bundle.ts');
      const trust = await engineTrust(flags.trust);
      const result = await withEngine(async (ctx) => {
        const progress = terminalProgress('import');
        try {
          return await importBundleIntoEngine(ctx.db.sql, file, {
            trust,
            log: ctx.log,
            progress,
            spoolDir: path.join(ctx.config.home, 'tmp'),
            ...(flags.allowExpired ? { allowExpired: true } : {}),
            ...(flags.allowDowngrade ? { allowDowngrade: true } : {}),
          });
        } finally {
          progress.done();
        }
      });
      if (flags.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(result.message);
      if (result.groups.length > 0) {
        console.log(table(['GROUP', 'RECORDS', 'TOMBSTONES', 'UPSERTS', 'DELETIONS', 'TOTAL'], result.groups.map((g) => [g.name, g.records, g.tombstones, g.upserts, g.deletions, g.total])));
      }
    });
}
