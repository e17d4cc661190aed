/** FIRST EPSS scores: one group, `epss:scores`, in the `enrichment` feed. See README.md. */
import { ENRICHMENT_FEED } from '../_framework/feeds.ts';
import { enrichmentV1Shape } from '../_framework/shapes/enrichment.ts';
import type { Driver } from '../_framework/types.ts';
import { fetchEpss } from './fetch.ts';
import { epssGroups, PARSER_VERSION, parseEpss } from './parse.ts';

export const epss: Driver = {
  id: 'epss',
  feed: ENRICHMENT_FEED,
  v1Shape: enrichmentV1Shape,
  description: 'FIRST Exploit Prediction Scoring System: the daily probability that a CVE is exploited in the next 30 days, and its percentile',
  defaultSource: 'https://epss.cyentia.com/epss_scores-current.csv.gz',
  // FIRST publishes the day's scores once a day.
  defaultSchedule: '37 7 * * *',
  parserVersion: PARSER_VERSION,
  fetch: fetchEpss,
  groups: epssGroups,
  parse: parseEpss,
};
