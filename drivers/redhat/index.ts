/** The Red Hat driver: RHEL 5–10 from Red Hat's CSAF VEX documents, one group per major (`rhel:9`), kept current incrementally. See README.md. */
import { VULNERABILITIES_FEED } from '../_framework/feeds.ts';
import type { Driver } from '../_framework/types.ts';
import { fetchRedhat } from './fetch.ts';
import { PARSER_VERSION, parseRedhat, redhatGroups } from './parse.ts';

export const redhat: Driver = {
  id: 'redhat',
  feed: VULNERABILITIES_FEED,
  description: 'Red Hat Enterprise Linux from Red Hat CSAF VEX: per CVE and major release, fixed versions, states, module streams',
  defaultSource: 'https://security.access.redhat.com/data/csaf/v2/vex/',
  defaultSchedule: '41 */4 * * *',
  parserVersion: PARSER_VERSION,
  fetch: fetchRedhat,
  groups: redhatGroups,
  parse: parseRedhat,
};
