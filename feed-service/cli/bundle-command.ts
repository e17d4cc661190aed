/** `airfeed keys generate|id` and `airfeed bundle export|verify|inspect|import|history`. */
import path from 'node:path';
import type { Command } from 'commander';
import type { ImportResult } from '../bundles/import.ts';
import type { TrustStore } from '../../bundles/keys.ts';
import type { Manifest } from '../../bundles/manifest.ts';
import type { VerifiedBundle } from '../../bundles/verify.ts';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { listBundleImports } from '../storage/bundles.ts';
import { withContext } from './context.ts';
import { inputFile, inputFiles, inputPaths, outputDirectory, outputFile } from '../../drivers/_framework/cli/args.ts';
import { table, when } from '../../drivers/_framework/cli/format.ts';
import { terminalProgress } from '../../drivers/_framework/cli/progress.ts';

const trustPaths = inputPaths('trusted key path');

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new AirfeedError('INPUT_INVALID', `--limit ${value} is not a positive whole number`);
  return n;
}

/** Trust from --trust paths, or the site's directory `<AIRFEED_HOME>/trusted-keys`. */
async function siteTrust(paths: string[]): Promise<TrustStore> {
  const [{ resolveTrust }, { loadConfig }] = await Promise.all([import('../../bundles/keys.ts'), import('../config.ts')]);
  return resolveTrust(paths, path.join(loadConfig().home, 'trusted-keys'));
}

function mb(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function groupTable(m: Manifest): string {
  return table(
    ['GROUP', 'FEED', 'SEQ RANGE', 'RECORDS', 'TOMBSTONES'],
    m.groups.map((g) => [g.name, g.feed, `(${g.fromSeq}, ${g.toSeq}]`, g.records, g.tombstones]),
  );
}

function describe(m: Manifest): string {
  return [
    `  bundle:   ${m.bundleId} (${m.kind}${m.base ? ` on ${m.base.bundleId}` : ''})`,
    `  created:  ${m.created}   expires: ${m.expires ?? 'never'}`,
    `  producer: ${m.producer.name} ${m.producer.version}, key ${m.producer.keyId}`,
  ].join('\n');
}

function verifiedJson(v: VerifiedBundle): Record<string, unknown> {
  const m = v.manifest;
  return {
    ok: true, file: v.file, bundleId: m.bundleId, kind: m.kind, base: m.base, created: m.created, expires: m.expires, expired: v.expired,
    keyId: v.key.keyId, keyFile: v.key.file, producer: m.producer, manifestSha256: v.manifestSha256, groups: m.groups,
    members: m.members.length, dataBytes: v.dataBytes, uncompressedBytes: v.uncompressedBytes,
  };
}

function renderImport(r: ImportResult): string {
  if (r.status === 'unchanged') return r.message;
  const rows = r.groups.map((g) => [g.name, g.records, g.tombstones, g.added, g.changed, g.removed, g.unchanged]);
  return `${r.message}\n  signed by key ${r.keyId} (${r.keyFile})\n\n${table(['GROUP', 'RECORDS', 'TOMBSTONES', 'ADDED', 'CHANGED', 'REMOVED', 'UNCHANGED'], rows)}`;
}

function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Ed25519 key pairs that sign bundles');
  keys
    .command('generate')
    .description('write a new key pair: <name>.key.pem (private, mode 0600) and <name>.pub.pem (public, for the sites that trust it)')
    .requiredOption('-o, --out <dir>', 'directory to write the two files into (created if missing)', outputDirectory('--out'))
    .option('--name <name>', 'file name stem', 'airfeed-bundle')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  airfeed keys generate --out ./keys\n  # on the air-gapped side: copy keys/airfeed-bundle.pub.pem into $AIRFEED_HOME/trusted-keys/')
    .action(async (flags: { out: string; name: string; json?: boolean }) => {
      // The bundle modules load on use (here and below), so that `--help` and `--version` start fast.
      const { generateKeyFiles } = await import('../../bundles/keys.ts');
      const k = await generateKeyFiles(flags.out, flags.name);
      console.log(
        flags.json
          ? JSON.stringify(k)
          : `key id:      ${k.keyId}\nprivate key: ${k.privateFile} (keep it on the exporting side only)\npublic key:  ${k.publicFile} (give it to the sites that import)`,
      );
    });
  keys
    .command('id')
    .description('print the key id (sha256 of the raw public key) of PEM key files, public or private')
    .argument('<file...>', 'PEM key files', inputFiles('key file'))
    .action(async (files: string[]) => {
      const { keyIdOf, loadPrivateKey, loadPublicKey } = await import('../../bundles/keys.ts');
      for (const f of files) {
        const id = await loadPublicKey(f).then((k) => k.keyId, async () => keyIdOf(await loadPrivateKey(f)));
        console.log(`${id}  ${f}`);
      }
    });
}

