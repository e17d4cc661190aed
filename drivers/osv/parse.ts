/**
 * Parse: the workspace (layout.ts) → one group per ecosystem (`github:npm`, …), one record per OSV
 * id (record.ts). Offline and deterministic; which form a group takes:
 *
 * - **snapshot, whole** (`complete: true`): every entry of `<Ecosystem>/all.zip` in the zip's own
 *   order, except the ids that have an update, then the updates (`updates/<ID>.json`) sorted by id.
 *   Ids missing from it (withdrawn, removed upstream, answered 404) become tombstones.
 * - **snapshot, changes only** (`complete: false`): only the updates, sorted by id, with the
 *   withdrawn, moved and 404 ids as deletions. Chosen when the group's last successful apply was
 *   made from this very zip with this parser (ParseContext.applied: the fingerprint starts with the
 *   zip's digest): updates accumulate until the next snapshot, so sending all of them again is
 *   harmless (unchanged records are not rewritten) and a run that failed is caught up.
 * - **loose files** (`complete: true`): every OSV file under `<Ecosystem>/tree/`, in path order;
 *   two files with one id in a group are SOURCE_INVALID naming both. A group with a zip ignores them.
 *
 * Fingerprints: `zip=<sha256 of all.zip>;updates=<digest of the update files>` and
 * `tree=<digest of the files>`. Zip entries are read one at a time (the framework's archiveEntries,
 * bomb limits below), so memory does not grow with the zip; a malformed entry fails its group
 * naming the entry, and the group's previous data stays served.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { AirfeedError } from '../_framework/errors.ts';
import type { EcosystemEntry } from '../_framework/names.ts';
import { archiveEntries, readAll } from '../_framework/read/archive.ts';
import type { DecodeLimits } from '../_framework/read/limits.ts';
import type { VulnRecord } from '../_framework/record.ts';
import { compareStrings } from '../_framework/strings.ts';
import type { GroupInfo, ParseContext, ParsedGroup } from '../_framework/types.ts';
import { fingerprintFiles, sha256File } from '../_framework/workspace.ts';
import { decodeDocument, formatOf, summarize } from './document.ts';
import { type EcosystemFiles, groupDescription, TREE_DIR, type UpdateFile, workspaceEcosystems, zipKey } from './layout.ts';
import { convert } from './record.ts';
import { Tally } from './tally.ts';

/** The driver's parser version (Driver.parserVersion): bump it whenever parse output changes for the same input. */
export const PARSER_VERSION = 'osv-parse-1';

/**
 * Bomb limits for a zip: one OSV document is small (the largest real ones, GitHub advisories with
 * thousands of `versions`, are a few MB), and a whole ecosystem decodes to ~1.5 GB (npm).
 */
export const ZIP_LIMITS: Partial<DecodeLimits> = { maxEntryBytes: 32 * 1024 * 1024, maxBytes: 16 * 1024 * 1024 * 1024, maxEntries: 2_000_000 };

/** Lists the groups present in the workspace, sorted by name. */
export async function osvGroups(workspace: string): Promise<GroupInfo[]> {
  return (await workspaceEcosystems(workspace)).map((e) => ({ name: e.ecosystem.group, description: groupDescription(e.ecosystem) }));
}

interface GroupInput {
  workspace: string;
  ecosystem: EcosystemEntry;
  log: Logger;
  tally: Tally;
}

/** `npm/all.zip` → `npm/GHSA-….json`: where the record lives upstream, the same from the zip or fetched alone. */
const upstreamPath = (eco: string, id: string): string => `${eco}/${id}.json`;

async function readDocument(workspace: string, key: string, label: string): Promise<unknown> {
  const format = formatOf(key);
  if (!format) throw new AirfeedError('SOURCE_INVALID', `${label}: not a .json, .yaml or .yml file`);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path.join(workspace, key));
  } catch (err) {
    throw new AirfeedError('SOURCE_INVALID', `${label}: cannot read the file: ${(err as Error).message}`, { cause: err });
  }
  return decodeDocument(bytes, format, label);
}

/** The records of the update files; ids that give no record (404, withdrawn, moved) are pushed to `deletions`. */
async function* updateRecords(input: GroupInput, updates: readonly UpdateFile[], deletions: string[]): AsyncGenerator<VulnRecord> {
  const eco = input.ecosystem.osv;
  for (const u of updates) {
    if (u.kind === 'gone') {
      deletions.push(u.id);
      continue;
    }
    const label = `osv: ${u.key}`;
    const doc = await readDocument(input.workspace, u.key, label);
    const id = summarize(doc)?.id;
    if (id !== u.id) throw new AirfeedError('SOURCE_INVALID', `${label}: holds ${id === undefined ? 'no OSV record' : `record ${id}`}, not ${u.id} as its name says`);
    const c = convert(doc, { ecosystem: input.ecosystem, label, source: upstreamPath(eco, id), tally: input.tally });
    if (c.kind === 'record') yield c.record;
    else deletions.push(c.id);
  }
}

