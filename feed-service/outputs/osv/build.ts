/**
 * osv-scanner's offline databases, built from the store in the layout osv.dev's exporter publishes
 * (google/osv.dev go/cmd/exporter) and osv-scanner's local matcher reads
 * (`<cache dir>/osv-scanner/<Ecosystem>/all.zip`, the ecosystem without its release: `Alpine`,
 * `Debian`, `Ubuntu`, `PyPI`, `crates.io`):
 *
 * - `<Ecosystem>/all.zip`: one `<OSV id>.json` per vulnerability that names a package of the
 *   ecosystem, sorted by id, each the compact JSON of the OSV view (drivers/_framework/shapes/osv.ts):
 *   of the one record when one group holds the id (`/v2/groups/<group>/records/<id>/osv`), else
 *   merged across the groups that hold it (`/v2/vulnerabilities/<id>/osv`), its zip time the
 *   document's `modified`; a document goes to each ecosystem it names (a CVE fixed in Alpine and
 *   Debian is in both zips), as osv.dev routes it;
 * - `<Ecosystem>/modified_id.csv`: `<modified>,<id>` per document, newest first (then by id), times
 *   in RFC 3339 UTC with trailing fraction zeros dropped (Go's RFC3339Nano), as osv.dev writes it;
 * - `modified_id.csv` at the top: the same over every ecosystem, the path `<Ecosystem>/<id>`;
 * - `ecosystems.txt`: the ecosystems, one per line, sorted.
 *
 * Groups covered: the enabled distro and language groups the names table gives an OSV ecosystem.
 * NVD and the enrichment feeds (KEV, EPSS) are not OSV ecosystems and are left out (osv.dev carries
 * neither). A vulnerability deleted upstream (a tombstone) stays in as `withdrawn` (osv-scanner skips
 * withdrawn documents; a mirror that syncs from this export learns of the deletion). A document with
 * no affected package (every package not affected) names no ecosystem and is in no zip. GIT ranges
 * stay inside their package's document; no `GIT/` directory is written (osv-scanner reads it only
 * for commit queries, which need the network).
 *
 * Deterministic: the same store gives the same bytes (sorted entries, data-derived times, one
 * deflate level); memory stays flat (records stream through a cursor into an on-disk spool).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import { resolveGroup } from '../../../drivers/_framework/names.ts';
import type { VulnRecord } from '../../../drivers/_framework/record.ts';
import { isOldRecord, readRecord } from '../../../drivers/_framework/record-v1.ts';
import { mergeOsv, type OsvVulnerability, toOsv } from '../../../drivers/_framework/shapes/osv.ts';
import type { Progress } from '../../../drivers/_framework/types.ts';
import type { Sql, Tx } from '../../storage/db.ts';
import { readOutputState, type SourceState } from '../state.ts';
import { OsvSpool } from './spool.ts';
import { ZipWriter } from './zip.ts';

export const ECOSYSTEMS_FILE = 'ecosystems.txt';
export const ZIP_FILE = 'all.zip';
export const CSV_FILE = 'modified_id.csv';
const SPOOL_FILE = '.spool.sqlite';

/** Whether the export covers a group: it has an OSV ecosystem in the names table. */
export function osvCovers(group: string): boolean {
  return resolveGroup(group) !== undefined;
}

/** Reads which groups the export covers, and the key that decides whether a rebuild is due. */
export function readOsvState(sql: Sql | Tx): Promise<SourceState> {
  return readOutputState(sql, osvCovers);
}

export interface ExportFile {
  /** Relative to the export directory, `/`-separated: `PyPI/all.zip`. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface OsvExportResult {
  /** The ecosystems written, with their document counts. */
  ecosystems: { name: string; documents: number }[];
  /** Every file written, sorted by path. */
  files: ExportFile[];
  groups: { name: string; records: number }[];
  unmapped: string[];
  /** Records read (live and tombstones), and the documents they merged into. */
  records: number;
  documents: number;
  /** Documents left out because they name no affected package. */
  withoutAffected: number;
  /** Documents refused because their ecosystem already held one of the same OSV id. */
  duplicates: number;
  dataSeq: number;
  /** The newest data's time (the groups' freshness), as for grype. */
  built: Date | null;
  key: string;
}

