/** Ubuntu: Canonical's OSV (CVE records and USNs); groups `ubuntu:<version>`, Ubuntu Pro fixes kept with their channel. See README.md. */
import { VULNERABILITIES_FEED } from '../_framework/feeds.ts';
import type { Driver } from '../_framework/types.ts';
import { fetchUbuntu } from './fetch.ts';
import { CANONICAL_BASE } from './layout.ts';
import { PARSER_VERSION, parseUbuntu, ubuntuGroups } from './parse.ts';

export const ubuntu: Driver = {
  id: 'ubuntu',
  feed: VULNERABILITIES_FEED,
  description: "Ubuntu: Canonical's OSV (osv-all.tar.xz): CVEs per release with Canonical's priority, USN advisories, Ubuntu Pro (ESM) fixes with their channel",
  defaultSource: CANONICAL_BASE,
  defaultSchedule: '47 */6 * * *',
  parserVersion: PARSER_VERSION,
  fetch: fetchUbuntu,
  groups: ubuntuGroups,
  parse: parseUbuntu,
};
