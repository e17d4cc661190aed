/**
 * Import: verify everything first (a full streaming pass, no database needed), then, holding the
 * advisory lock of every driver owning the bundle's groups, check order against what is installed
 * (no rollback of a full bundle, a delta only on exactly its base), then apply every group in ONE
 * transaction through the same apply path as a sync. This side assigns its own change-sequence
 * values, so engines syncing from it get ordinary deltas. The apply pass reads the file again and
 * re-checks every member digest as it goes: a file changed between the passes makes the transaction
 * roll back. A refusal, a crash or a bad bundle leaves the database exactly as it was.
 *
 * A bundle of format 1 (airfeed 0.1) carries records of schema 1: each is validated and upgraded to
 * the current schema on the way in (drivers/_framework/record-v1.ts), so its hash here is the
 * upgraded document's; one that cannot be upgraded refuses the bundle (BUNDLE_INVALID, naming it).
 */
import type { Logger } from 'pino';
import { canonicalJson } from '../../drivers/_framework/canonical.ts';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { readRecord } from '../../drivers/_framework/record-v1.ts';
import type { Progress } from '../../drivers/_framework/types.ts';
import type { OutputsNotifier } from '../outputs/notifier.ts';
import { applyGroupInTransaction, type CanonicalRecord } from '../storage/apply.ts';
import {
  ensureImportGroups,
  getInstalledBundles,
  groupDrivers,
  type ImportedGroup,
  recordBundleImport,
} from '../storage/bundles.ts';
import type { Sql, Tx } from '../storage/db.ts';
import { type DriverLock, lockDriver } from '../storage/locks.ts';
import type { TrustStore } from '../../bundles/keys.ts';
import type { Manifest } from '../../bundles/manifest.ts';
import type { ParsedLine } from '../../bundles/members.ts';
import { checkBundleOrder } from '../../bundles/order.ts';
import { groupMemberLines, groupsInArchiveOrder, MemberSequence, openBundle, type VerifiedBundle, verifyBundle } from '../../bundles/verify.ts';

export interface ImportOptions {
  trust: TrustStore;
  /** Install a full bundle older than the one installed (a deliberate rollback). */
  allowDowngrade?: boolean;
  allowExpired?: boolean;
  /** The time expiry is judged against (default: now). */
  now?: Date;
  /** Wait for a sync of the same drivers instead of refusing at once. */
  wait?: boolean;
  /** Directory for apply's spool files (default: the OS temp directory). */
  spoolDir?: string;
  progress?: Progress;
  log?: Logger;
  /** What the import history records as the file (default: `file`); an upload names itself. */
  label?: string;
  /** Told after an import committed (outputs built from the store rebuild). */
  outputs?: OutputsNotifier;
}

export interface ImportResult {
  status: 'imported' | 'unchanged';
  file: string;
  bundleId: string;
  kind: 'full' | 'delta';
  keyId: string;
  keyFile: string;
  created: string;
  /** The bundle_imports row, when something was imported. */
  importId: number | null;
  groups: ImportedGroup[];
  /** One sentence for people. */
  message: string;
}

/** The parsed lines of one group's members (see groupMemberLines). */
async function* groupLines(seq: MemberSequence, file: string, m: Manifest, group: string): AsyncGenerator<ParsedLine> {
  for await (const { parsed } of groupMemberLines(seq, file, m, group)) yield parsed;
}

/** A format 1 record document, upgraded to the current schema as canonical JSON; BUNDLE_INVALID naming it otherwise. */
function upgradedDoc(doc: string, file: string, group: string, id: string): string {
  const where = `bundle ${file}: group ${group}: record ${id}`;
  try {
    return canonicalJson(readRecord(JSON.parse(doc) as unknown, where));
  } catch (err) {
    const why = err instanceof SyntaxError ? `${where}: not JSON (${err.message})` : (err as Error).message;
    throw new AirfeedError('BUNDLE_INVALID', `${why} (a format 1 bundle's records are upgraded on import)`, { cause: err });
  }
}

/** Two views of one group's line stream for apply: the records first, then (after them) the tombstone ids. */
function splitLines(
  lines: AsyncGenerator<ParsedLine>,
  group: string,
  file: string,
  formatVersion: number,
): { records: AsyncGenerator<CanonicalRecord>; deletions: AsyncGenerator<string> } {
  let held: ParsedLine | undefined;
  let recordsDone = false;
  async function* records(): AsyncGenerator<CanonicalRecord> {
    for (let n = await lines.next(); !n.done; n = await lines.next()) {
      if (n.value.deleted) {
        held = n.value;
        break;
      }
      const doc = n.value.doc?.toString('utf8') ?? '';
      yield { id: n.value.id, namespace: group, doc: formatVersion === 1 ? upgradedDoc(doc, file, group, n.value.id) : doc };
    }
    recordsDone = true;
  }
  async function* deletions(): AsyncGenerator<string> {
    if (!recordsDone) throw new Error('apply read the deletions before the records');
    if (held) yield held.id;
    for (let n = await lines.next(); !n.done; n = await lines.next()) {
      if (!n.value.deleted) throw new AirfeedError('BUNDLE_INVALID', `bundle ${file}: group ${group}: record ${n.value.id} follows a tombstone`);
      yield n.value.id;
    }
  }
  return { records: records(), deletions: deletions() };
}

