/** The NVD driver: every CVE of the National Vulnerability Database in one group, `nvdv2:cves`, feed `nvdv2`. See README.md. */
import { NVD_FEED } from '../_framework/feeds.ts';
import type { Driver } from '../_framework/types.ts';
import { fetchNvd } from './fetch.ts';
import { nvdGroups, PARSER_VERSION, parseNvd } from './parse.ts';

export const nvd: Driver = {
  id: 'nvd',
  feed: NVD_FEED,
  description: 'NVD CVE API 2.0: every CVE with its CVSS metrics, CWE weaknesses, CPE applicability and references',
  defaultSource: 'https://services.nvd.nist.gov/rest/json/cves/2.0',
  // NVD asks for incremental requests no more often than every two hours.
  defaultSchedule: '23 */2 * * *',
  parserVersion: PARSER_VERSION,
  settings: [
    {
      name: 'api_key',
      secret: true,
      description: 'NVD API key (https://nvd.nist.gov/developers/request-an-api-key): sent in the apiKey header, it raises the rate limit from 5 to 50 requests per rolling 30 seconds',
    },
  ],
  fetch: fetchNvd,
  groups: nvdGroups,
  parse: parseNvd,
};
