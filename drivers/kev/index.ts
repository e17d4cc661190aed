/** The CISA Known Exploited Vulnerabilities catalog: one group, `kev:catalog`, in the `enrichment` feed. See README.md. */
import { ENRICHMENT_FEED } from '../_framework/feeds.ts';
import type { Driver } from '../_framework/types.ts';
import { fetchKev } from './fetch.ts';
import { kevGroups, PARSER_VERSION, parseKev } from './parse.ts';
import { kevV1Shape } from './shape.ts';

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