/** Registers `keys` and `bundle` on the program. */
export function registerBundles(program: Command): void {
  registerKeys(program);
  const bundle = program
    .command('bundle')
    .description('signed offline bundles: export on the connected side, verify and import on the air-gapped side');

  bundle
    .command('export')
    .description('write a signed bundle: every enabled group (or --groups), or with --base only what changed since that bundle')
    .requiredOption('-k, --key <private.pem>', 'Ed25519 private key that signs the bundle (from `airfeed keys generate`)', inputFile('private key'))
    .requiredOption('-o, --out <file.tar>', 'bundle file to write (written to <file>.partial, then renamed)', outputFile('--out', 'the bundle file to write'))
    .option('-g, --groups <names...>', 'only these groups (space or comma separated)')
    .option('-b, --base <manifest.json|bundle.tar>', 'make a delta on this earlier bundle: records and tombstones newer than it covered', inputFile('base bundle'))
    .option('--expires-in <duration>', 'refuse the bundle on import after this long, e.g. 30d, 12h, 2w')
    .option('--created <iso-time>', 'creation time to record (default: now); the same state and time give byte-identical bundles')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  airfeed bundle export --key keys/airfeed-bundle.key.pem --out full.tar\n' +
        '  airfeed bundle export --key keys/airfeed-bundle.key.pem --out delta.tar --base full.tar --expires-in 30d\n' +
        '  airfeed bundle export --key k.pem --out alpine.tar --groups alpine:3.20,alpine:3.19',
    )
    .action(async (flags: { key: string; out: string; groups?: string[]; base?: string; expiresIn?: string; created?: string; json?: boolean }) => {
      const [{ exportBundle }, { loadPrivateKey }, { parseDuration }, { readBase }] = await Promise.all([
        import('../bundles/export.ts'),
        import('../../bundles/keys.ts'),
        import('../../bundles/manifest.ts'),
        import('../../bundles/verify.ts'),
      ]);
      const created = flags.created === undefined ? new Date() : new Date(flags.created);
      if (Number.isNaN(created.getTime())) throw new AirfeedError('INPUT_INVALID', `--created ${flags.created ?? ''} is not a time (use ISO 8601, e.g. 2025-01-31T00:00:00Z)`);
      const expires = flags.expiresIn ? new Date(created.getTime() + parseDuration(flags.expiresIn)) : null;
      const privateKey = await loadPrivateKey(flags.key);
      const base = flags.base ? await readBase(flags.base) : undefined;
      const groups = flags.groups?.flatMap((g) => g.split(',')).map((g) => g.trim()).filter(Boolean);
      const result = await withContext(async (ctx) => {
        const progress = terminalProgress('export');
        try {
          return await exportBundle(ctx.db.sql, {
            privateKey, out: flags.out, created, expires, progress,
            ...(groups ? { groups } : {}),
            ...(base ? { base } : {}),
          });
        } finally {
          progress.done();
        }
      });
      const m = result.manifest;
      if (flags.json) {
        console.log(JSON.stringify({ file: result.file, bytes: result.bytes, bundleId: m.bundleId, kind: m.kind, manifestSha256: result.manifestSha256, groups: m.groups }));
        return;
      }
      console.log(`wrote ${result.file} (${mb(result.bytes)}, ${m.members.length} data members)\n${describe(m)}\n\n${groupTable(m)}`);
    });

  bundle
    .command('verify')
    .description('check a bundle completely without a database: trusted signature, every member size and sha256, every record hash; print what it holds')
    .argument('<file>', 'the bundle (.tar)', inputFile('bundle'))
    .option('-t, --trust <file|dir>', 'trusted public key file or directory (repeatable; default: $AIRFEED_HOME/trusted-keys)', trustPaths, [])
    .option('--allow-expired', 'report an expired bundle without failing')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  airfeed bundle verify full.tar --trust producer.pub.pem\n  airfeed bundle verify delta.tar --json')
    .action(async (file: string, flags: { trust: string[]; allowExpired?: boolean; json?: boolean }) => {
      const { verifyBundle } = await import('../../bundles/verify.ts');
      const trust = await siteTrust(flags.trust);
      const progress = terminalProgress('verify');
      let v: VerifiedBundle;
      try {
        v = await verifyBundle(file, { trust, progress, ...(flags.allowExpired ? { allowExpired: true } : {}) });
      } finally {
        progress.done();
      }
      if (flags.json) {
        console.log(JSON.stringify(verifiedJson(v)));
        return;
      }
      console.log(
        `bundle ${file}: OK${v.expired ? ' (EXPIRED, allowed by --allow-expired)' : ''}\n${describe(v.manifest)}\n` +
          `  signed by a trusted key: ${v.key.file}\n  data:     ${v.manifest.members.length} members, ${mb(v.dataBytes)} (${mb(v.uncompressedBytes)} uncompressed), every digest and record hash checked\n\n` +
          groupTable(v.manifest),
      );
    });

  bundle
    .command('inspect')
    .description('print the manifest of a bundle, without verifying anything (use `bundle verify` for that)')
    .argument('<file>', 'the bundle (.tar)', inputFile('bundle'))
    .option('--json', 'print the manifest bytes exactly as signed')
    .action(async (file: string, flags: { json?: boolean }) => {
      const { readManifest } = await import('../../bundles/verify.ts');
      const { manifest, bytes } = await readManifest(file);
      console.log(flags.json ? bytes.toString('utf8') : JSON.stringify(manifest, null, 2));
    });

  bundle
    .command('import')
    .description('verify a bundle completely, then apply it in one transaction (full: each group as a snapshot; delta: on exactly its base)')
    .argument('<file>', 'the bundle (.tar)', inputFile('bundle'))
    .option('-t, --trust <file|dir>', 'trusted public key file or directory (repeatable; default: $AIRFEED_HOME/trusted-keys)', trustPaths, [])
    .option('--allow-downgrade', 'install a full bundle older than the one installed (a deliberate rollback)')
    .option('--allow-expired', 'import a bundle past its expiry time')
    .option('-w, --wait', 'wait for a running sync of the same drivers instead of failing')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  airfeed bundle import full.tar --trust producer.pub.pem\n  airfeed bundle import delta.tar        # trusts the keys in $AIRFEED_HOME/trusted-keys')
    .action(async (file: string, flags: { trust: string[]; allowDowngrade?: boolean; allowExpired?: boolean; wait?: boolean; json?: boolean }) => {
      const { importBundle } = await import('../bundles/import.ts');
      const trust = await siteTrust(flags.trust);
      const result = await withContext(async (ctx) => {
        const progress = terminalProgress('import');
        try {
          return await importBundle(ctx.db.sql, file, {
            trust, progress, log: ctx.log, spoolDir: path.join(ctx.config.home, 'tmp'),
            ...(flags.allowDowngrade ? { allowDowngrade: true } : {}),
            ...(flags.allowExpired ? { allowExpired: true } : {}),
            ...(flags.wait ? { wait: true } : {}),
          });
        } finally {
          progress.done();
        }
      });
      console.log(flags.json ? JSON.stringify(result) : renderImport(result));
    });

  bundle
    .command('history')
    .description('list imported bundles, newest first: when, bundle id, kind, groups, signing key')
    .option('-n, --limit <n>', 'how many', positiveInt, 50)
    .option('--json', 'print JSON')
    .action(async (flags: { limit: number; json?: boolean }) => {
      const rows = await withContext((ctx) => listBundleImports(ctx.db.sql, { limit: flags.limit }));
      if (flags.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) {
        console.log('no bundle imported yet: `airfeed bundle import <file.tar>`');
        return;
      }
      console.log(
        table(
          ['IMPORTED', 'BUNDLE', 'KIND', 'GROUPS', 'RECORDS', 'KEY', 'FILE'],
          rows.map((r) => [when(r.importedAt), r.bundleId, r.kind, r.groups.map((g) => g.name).join(','), r.groups.reduce((s, g) => s + g.records, 0), r.keyId.slice(0, 16), r.file]),
        ),
      );
    });
}
