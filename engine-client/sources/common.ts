/** What both online protocols share: the sync context, the per-group result, URL and JSON helpers. */
import type { Logger } from 'pino';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { HttpClient } from '../../drivers/_framework/http.ts';
import type { Progress } from '../../drivers/_framework/types.ts';
import type { Sql } from '../store/db.ts';

export interface GroupSyncResult {
  group: string;
  feed: string;
  /** `replace`: the group was rebuilt from the full list; `changes`: only changes were applied. */
  mode: 'replace' | 'changes';
  /** Records (and tombstones) received from the service. */
  transferred: number;
  upserts: number;
  deletions: number;
  /** The group's records and affected rows afterwards. */
  records: number;
  affected: number;
  /** /v2: the producer's change sequence the group is now at. */
  cursor: number | null;
  /** /v1: the `since` the next sync sends. */
  since: string | null;
}

/** What a protocol needs while syncing. */
export interface SyncContext {
  sql: Sql;
  /** The service's base URL, without a trailing slash. */
  root: string;
  http: HttpClient;
  /** Headers for every request to the service (its read token). */
  headers: Record<string, string>;
  /** The Accept header of /v2 record requests (NDJSON, or JSON pages). */
  accept: string;
  log: Logger;
  progress: Progress | undefined;
  /** Temp directory for downloaded answers. */
  spool: string;
  startedAt: Date;
}

/** A path segment for a feed or group name; the colon stays, as Anchore clients send it. */
export function groupSegment(name: string): string {
  return encodeURIComponent(name).replace(/%3A/gi, ':');
}

/** The label a group's `source` carries when it comes from the service at `root`. */
export function serviceSource(root: string): string {
  return `service ${root}`;
}

/** Parses a JSON text; `fail` names the place when it is not JSON. */
export function parseJson(text: string, fail: (reason: string, cause: unknown) => AirfeedError): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw fail(`is not JSON (${(err as Error).message})`, err);
  }
}

/** ENGINE_SOURCE_INVALID for `url`, naming the group and the place (`line 3`, `record 2 of the page`). */
export function sourceInvalid(url: string, group: string, where: string, reason: string, cause?: unknown): AirfeedError {
  return new AirfeedError('ENGINE_SOURCE_INVALID', `${url}: group ${group}: ${where}: ${reason}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { url, group, where },
  });
}
