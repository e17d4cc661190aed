/**
 * One EPSS row → one record of group `epss:scores`, id = the CVE id: what grype's EPSS table holds,
 * one score per CVE. The record matches nothing by itself (no `fixedIn`); it enriches the records of
 * other groups with the same id.
 *
 * - `epss`: `{score, percentile, date}` (record schema v2's block), `date` the file's score date;
 * - `severity` Unknown (EPSS rates likelihood, not severity); `description` ""; no CVSS, references
 *   or dates (the file has none: `published`/`modified` null);
 * - `link`: FIRST's API for the CVE (`https://api.first.org/data/v1/epss?cve=CVE-2024-3094`), which
 *   also gives its history;
 * - `metadata.modelVersion`: the model that computed the score (`v2023.03.01`): scores of different
 *   models do not compare.
 *
 * Every record changes every day (the date moves, and most scores with it): a daily sync rewrites
 * the group, and delta bundles and /v2 consumers carry it whole. Measured in scripts/bench/nvd.ts.
 */
import { RECORD_SCHEMA_VERSION, type VulnRecord } from '../_framework/record.ts';
import type { ScoresHeader } from './scores.ts';

export const GROUP = 'epss:scores';

export function toRecord(cve: string, score: number, percentile: number, header: ScoresHeader, source: string): VulnRecord {
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id: cve,
    namespace: GROUP,
    severity: 'Unknown',
    description: '',
    link: `https://api.first.org/data/v1/epss?cve=${cve}`,
    aliases: [],
    cvss: [],
    fixedIn: [],
    references: [],
    published: null,
    modified: null,
    withdrawn: null,
    epss: { score, percentile, date: header.date },
    metadata: header.modelVersion ? { modelVersion: header.modelVersion } : {},
    provenance: { driver: 'epss', source },
  };
}