/** The apply pass, inside the caller's transaction. */
async function applyAll(tx: Tx, v: VerifiedBundle, options: ImportOptions): Promise<ImportedGroup[]> {
  const m = v.manifest;
  await ensureImportGroups(tx, m.groups);
  const opened = await openBundle(v.file);
  try {
    if (!opened.manifestBytes.equals(v.manifestBytes)) throw new AirfeedError('BUNDLE_INVALID', `bundle ${v.file} changed after it was verified (manifest)`);
    const seq = new MemberSequence(opened, m);
    const out: ImportedGroup[] = [];
    for (const g of groupsInArchiveOrder(m)) {
      const lines = groupLines(seq, v.file, m, g.name);
      const { records, deletions } = splitLines(lines, g.name, v.file, m.formatVersion);
      options.progress?.phase(`apply ${g.name}`, g.records + g.tombstones);
      let seen = 0;
      try {
        const r = await applyGroupInTransaction(
          tx,
          { group: g.name, complete: m.kind === 'full', records, deletions },
          {
            ...(options.spoolDir ? { spoolDir: options.spoolDir } : {}),
            onProgress: (n) => {
              options.progress?.tick(n - seen);
              seen = n;
            },
          },
        );
        // Apply reads both views to the end; anything left would be a tombstone it never saw.
        if (!(await lines.next()).done) throw new AirfeedError('BUNDLE_INVALID', `bundle ${v.file}: group ${g.name} has lines apply did not read`);
        const { name, fromSeq, toSeq, records: nRecords, tombstones } = g;
        out.push({ name, fromSeq, toSeq, records: nRecords, tombstones, added: r.added, changed: r.changed, removed: r.removed, unchanged: r.unchanged });
      } finally {
        await lines.return(undefined);
      }
    }
    if (await seq.next()) throw new AirfeedError('BUNDLE_INVALID', `bundle ${v.file} changed after it was verified (extra members)`);
    return out;
  } finally {
    await opened.reader.close();
  }
}

async function lockAll(sql: Sql, drivers: string[], wait: boolean): Promise<DriverLock[]> {
  const locks: DriverLock[] = [];
  try {
    // Sorted, so two importers never wait on each other's locks in opposite order.
    for (const d of [...new Set(drivers)].sort()) locks.push(await lockDriver(sql, d, { wait }));
    return locks;
  } catch (err) {
    for (const l of locks.reverse()) await l.release();
    throw err;
  }
}

/** Verifies and imports a bundle; see the module comment. Throws AirfeedError naming the problem on refusal. */
export async function importBundle(sql: Sql, file: string, options: ImportOptions): Promise<ImportResult> {
  const v = await verifyBundle(file, options);
  const m = v.manifest;
  const names = m.groups.map((g) => g.name);
  const base = { file, bundleId: m.bundleId, kind: m.kind, keyId: v.key.keyId, keyFile: v.key.file, created: m.created };
  const locks = await lockAll(sql, [...m.groups.map((g) => g.driver), ...(await groupDrivers(sql, names))], options.wait ?? false);
  try {
    const installed = await getInstalledBundles(sql, names);
    if (checkBundleOrder(v, installed, options) === 'installed') {
      const at = [...installed.values()][0]?.installedAt.toISOString() ?? '';
      return {
        status: 'unchanged',
        ...base,
        importId: null,
        groups: [],
        message: `bundle ${m.bundleId} is already installed for all its ${names.length} groups (since ${at}); nothing to do`,
      };
    }
    const { groups, importId } = await sql.begin(async (tx) => {
      const groups = await applyAll(tx, v, options);
      const importId = await recordBundleImport(tx, {
        bundleId: m.bundleId,
        manifestSha256: v.manifestSha256,
        kind: m.kind,
        keyId: v.key.keyId,
        producer: `${m.producer.name} ${m.producer.version}`,
        created: new Date(m.created),
        expires: m.expires === null ? null : new Date(m.expires),
        baseBundleId: m.base?.bundleId ?? null,
        groups,
        file: options.label ?? file,
      });
      return { groups, importId };
    });
    const records = groups.reduce((s, g) => s + g.records, 0);
    options.log?.info({ bundleId: m.bundleId, kind: m.kind, keyId: v.key.keyId, groups: names, importId }, 'bundle imported');
    options.outputs?.({ source: 'import', groups: names });
    return {
      status: 'imported',
      ...base,
      importId,
      groups,
      message: `imported ${m.kind} bundle ${m.bundleId}: ${groups.length} groups, ${records} records${m.kind === 'delta' ? ` and ${groups.reduce((s, g) => s + g.tombstones, 0)} tombstones` : ''}`,
    };
  } finally {
    for (const l of locks.reverse()) await l.release();
  }
}
