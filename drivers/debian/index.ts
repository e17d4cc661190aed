/** Debian: the security tracker's JSON and advisory lists; groups `debian:<major>` and `debian:unstable`. See README.md. */
import { VULNERABILITIES_FEED } from '../_framework/feeds.ts';
import type { Driver } from '../_framework/types.ts';
import { fetchDebian, LISTS_SETTING } from './fetch.ts';
import { TRACKER_BASE } from './layout.ts';
import { debianGroups, PARSER_VERSION, parseDebian } from './parse.ts';

export const debian: Driver = {
  id: 'debian',
  feed: VULNERABILITIES_FEED,
  description: "Debian security tracker: every source package's issues per release (fixed, open, no-DSA, not affected), with DSA/DLA advisories",
  defaultSource: TRACKER_BASE,
  defaultSchedule: '23 */6 * * *',
  parserVersion: PARSER_VERSION,
  settings: [
    {
      name: LISTS_SETTING,
      secret: false,
      description:
        'Base URL of the data/DSA/list and data/DLA/list files (default: the source, or the security-tracker repository on Salsa when the source is security-tracker.debian.org)',
    },
  ],
  fetch: fetchDebian,
  groups: debianGroups,
  parse: parseDebian,
};
