/** The Alpine Linux secdb driver: one group per branch (`alpine:3.20`, `alpine:edge`). See README.md. */
import { VULNERABILITIES_FEED } from '../_framework/feeds.ts';
import type { Driver } from '../_framework/types.ts';
import { fetchAlpine } from './fetch.ts';
import { alpineGroups, PARSER_VERSION, parseAlpine } from './parse.ts';

export const alpine: Driver = {
  id: 'alpine',
  feed: VULNERABILITIES_FEED,
  description: 'Alpine Linux security database (secdb): fixed package versions per branch',
  defaultSource: 'https://secdb.alpinelinux.org/',
  defaultSchedule: '17 */6 * * *',
  parserVersion: PARSER_VERSION,
  fetch: fetchAlpine,
  groups: alpineGroups,
  parse: parseAlpine,
};
