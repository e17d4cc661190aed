/**
 * Where the Debian driver's files are, upstream, in a mirror directory and in the workspace. A mirror
 * mirrors the upstream paths:
 *
 * | file | upstream | mirror and workspace key |
 * |---|---|---|
 * | the tracker JSON | `https://security-tracker.debian.org/tracker/data/json` | `tracker/data/json` (or `tracker/data/json.gz`) |
 * | the DSA list | `https://salsa.debian.org/security-tracker-team/security-tracker/raw/master/data/DSA/list` | `data/DSA/list` |
 * | the DLA list | `…/raw/master/data/DLA/list` | `data/DLA/list` |
 *
 * The JSON is served by the tracker itself, the lists by the tracker's git repository on Salsa; a
 * mirror serves all three under one base.
 */

/** The tracker JSON, as a mirror names it: plain or gzip-compressed (parse sniffs the bytes). */
export const JSON_KEYS = ['tracker/data/json', 'tracker/data/json.gz'] as const;
export type JsonKey = (typeof JSON_KEYS)[number];

/** The advisory lists: which DSA (stable) or DLA (LTS) fixed which source at which version. */
export const LIST_KEYS = ['data/DLA/list', 'data/DSA/list'] as const;
export type ListKey = (typeof LIST_KEYS)[number];

/** The tracker's own host: the lists then come from its git repository on Salsa. */
export const TRACKER_BASE = 'https://security-tracker.debian.org/';
export const SALSA_BASE = 'https://salsa.debian.org/security-tracker-team/security-tracker/raw/master/';

/** The workspace files the driver manages (the rest, e.g. its `.cache/`, it leaves alone). */
export function ownsKey(key: string): boolean {
  return (JSON_KEYS as readonly string[]).includes(key) || (LIST_KEYS as readonly string[]).includes(key);
}

/** A base URL with a trailing slash. */
export function baseUrl(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Where the lists come from for an HTTP source: the `lists_source` setting, Salsa for the tracker itself, else the source. */
export function listsBase(source: string, setting: string | undefined): string {
  if (setting !== undefined && setting !== '') return baseUrl(setting);
  return new URL(source).host === new URL(TRACKER_BASE).host ? SALSA_BASE : baseUrl(source);
}
