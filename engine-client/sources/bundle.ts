/**
 * Offline source: a signed bundle, imported into the engine's store with exactly the service's
 * checks. bundles/verify.ts verifies everything in one streaming pass before anything is written;
 * then, in ONE transaction holding every group's lock, bundles/order.ts checks the order against the
 * bundle installed per group, and every group is written: a full bundle replaces each group, a delta
 * applies its records and tombstones. The apply pass reads the file again through the same member
 * checks, so a file changed between the passes rolls the whole import back.
 */
import type { Logger } from 'pino';
import type { TrustStore } from '../../bundles/keys.ts';
import type { Manifest } from '../../bundles/manifest.ts';
import { checkBundleOrder, type InstalledBundleState } from '../../bundles/order.ts';
import { groupMemberLines, groupsInArchiveOrder, MemberSequence, openBundle, type VerifiedBundle, verifyBundle } from '../../bundles/verify.ts';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { Progress } from '../../drivers/_framework/types.ts';
import type { Sql, Tx } from '../store/db.ts';
import { type GroupState, lockGroups, setGroupState, type VulnChange, writeGroup } from '../store/write.ts';
import { fromNormalized } from './convert.ts';

export interface EngineImportOptions {
  trust: TrustStore;
  allowExpired?: boolean;
  /** Install a full bundle older than the one installed (a deliberate rollback). */
  allowDowngrade?: boolean;
  /** The time expiry is judged against (default: now). */
  now?: Date;
  log?: Logger;
  progress?: Progress;
  /** Directory for temp files of a first import (default: the OS temp directory). */
  spoolDir?: string;
}

export interface EngineImportedGroup {
  name: string;
  feed: string;
  /** Records and tombstones the bundle carries for the group. */
  records: number;
  tombstones: number;
  /** Records inserted or changed, and removed, in the engine. */
  upserts: number;
  deletions: number;
  /** The group's records and affected rows afterwards. */
  total: number;
  affected: number;
}

export interface EngineImportResult {
  status: 'imported' | 'unchanged';
  file: string;
  bundleId: string;
  kind: 'full' | 'delta';
  keyId: string;
  created: string;
  groups: EngineImportedGroup[];
  /** One sentence for people. */
  message: string;
}

/** The source label of a group installed from a bundle. */
export function bundleSource(bundleId: string): string {
  return `bundle ${bundleId}`;
}

/** The installed bundle per group, in the form the order rules take. */
function installedBundles(state: Map<string, GroupState>): Map<string, InstalledBundleState> {
  const out = new Map<string, InstalledBundleState>();
  for (const [name, g] of state) {
    if (g.bundleId === null || g.bundleManifestSha256 === null || g.bundleCreated === null || g.bundleToSeq === null) continue;
    out.set(name, { bundleId: g.bundleId, manifestSha256: g.bundleManifestSha256, created: g.bundleCreated, sourceToSeq: g.bundleToSeq });
  }
  return out;
}

/** The changes of one group, from its members, which must be the next entries of the archive. */
async function* groupChanges(seq: MemberSequence, file: string, m: Manifest, group: string): AsyncGenerator<VulnChange> {
  for await (const { parsed, member, lineNo } of groupMemberLines(seq, file, m, group)) {
    if (parsed.deleted) {
      yield { id: parsed.id, deleted: true };
      continue;
    }
    const where = `bundle ${file}: member ${member.path} line ${lineNo}`;
    const docText = parsed.doc?.toString('utf8') ?? '';
    let doc: unknown;
    try {
      doc = JSON.parse(docText);
    } catch (err) {
      throw new AirfeedError('BUNDLE_INVALID', `${where}: the doc of record ${parsed.id} is not JSON (${(err as Error).message})`, { cause: err });
    }
    const change = fromNormalized(doc, group, parsed.id, docText);
    if (typeof change === 'string') throw new AirfeedError('BUNDLE_INVALID', `${where}: ${change}`);
    yield change;
  }
}