const noProgress: Progress = { phase: () => undefined, tick: () => undefined };

/** `2024-06-01T00:00:00.500000Z` → `2024-06-01T00:00:00.5Z` (Go's RFC3339Nano of a UTC time). */
export function rfc3339Nano(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) throw new AirfeedError('OUTPUT_FAILED', `osv: "${iso}" is not an RFC 3339 time`);
  if (m[3] !== 'Z') return rfc3339Nano(new Date(iso).toISOString());
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  return `${m[1]}${fraction === '' ? '' : `.${fraction}`}Z`;
}

/** A key that sorts as the time does: seconds, then the fraction to nine digits. */
function modifiedKey(rfc: string): string {
  const [whole = '', fraction = ''] = rfc.slice(0, -1).split('.');
  return `${whole}.${fraction.padEnd(9, '0')}`;
}

interface Row {
  group: string;
  id: string;
  deleted: boolean;
  updatedAt: string;
  doc: string;
}

function viewOf(row: Row): OsvVulnerability {
  const doc = JSON.parse(row.doc) as unknown;
  const record = isOldRecord(doc) ? readRecord(doc, `group ${row.group} record ${row.id}`) : (doc as VulnRecord);
  return toOsv(record, { deleted: row.deleted, updatedAt: row.updatedAt });
}

/** The base ecosystems a document names (`Alpine:v3.20` → `Alpine`), sorted. */
function ecosystemsOf(doc: OsvVulnerability): string[] {
  const out = new Set<string>();
  for (const a of doc.affected ?? []) {
    const eco = a.package.ecosystem.split(':')[0] ?? '';
    if (eco !== '') out.add(eco);
  }
  return [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Writes lines to a file in 1 MiB pieces (RFC 4180 fields: a time and an id never need quoting). */
async function writeCsv(file: string, lines: Iterable<{ modified: string; path: string }>): Promise<void> {
  const out = await fs.open(file, 'w');
  try {
    let buf = '';
    for (const l of lines) {
      buf += `${l.modified},${/[",\n\r]/.test(l.path) ? `"${l.path.replace(/"/g, '""')}"` : l.path}\n`;
      if (buf.length >= 1 << 20) {
        await out.write(buf);
        buf = '';
      }
    }
    if (buf !== '') await out.write(buf);
  } finally {
    await out.close();
  }
}