/** The whole group from the zip with the updates laid over it. */
async function* snapshotRecords(input: GroupInput, files: EcosystemFiles): AsyncGenerator<VulnRecord> {
  const eco = input.ecosystem.osv;
  const replaced = new Set(files.updates.map((u) => u.id));
  const label = `osv: ${zipKey(eco)}`;
  let other = 0;
  for await (const entry of archiveEntries(path.join(input.workspace, zipKey(eco)), { label, limits: ZIP_LIMITS })) {
    if (formatOf(entry.name) !== 'json') {
      other++;
      continue;
    }
    const entryLabel = `${label} entry ${JSON.stringify(entry.name)}`;
    const doc = decodeDocument(await readAll(entry.body, ZIP_LIMITS.maxEntryBytes ?? 0, entryLabel), 'json', entryLabel);
    const id = summarize(doc)?.id;
    if (id !== undefined && replaced.has(id)) continue;
    const c = convert(doc, { ecosystem: input.ecosystem, label: entryLabel, source: upstreamPath(eco, id ?? entry.name), tally: input.tally });
    if (c.kind === 'record') yield c.record;
  }
  if (other > 0) input.log.info({ entries: other }, `osv: ${input.ecosystem.group}: ${label}: skipped entries that are not .json files`);
  yield* updateRecords(input, files.updates, []);
}

/** The loose files of a group, in path order; one id in two files is an error naming both. */
async function* treeRecords(input: GroupInput, keys: readonly string[]): AsyncGenerator<VulnRecord> {
  const eco = input.ecosystem.osv;
  const seen = new Map<string, string>();
  for (const key of keys) {
    const label = `osv: ${mirrorPath(eco, key)}`;
    const doc = await readDocument(input.workspace, key, label);
    const id = summarize(doc)?.id;
    if (id === undefined) throw new AirfeedError('SOURCE_INVALID', `${label}: not an OSV document (no string "id" and "modified")`);
    const other = seen.get(id);
    if (other !== undefined) {
      throw new AirfeedError('SOURCE_INVALID', `osv: ${input.ecosystem.group}: record ${id} is in two files, ${mirrorPath(eco, other)} and ${mirrorPath(eco, key)}; keep one`);
    }
    seen.set(id, key);
    const c = convert(doc, { ecosystem: input.ecosystem, label, source: mirrorPath(eco, key), tally: input.tally });
    if (c.kind === 'record') yield c.record;
  }
}

/** `PyPI/tree/vulns/lxml/PYSEC-2018-12.yaml` → `vulns/lxml/PYSEC-2018-12.yaml` (the path in the mirror). */
function mirrorPath(eco: string, key: string): string {
  return key.slice(`${eco}/${TREE_DIR}/`.length);
}

/** Runs `records` to its end, then reports what the group left out. */
async function* reported(records: AsyncIterable<VulnRecord>, input: GroupInput): AsyncGenerator<VulnRecord> {
  let n = 0;
  for await (const r of records) {
    n++;
    yield r;
  }
  input.tally.report(input.log, `osv: ${input.ecosystem.group}`, 'affected entries');
  input.log.info({ records: n }, 'osv: group parsed');
}

async function* iterate<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** Yields the workspace's groups (only `ctx.groups` when given), sorted by name; records parse lazily. */
export async function* parseOsv(ctx: ParseContext): AsyncGenerator<ParsedGroup> {
  for (const files of await workspaceEcosystems(ctx.workspace)) {
    const { ecosystem } = files;
    const name = ecosystem.group;
    if (ctx.groups && !ctx.groups.has(name)) continue;
    const input: GroupInput = { workspace: ctx.workspace, ecosystem, log: ctx.log.child({ group: name }), tally: new Tally() };
    const description = groupDescription(ecosystem);
    if (!files.zip) {
      const fingerprint = `tree=${await fingerprintFiles(ctx.workspace, files.tree)}`;
      yield { name, description, complete: true, fingerprint, records: reported(treeRecords(input, files.tree), input) };
      continue;
    }
    if (files.tree.length > 0) {
      input.log.warn({ files: files.tree.length }, `osv: ${name}: ${zipKey(ecosystem.osv)} holds the ecosystem; its loose OSV files in the mirror are ignored`);
    }
    const zip = `zip=${await sha256File(path.join(ctx.workspace, zipKey(ecosystem.osv)))}`;
    const fingerprint = `${zip};updates=${files.updates.length === 0 ? 'none' : await fingerprintFiles(ctx.workspace, files.updates.map((u) => u.key))}`;
    if (ctx.applied?.get(name)?.startsWith(`${zip};`) === true) {
      const deletions: string[] = [];
      yield {
        name, description, complete: false, fingerprint,
        records: reported(updateRecords(input, files.updates, deletions), input),
        // Read after the records are exhausted (the contract), so the list is complete by then.
        deletions: (async function* () {
          yield* iterate([...new Set(deletions)].sort(compareStrings));
        })(),
      };
    } else {
      yield { name, description, complete: true, fingerprint, records: reported(snapshotRecords(input, files), input) };
    }
  }
}
