/**
 * Parse: the workspace's page files → the one group `nvdv2:cves`, one record per CVE, sorted by id.
 * Offline and deterministic: every page file is streamed (page-reader.ts), every item checked
 * against the API 2.0 shape (api.ts) and turned into a record (record.ts); merge.ts keeps one
 * version per CVE — the latest `lastModified`, whatever the order of the files — without holding
 * the CVEs in memory.
 *
 * - A complete batch (a mirror snapshot, a full API fetch) is a complete group: a CVE that is gone,
 *   or whose latest version is Rejected, is left out, so apply makes it a tombstone.
 * - An incremental batch (the API windows since the last sync) is an incremental group
 *   (`complete: false`): its CVEs are added or changed, its Rejected ones are its `deletions`.
 *
 * The fingerprint is the digest of the page files and the batch marker (layout.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { canonicalJson, parseCanonical } from '../_framework/canonical.ts';
import { parseWith } from '../_framework/read/validate.ts';
import { NVD_STATUSES, type VulnRecord } from '../_framework/record.ts';
import type { GroupInfo, ParseContext, ParsedGroup } from '../_framework/types.ts';
import { fingerprintFiles } from '../_framework/workspace.ts';
import { NvdItem, PageHeader, utcIso } from './api.ts';
import { checkItem } from './api-check.ts';
import { type Batch, BATCH_FILE, listPages, readBatch, SORT_DIR } from './layout.ts';
import { WinnerSort } from './merge.ts';
import { PageReader } from './page-reader.ts';
import { GROUP, isRejected, toRecord } from './record.ts';

/** The driver's parser version (Driver.parserVersion): bump it whenever parse output changes for the same input. */
export const PARSER_VERSION = 'nvd-parse-1';
const KNOWN_STATUSES: ReadonlySet<string> = new Set(NVD_STATUSES);
export const GROUP_DESCRIPTION = 'NVD CVE records (CVE API 2.0): CVSS, CWE, CPE applicability, references';

/** The group, when the workspace holds pages. */
export async function nvdGroups(workspace: string): Promise<GroupInfo[]> {
  return (await readBatch(workspace)) !== null && (await listPages(workspace)).length > 0 ? [{ name: GROUP, description: GROUP_DESCRIPTION }] : [];
}

export interface ParseStats {
  files: number;
  items: number;
  records: number;
  rejected: number;
}

/** Reads every page into the sort: one entry per item. */
async function collect(workspace: string, files: readonly string[], batch: Batch, sort: WinnerSort, log: Logger, stats: ParseStats): Promise<void> {
  const unknownStatus = new Set<string>();
  let seq = 0;
  for (const [rank, file] of files.entries()) {
    const label = `nvd: ${file}`;
    const reader = new PageReader(path.join(workspace, file), label);
    let n = 0;
    for await (const item of reader.items()) {
      // checkItem accepts the usual item without zod's copy; zod decides (and words the error) otherwise.
      const cve = checkItem(item.value) ?? parseWith(NvdItem, item.value, { label: `${label} vulnerabilities[${item.index}]`, what: 'not an NVD API 2.0 CVE item' }).cve;
      const rejected = isRejected(cve);
      if (cve.vulnStatus !== undefined && !KNOWN_STATUSES.has(cve.vulnStatus)) unknownStatus.add(cve.vulnStatus);
      // Canonical JSON, so the winner parsed back from the sort is stored as this text (canonical.ts).
      const json = rejected ? '' : canonicalJson(toRecord(cve, label, provenance(batch, file, cve.id)));
      await sort.add({ id: cve.id, modified: Date.parse(utcIso(cve.lastModified)), rank, seq: seq++, rejected, json });
      n++;
    }
    const header = parseWith(PageHeader, reader.header, { label, what: 'not an NVD API 2.0 page' });
    if (header.resultsPerPage !== undefined && header.resultsPerPage !== n) {
      log.warn({ file, resultsPerPage: header.resultsPerPage, items: n }, 'nvd: a page holds another number of CVEs than its resultsPerPage says');
    }
    stats.items += n;
    stats.files++;
  }
  for (const status of unknownStatus) log.warn({ vulnStatus: status }, 'nvd: a vulnStatus the record schema does not know; records with it carry no status');
}

function provenance(batch: Batch, file: string, id: string): string {
  return batch.kind === 'api' && batch.api ? `${batch.api}?cveId=${id}` : file;
}

/** The records (and, for an incremental batch, the deletions) of the workspace; `stats` fills as they are read. */
export function readGroup(workspace: string, files: readonly string[], batch: Batch, log: Logger, stats: ParseStats): { records: AsyncIterable<VulnRecord>; deletions: AsyncIterable<string> } {
  const deleted: string[] = [];
  let done = false;
  async function* records(): AsyncGenerator<VulnRecord> {
    const sortDir = path.join(workspace, SORT_DIR);
    const sort = new WinnerSort(sortDir);
    try {
      await collect(workspace, files, batch, sort, log, stats);
    } catch (err) {
      // winners() removes the sort's run files, and it is not reached: a bad page left them behind.
      await fs.rm(sortDir, { recursive: true, force: true });
      throw err;
    }
    for await (const w of sort.winners()) {
      if (w.rejected) {
        stats.rejected++;
        // Bounded by the Rejected CVEs of one incremental batch (a few per day upstream).
        if (!batch.complete) deleted.push(w.id);
        continue;
      }
      stats.records++;
      yield parseCanonical(w.json) as VulnRecord;
    }
    done = true;
  }
  async function* deletions(): AsyncGenerator<string> {
    if (!done) throw new Error('nvd: deletions read before the records were exhausted');
    yield* deleted;
  }
  return { records: records(), deletions: deletions() };
}

/** Yields `nvdv2:cves` (unless `ctx.groups` leaves it out); see the module doc. */
export async function* parseNvd(ctx: ParseContext): AsyncGenerator<ParsedGroup> {
  if (ctx.groups && !ctx.groups.has(GROUP)) return;
  const batch = await readBatch(ctx.workspace);
  const files = await listPages(ctx.workspace);
  if (batch === null || files.length === 0) return;
  const stats: ParseStats = { files: 0, items: 0, records: 0, rejected: 0 };
  const { records, deletions } = readGroup(ctx.workspace, files, batch, ctx.log, stats);
  yield {
    name: GROUP,
    description: GROUP_DESCRIPTION,
    complete: batch.complete,
    fingerprint: await fingerprintFiles(ctx.workspace, [...files, BATCH_FILE]),
    records,
    ...(batch.complete ? {} : { deletions }),
  };
}
