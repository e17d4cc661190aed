/** The CISA Known Exploited Vulnerabilities catalog: one group, `kev:catalog`, in the `enrichment` feed. See README.md. */
import type { Driver, Feed } from '../_framework/types.ts';
import { fetchKev } from './fetch.ts';
import { kevGroups, PARSER_VERSION, parseKev } from './parse.ts';
import { kevV1Shape } from './shape.ts';

/** Declared here: the first driver of this feed brings it (an EPSS driver would share it). */
export const ENRICHMENT_FEED: Feed = {
  name: 'enrichment',
  description: "Enrichment of other feeds' vulnerabilities: known exploitation (CISA KEV), exploit prediction",
};

export const kev: Driver = {
  id: 'kev',
  feed: ENRICHMENT_FEED,
  v1Shape: kevV1Shape,
  description: 'CISA Known Exploited Vulnerabilities catalog: CVEs exploited in the wild, with the action and due date CISA requires',
  defaultSource: 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json',
  defaultSchedule: '41 */4 * * *',
  parserVersion: PARSER_VERSION,
  fetch: fetchKev,
  groups: kevGroups,
  parse: parseKev,
};
