/**
 * Parse: the workspace's catalog → the one complete group `kev:catalog`, one record per entry,
 * sorted by CVE id (record.ts has the field rules, catalog.ts the upstream shape). The catalog is
 * small (1.3 MB) and read whole, checked against CISA's schema by the framework's zod reader.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { AirfeedError } from '../_framework/errors.ts';
import { readJsonFile } from '../_framework/read/validate.ts';
import { compareStrings } from '../_framework/strings.ts';
import type { GroupInfo, ParseContext, ParsedGroup } from '../_framework/types.ts';
import { sha256File } from '../_framework/workspace.ts';
import { CATALOG_FILE, KevCatalog, type KevEntry } from './catalog.ts';
import { GROUP, toRecord } from './record.ts';

/** The driver's parser version: bump it whenever parse output changes for the same input. */
export const PARSER_VERSION = 'kev-parse-2';
const DESCRIPTION = 'CISA Known Exploited Vulnerabilities catalog';
const LABEL = `kev: ${CATALOG_FILE}`;

/** The group, when the workspace holds a catalog. */
export async function kevGroups(workspace: string): Promise<GroupInfo[]> {
  return (await sha256File(path.join(workspace, CATALOG_FILE))) === null ? [] : [{ name: GROUP, description: DESCRIPTION }];
}

/** The entries sorted by id; a repeated id is SOURCE_INVALID naming both positions. */
function sortedEntries(entries: readonly KevEntry[]): KevEntry[] {
  const seen = new Map<string, number>();
  entries.forEach((e, i) => {
    const first = seen.get(e.cveID);
    if (first !== undefined) {
      throw new AirfeedError('SOURCE_INVALID', `${LABEL}: ${e.cveID} is listed twice: vulnerabilities[${first}] and vulnerabilities[${i}]`);
    }
    seen.set(e.cveID, i);
  });
  return [...entries].sort((a, b) => compareStrings(a.cveID, b.cveID));
}

async function* records(entries: KevEntry[]): AsyncGenerator<ReturnType<typeof toRecord>> {
  for (const e of entries) yield toRecord(e, CATALOG_FILE);
}

function checkCount(catalog: KevCatalog, log: Logger): void {
  if (catalog.count !== catalog.vulnerabilities.length) {
    log.warn({ file: CATALOG_FILE, count: catalog.count, entries: catalog.vulnerabilities.length }, 'kev: the catalog count differs from its number of entries');
  }
}

/** Yields `kev:catalog` (unless `ctx.groups` leaves it out); see the module doc. */
export async function* parseKev(ctx: ParseContext): AsyncGenerator<ParsedGroup> {
  if (ctx.groups && !ctx.groups.has(GROUP)) return;
  const file = path.join(ctx.workspace, CATALOG_FILE);
  const digest = await sha256File(file);
  if (digest === null) return;
  const catalog = await readJsonFile(file, KevCatalog, { label: LABEL, what: 'not a KEV catalog' });
  checkCount(catalog, ctx.log);
  yield {
    name: GROUP,
    description: DESCRIPTION,
    complete: true,
    fingerprint: `${catalog.catalogVersion} sha256:${digest}`,
    records: records(sortedEntries(catalog.vulnerabilities)),
  };
}
