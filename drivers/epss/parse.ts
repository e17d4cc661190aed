/**
 * Parse: the workspace's score file → the one complete group `epss:scores`, one record per row, in
 * the file's order (FIRST writes it sorted by CVE id; the same file always gives the same order).
 * Streamed: the comment line is read first (scores.ts), then the CSV with the framework's reader
 * (strict UTF-8, the header checked to be exactly `cve,epss,percentile`); a bad row is
 * SOURCE_INVALID naming the file and line. The fingerprint is the score date, the model and the
 * file's sha256.
 */
import path from 'node:path';
import { AirfeedError } from '../_framework/errors.ts';
import { csvRecords } from '../_framework/read/csv.ts';
import { openDecoded, peek } from '../_framework/read/decompress.ts';
import type { VulnRecord } from '../_framework/record.ts';
import type { GroupInfo, ParseContext, ParsedGroup } from '../_framework/types.ts';
import { sha256File } from '../_framework/workspace.ts';
import { GROUP, toRecord } from './record.ts';
import { COLUMNS, CVE_ID, parseComment, probability, SCORES_FILES, type ScoresHeader } from './scores.ts';

/** The driver's parser version: bump it whenever parse output changes for the same input. */
export const PARSER_VERSION = 'epss-parse-1';
const DESCRIPTION = 'FIRST EPSS: the probability of exploitation in the next 30 days, per CVE';

/** The workspace's score file (name and digest), or null. */
async function scoresFile(workspace: string): Promise<{ key: string; digest: string } | null> {
  for (const key of SCORES_FILES) {
    const digest = await sha256File(path.join(workspace, key));
    if (digest !== null) return { key, digest };
  }
  return null;
}

/** The group, when the workspace holds a score file. */
export async function epssGroups(workspace: string): Promise<GroupInfo[]> {
  return (await scoresFile(workspace)) === null ? [] : [{ name: GROUP, description: DESCRIPTION }];
}

/** The comment line of the file. */
async function readHeader(file: string, label: string): Promise<ScoresHeader> {
  const { stream } = await openDecoded(file, { label });
  const { head, rest } = await peek(stream, 4096);
  const text = Buffer.from(head).toString('utf8');
  const nl = text.indexOf('\n');
  await rest[Symbol.asyncIterator]().return?.();
  stream.destroy();
  if (text === '') throw new AirfeedError('SOURCE_INVALID', `${label}: the file is empty`);
  return parseComment((nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, ''), label);
}

async function* records(file: string, key: string, label: string, header: ScoresHeader): AsyncGenerator<VulnRecord> {
  const { stream } = await openDecoded(file, { label });
  for await (const { line, record } of csvRecords(stream, { label, columns: COLUMNS, comment: '#' })) {
    const cve = record.cve.trim();
    if (!CVE_ID.test(cve)) throw new AirfeedError('SOURCE_INVALID', `${label}: line ${line}: ${JSON.stringify(record.cve)} is not a CVE id`, { details: { line } });
    yield toRecord(cve, probability(record.epss, 'epss', label, line), probability(record.percentile, 'percentile', label, line), header, key);
  }
}

/** Yields `epss:scores` (unless `ctx.groups` leaves it out); see the module doc. */
export async function* parseEpss(ctx: ParseContext): AsyncGenerator<ParsedGroup> {
  if (ctx.groups && !ctx.groups.has(GROUP)) return;
  const found = await scoresFile(ctx.workspace);
  if (found === null) return;
  const file = path.join(ctx.workspace, found.key);
  const label = `epss: ${found.key}`;
  const header = await readHeader(file, label);
  yield {
    name: GROUP,
    description: DESCRIPTION,
    complete: true,
    fingerprint: `${header.date} ${header.modelVersion ?? '-'} sha256:${found.digest}`,
    records: records(file, found.key, label, header),
  };
}