/** The apply pass, inside the caller's transaction. */
async function applyAll(tx: Tx, v: VerifiedBundle, progress: Progress | undefined, spoolDir: string | undefined): Promise<EngineImportedGroup[]> {
  const m = v.manifest;
  const opened = await openBundle(v.file);
  try {
    if (!opened.manifestBytes.equals(v.manifestBytes)) throw new AirfeedError('BUNDLE_INVALID', `bundle ${v.file} changed after it was verified (manifest)`);
    const seq = new MemberSequence(opened, m);
    const created = new Date(m.created);
    const out: EngineImportedGroup[] = [];
    for (const g of groupsInArchiveOrder(m)) {
      progress?.phase(`apply ${g.name}`, g.records + g.tombstones);
      let seen = 0;
      const written = await writeGroup(tx, {
        group: g.name,
        mode: m.kind === 'full' ? 'replace' : 'changes',
        changes: groupChanges(seq, v.file, m, g.name),
        // A full bundle holds each record of a group once (the producer exports its rows, keyed by id).
        uniqueIds: () => m.kind === 'full',
        onDuplicate: (message, cause) => new AirfeedError('BUNDLE_INVALID', `bundle ${v.file}: ${message}`, { cause }),
        ...(spoolDir === undefined ? {} : { spoolDir }),
        onProgress: (n) => {
          progress?.tick(n - seen);
          seen = n;
        },
      });
      const counts = await setGroupState(tx, g.name, {
        feed: g.feed,
        source: bundleSource(m.bundleId),
        bundle: { bundleId: m.bundleId, manifestSha256: v.manifestSha256, toSeq: g.toSeq, created },
        dataAsOf: created,
        ...(written.counts ? { counts: written.counts } : {}),
      });
      out.push({
        name: g.name, feed: g.feed, records: g.records, tombstones: g.tombstones, upserts: written.upserts, deletions: written.deletions,
        total: counts.records, affected: counts.affected,
      });
    }
    if (await seq.next()) throw new AirfeedError('BUNDLE_INVALID', `bundle ${v.file} changed after it was verified (extra members)`);
    return out;
  } finally {
    await opened.reader.close();
  }
}

/** Verifies a bundle and imports it into the engine's store; see the module comment. Throws AirfeedError on refusal. */
export async function importBundleIntoEngine(sql: Sql, file: string, options: EngineImportOptions): Promise<EngineImportResult> {
  const v = await verifyBundle(file, {
    trust: options.trust,
    ...(options.now ? { now: options.now } : {}),
    ...(options.allowExpired ? { allowExpired: true } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
  });
  const m = v.manifest;
  const base = { file, bundleId: m.bundleId, kind: m.kind, keyId: v.key.keyId, created: m.created };
  const result = await sql.begin(async (tx): Promise<EngineImportResult> => {
    const state = await lockGroups(tx, m.groups.map((g) => g.name));
    const order = checkBundleOrder(v, installedBundles(state), options.allowDowngrade ? { allowDowngrade: true } : {});
    if (order === 'installed') {
      return {
        status: 'unchanged', ...base, groups: [],
        message: `bundle ${m.bundleId} is already installed for all its ${m.groups.length} groups; nothing to do`,
      };
    }
    const groups = await applyAll(tx, v, options.progress, options.spoolDir);
    const records = groups.reduce((s, g) => s + g.records, 0);
    const tombstones = groups.reduce((s, g) => s + g.tombstones, 0);
    return {
      status: 'imported', ...base, groups,
      message: `imported ${m.kind} bundle ${m.bundleId}: ${groups.length} groups, ${records} records${m.kind === 'delta' ? ` and ${tombstones} tombstones` : ''}`,
    };
  });
  options.log?.info({ bundleId: m.bundleId, kind: m.kind, keyId: v.key.keyId, status: result.status, groups: m.groups.length }, 'bundle imported into the engine');
  return result;
}