/** Builds the export into `dir` (which must exist and be empty). Throws OUTPUT_FAILED naming the step. */
export async function buildOsvExport(sql: Sql, dir: string, options: { progress?: Progress } = {}): Promise<OsvExportResult> {
  const progress = options.progress ?? noProgress;
  const spool = new OsvSpool(path.join(dir, SPOOL_FILE));
  try {
    // One snapshot for the state and every record, so they agree even while a sync applies.
    const read = await sql.begin('isolation level repeatable read read only', async (tx) => {
      const state = await readOsvState(tx);
      if (state.groups.length === 0) {
        throw new AirfeedError(
          'OUTPUT_FAILED',
          `osv: no enabled group with data osv-scanner can use (distro releases and language ecosystems)${state.unmapped.length > 0 ? `; not OSV ecosystems: ${state.unmapped.join(', ')}` : ''}; sync or import such data first`,
        );
      }
      return { state, ...(await spoolRecords(tx, state, spool, progress)) };
    });
    spool.seal();
    progress.phase('write');
    const files: ExportFile[] = [];
    const ecosystems: { name: string; documents: number }[] = [];
    const note = async (rel: string): Promise<void> => {
      const abs = path.join(dir, ...rel.split('/'));
      files.push({ path: rel, bytes: (await fs.stat(abs)).size, sha256: await sha256File(abs) });
    };
    for (const eco of spool.ecosystems()) {
      await fs.mkdir(path.join(dir, eco));
      const zip = await ZipWriter.create(path.join(dir, eco, ZIP_FILE));
      try {
        for (const d of spool.docs(eco)) await zip.addDeflated(`${d.osvId}.json`, d.data, d.crc, d.size, new Date(d.modified));
        await zip.finish();
      } catch (err) {
        await zip.abort();
        throw err;
      }
      await writeCsv(path.join(dir, eco, CSV_FILE), spool.modified(eco));
      await note(`${eco}/${ZIP_FILE}`);
      await note(`${eco}/${CSV_FILE}`);
      ecosystems.push({ name: eco, documents: spool.count(eco) });
    }
    await writeCsv(path.join(dir, CSV_FILE), spool.allModified());
    await note(CSV_FILE);
    await fs.writeFile(path.join(dir, ECOSYSTEMS_FILE), ecosystems.map((e) => `${e.name}\n`).join(''));
    await note(ECOSYSTEMS_FILE);
    const { state } = read;
    return {
      ecosystems,
      files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      groups: read.groups,
      unmapped: state.unmapped,
      records: read.records,
      documents: read.documents,
      withoutAffected: read.withoutAffected,
      duplicates: spool.duplicates,
      dataSeq: state.dataSeq,
      built: state.built,
      key: state.key,
    };
  } finally {
    spool.close();
    await fs.rm(path.join(dir, SPOOL_FILE), { force: true });
  }
}

async function spoolRecords(
  tx: Tx,
  state: SourceState,
  spool: OsvSpool,
  progress: Progress,
): Promise<{ groups: { name: string; records: number }[]; records: number; documents: number; withoutAffected: number }> {
  const names = state.groups.map((g) => g.name);
  progress.phase('read', state.groups.reduce((s, g) => s + g.recordCount, 0));
  const perGroup = new Map<string, number>();
  let records = 0;
  let documents = 0;
  let withoutAffected = 0;
  let pending: Row[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const live = pending.filter((r) => !r.deleted);
    const use = live.length > 0 ? live : pending;
    let merged: OsvVulnerability;
    try {
      // One group's record is its view as is (a merge would also drop an upstream's repeated aliases or references).
      merged = use.length === 1 ? viewOf(use[0]!) : mergeOsv(use.map(viewOf));
    } catch (err) {
      throw new AirfeedError('OUTPUT_FAILED', `osv: record ${pending[0]!.id} of group ${pending[0]!.group} has no OSV view: ${(err as Error).message}`, { cause: err });
    }
    pending = [];
    const ecos = ecosystemsOf(merged);
    if (ecos.length === 0) {
      withoutAffected++;
      return;
    }
    const modified = rfc3339Nano(merged.modified);
    const data = Buffer.from(JSON.stringify(merged));
    spool.add({ osvId: merged.id, modified, crc: crc32(data), size: data.length, data: deflateRawSync(data, { level: 6 }) }, modifiedKey(modified), ecos);
    documents++;
  };
  const cursor = tx<Row[]>`
    select group_name as "group", id, deleted, to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "updatedAt", doc
    from records where group_name in ${tx(names)}
    order by id collate "C", group_name collate "C"`.cursor(1000);
  for await (const rows of cursor) {
    for (const row of rows) {
      if (pending.length > 0 && pending[0]!.id !== row.id) flush();
      pending.push(row);
      records++;
      if (!row.deleted) perGroup.set(row.group, (perGroup.get(row.group) ?? 0) + 1);
      progress.tick(1);
    }
  }
  flush();
  return { groups: state.groups.map((g) => ({ name: g.name, records: perGroup.get(g.name) ?? 0 })), records, documents, withoutAffected };
}
