/** The OSV driver: language-ecosystem advisories from osv.dev, one group per ecosystem (`github:npm`, …). See README.md. */
import { GITHUB_FEED } from '../_framework/feeds.ts';
import type { Driver } from '../_framework/types.ts';
import { fetchOsv } from './fetch.ts';
import { osvGroups, PARSER_VERSION, parseOsv } from './parse.ts';

export const osv: Driver = {
  id: 'osv',
  feed: GITHUB_FEED,
  description: 'OSV advisories of the language ecosystems (npm, PyPI, Maven, Go, RubyGems, crates.io, NuGet, Packagist) from osv.dev',
  defaultSource: 'https://osv-vulnerabilities.storage.googleapis.com/',
  defaultSchedule: '41 * * * *',
  parserVersion: PARSER_VERSION,
  fetch: fetchOsv,
  groups: osvGroups,
  parse: parseOsv,
};
