/** `airfeed export grype --out DIR`, `airfeed export osv --out DIR` and `airfeed outputs`. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { table, when } from '../../drivers/_framework/cli/format.ts';
import { terminalProgress } from '../../drivers/_framework/cli/progress.ts';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { buildGrypeDatabase, type BuildResult } from '../outputs/grype/build.ts';
import { LATEST_FILE, MODEL_DIR } from '../outputs/grype/package.ts';
import { buildOsvExport, CSV_FILE, ECOSYSTEMS_FILE, type OsvExportResult, ZIP_FILE } from '../outputs/osv/build.ts';
import { listOutputs } from '../storage/outputs.ts';
import { withContext } from './context.ts';

function mb(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Builds into a scratch directory inside `out`, then moves the archive into `out/v6/` and replaces
 * `out/v6/latest.json` last (rename), so a reader of the directory never sees a listing that names a
 * missing or partial archive. Archives of earlier exports in `out/v6/` are removed afterwards.
 */
export async function exportGrype(run: (dir: string) => Promise<BuildResult>, out: string): Promise<{ result: BuildResult; latest: string; archive: string }> {
  const target = path.join(out, MODEL_DIR);
  await fs.mkdir(target, { recursive: true });
  const scratch = await fs.mkdtemp(path.join(out, '.airfeed-grype-'));
  try {
    const result = await run(scratch);
    const name = path.basename(result.archive);
    const archive = path.join(target, name);
    const latest = path.join(target, LATEST_FILE);
    await fs.rename(result.archive, archive);
    const tmp = `${latest}.${randomBytes(3).toString('hex')}.tmp`;
    await fs.rename(path.join(scratch, LATEST_FILE), tmp);
    await fs.rename(tmp, latest);
    for (const f of await fs.readdir(target)) {
      if (f !== name && /^vulnerability-db_v\d+\.\d+\.\d+_.*\.tar\.zst$/.test(f)) await fs.rm(path.join(target, f), { force: true });
    }
    return { result, latest, archive };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Builds into a scratch directory inside `out`, then moves each ecosystem's files into place, the
 * top-level modified_id.csv after them and ecosystems.txt last (renames), so a reader that starts
 * from ecosystems.txt finds every file it lists complete. Ecosystem directories of earlier exports
 * that this one no longer holds are removed afterwards.
 */
export async function exportOsv(run: (dir: string) => Promise<OsvExportResult>, out: string): Promise<OsvExportResult> {
  await fs.mkdir(out, { recursive: true });
  const scratch = await fs.mkdtemp(path.join(out, '.airfeed-osv-'));
  try {
    const result = await run(scratch);
    const before = (await fs.readFile(path.join(out, ECOSYSTEMS_FILE), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
    for (const { name } of result.ecosystems) {
      await fs.mkdir(path.join(out, name), { recursive: true });
      for (const f of [ZIP_FILE, CSV_FILE]) await fs.rename(path.join(scratch, name, f), path.join(out, name, f));
    }
    await fs.rename(path.join(scratch, CSV_FILE), path.join(out, CSV_FILE));
    await fs.rename(path.join(scratch, ECOSYSTEMS_FILE), path.join(out, ECOSYSTEMS_FILE));
    const now = new Set(result.ecosystems.map((e) => e.name));
    for (const eco of before) {
      if (now.has(eco) || eco.includes('/') || eco.startsWith('.')) continue;
      for (const f of [ZIP_FILE, CSV_FILE]) await fs.rm(path.join(out, eco, f), { force: true });
      await fs.rmdir(path.join(out, eco)).catch(() => undefined);
    }
    return result;
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

async function outDir(dir: string): Promise<string> {
  const out = path.resolve(dir);
  await fs.mkdir(out, { recursive: true }).catch((err: unknown) => {
    throw new AirfeedError('INPUT_INVALID', `--out ${out}: cannot create the directory: ${(err as Error).message}`, { cause: err });
  });
  return out;
}

export function registerExport(program: Command): void {
  const exp = program.command('export').description('write what other tools read, built from the store');
  exp
    .command('grype')
    .description("write grype's v6 database as grype's download server lays it out: <out>/v6/latest.json and the .tar.zst archive it names")
    .requiredOption('-o, --out <dir>', 'directory to write into (created if missing); serve it as GRYPE_DB_UPDATE_URL, or import the archive')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nThe database holds every enabled group grype output covers (distro releases, language ecosystems, NVD, KEV, EPSS); its `built` time is the newest data\'s\n' +
        '(last successful sync, or the creation time of the imported bundle), so grype\'s age check measures the data.\n\n' +
        'Examples:\n  airfeed export grype --out /srv/grype\n' +
        '  GRYPE_DB_UPDATE_URL=http://mirror.example/grype grype db update   # with /srv/grype served there\n' +
        '  grype db import /srv/grype/v6/vulnerability-db_v6.1.9_*.tar.zst',
    )
    .action(async (flags: { out: string; json?: boolean }) => {
      const out = await outDir(flags.out);
      const { result, latest, archive } = await withContext(async (ctx) => {
        const progress = terminalProgress('grype');
        try {
          return await exportGrype((dir) => buildGrypeDatabase(ctx.db.sql, dir, { progress }), out);
        } finally {
          progress.done();
        }
      });
      if (flags.json) {
        console.log(JSON.stringify({
          latest, archive, schemaVersion: result.schemaVersion, built: result.latest.built, checksum: result.latest.checksum,
          archiveBytes: result.archiveBytes, dbBytes: result.dbBytes, dataSeq: result.dataSeq, records: result.records,
          groups: result.groups, unmapped: result.unmapped, counts: result.counts,
        }));
        return;
      }
      console.log(
        `wrote ${archive} (${mb(result.archiveBytes)}; vulnerability.db ${mb(result.dbBytes)})\n` +
          `      ${latest}\n` +
          `  schema ${result.schemaVersion}, built ${result.latest.built} (the newest data), data sequence ${result.dataSeq}\n` +
          `  ${result.counts.vulnerabilities} vulnerabilities, ${result.counts.affectedPackages} affected packages from ${result.records} records\n` +
          (result.unmapped.length > 0 ? `  not covered yet (left out): ${result.unmapped.join(', ')}\n` : '') +
          '\n' +
          table(['GROUP', 'RECORDS'], result.groups.map((g) => [g.name, g.records])),
      );
    });

  exp
    .command('osv')
    .description("write osv-scanner's offline databases as osv.dev lays them out: <out>/ecosystems.txt, <out>/<Ecosystem>/all.zip and modified_id.csv")
    .requiredOption('-o, --out <dir>', 'directory to write into (created if missing); for osv-scanner: $OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY/osv-scanner')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nOne all.zip per OSV ecosystem the enabled groups hold (Alpine, Debian, Ubuntu, Red Hat as OSV names them, and the\n' +
        'language ecosystems: npm, PyPI, Maven, Go, crates.io, RubyGems, NuGet, Packagist), each document the OSV view of\n' +
        '/v2/vulnerabilities/<id>/osv. NVD and the enrichment feeds are not OSV ecosystems and are left out.\n\n' +
        'Examples:\n  airfeed export osv --out /srv/osv\n' +
        '  airfeed export osv --out ~/.cache/osv-scanner && OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY=~/.cache osv-scanner scan --offline-vulnerabilities -L package-lock.json',
    )
    .action(async (flags: { out: string; json?: boolean }) => {
      const out = await outDir(flags.out);
      const result = await withContext(async (ctx) => {
        const progress = terminalProgress('osv');
        try {
          return await exportOsv((dir) => buildOsvExport(ctx.db.sql, dir, { progress }), out);
        } finally {
          progress.done();
        }
      });
      if (flags.json) {
        console.log(JSON.stringify({
          out, ecosystems: result.ecosystems, files: result.files, dataSeq: result.dataSeq, built: result.built?.toISOString() ?? null,
          records: result.records, documents: result.documents, withoutAffected: result.withoutAffected, groups: result.groups, unmapped: result.unmapped,
        }));
        return;
      }
      const bytes = result.files.reduce((s, f) => s + f.bytes, 0);
      console.log(
        `wrote ${path.join(out, ECOSYSTEMS_FILE)} and ${result.ecosystems.length} ecosystems (${mb(bytes)})\n` +
          `  ${result.documents} OSV documents from ${result.records} records, data sequence ${result.dataSeq}\n` +
          (result.unmapped.length > 0 ? `  not OSV ecosystems (left out): ${result.unmapped.join(', ')}\n` : '') +
          '\n' +
          table(['ECOSYSTEM', 'DOCUMENTS', 'ALL.ZIP'], result.ecosystems.map((e) => [e.name, e.documents, mb(result.files.find((f) => f.path === `${e.name}/${ZIP_FILE}`)?.bytes ?? 0)])),
      );
    });

  program
    .command('outputs')
    .description('show when each output served by `airfeed serve` (the grype database, the osv-scanner databases) was last built, and from which data')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const rows = await withContext((ctx) => listOutputs(ctx.db.sql));
      if (flags.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) {
        console.log('no output built yet: `airfeed serve` builds the grype and osv-scanner databases after the first sync or import (`airfeed export grype|osv --out DIR` writes one now)');
        return;
      }
      console.log(
        table(
          ['OUTPUT', 'BUILT', 'DATA TIME', 'DATA SEQ', 'GROUPS', 'SIZE', 'LAST ERROR'],
          rows.map((o) => [
            o.name, when(o.builtAt), when(o.dataTime), o.dataSeq ?? '-', o.groups.length, o.bytes === null ? '-' : mb(o.bytes),
            o.lastError === null ? '' : `${when(o.lastErrorAt)}: ${o.lastError}`,
          ]),
        ),
      );
    });
}
