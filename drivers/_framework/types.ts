/**
 * The contract every driver follows: `fetch` touches the network (or a local mirror directory) and
 * nothing else; `parse` is offline and deterministic. The sync orchestrator in
 * feed-service/sync.ts strings them together and hands parsed groups to the storage layer's apply.
 *
 * What the framework does around a driver, so no driver does it by hand:
 * - its feed is created (or its description updated) from `feed` at every sync and service start;
 * - its settings are read from the configuration file and the environment and handed to `fetch`
 *   (`ctx.settings`); secret values never reach logs, state, errors or listings (settings.ts);
 * - `parserVersion` is mixed into every group fingerprint, so bumping it re-parses unchanged inputs;
 * - every record is validated against the record schema before apply; a bad record fails its group
 *   with the driver, file and record id named, and the group's previous data stays served;
 * - a group the driver no longer lists (its input vanished upstream) is reported and marked stale,
 *   never deleted; a group that comes back is no longer stale.
 */
import type { Logger } from 'pino';
import type { HttpClient } from './http.ts';
import type { VulnRecord } from './record.ts';
import type { DriverSetting, SettingValues } from './settings.ts';
import type { V1Shape } from './shapes/index.ts';

export type { DriverSetting, SettingValues } from './settings.ts';

/**
 * A feed drivers publish into (Anchore's word): `vulnerabilities`, `nvdv2`, `github`, or one a
 * driver brings (`enrichment`). Drivers sharing a feed share its constant (feeds.ts), so the
 * description is the same wherever it is declared.
 */
export interface Feed {
  /** `[a-z0-9][a-z0-9_-]*`, as bundle manifests require. */
  name: string;
  description: string;
}

/** Opaque per-driver state kept between runs (ETags, Last-Modified, digests). JSON only; never a secret. */
export type DriverState = Record<string, unknown>;

/** Reports progress of long work; the CLI renders it, services log it. */
export interface Progress {
  /** Sets the current phase and, when known, the total units of work. */
  phase(name: string, total?: number): void;
  /** Advances the current phase by `n` units. */
  tick(n?: number): void;
}

export interface FetchContext {
  /** An `http(s)://` base URL or a local mirror directory. */
  source: string;
  /** The driver's own directory for raw files; parse reads only from here. */
  workspace: string;
  /** What the previous successful fetch returned as `state`. */
  state: DriverState;
  /** The values of the driver's declared `settings` (from the config file and the environment). */
  settings: SettingValues;
  http: HttpClient;
  log: Logger;
  progress: Progress;
  signal?: AbortSignal;
}

export interface FetchResult {
  /** True when the upstream fingerprint has not moved since `state` was written. */
  unchanged: boolean;
  /** State to keep for the next run. */
  state: DriverState;
}

export interface ParseContext {
  workspace: string;
  /** Only these groups need to be parsed (disabled groups are skipped); undefined means all. */
  groups?: ReadonlySet<string>;
  /**
   * Per group, the fingerprint this driver yielded for the group's last successful apply, when that
   * apply ran with the current `parserVersion` (the framework strips its prefix); absent for a group
   * never applied, and empty on a forced sync. An incremental driver compares it with what it is
   * about to yield, to choose between the whole group (`complete: true`) and only what changed
   * since (`complete: false`): e.g. the osv driver sends the records fetched one by one since a
   * zip snapshot only when that snapshot is the one already applied.
   */
  applied?: ReadonlyMap<string, string>;
  log: Logger;
}

/** One group's worth of parsed records, handed to apply. Records must be consumed in order. */
export interface ParsedGroup {
  /** Group name, e.g. `alpine:3.20`. */
  name: string;
  description: string;
  /**
   * True when `records` is the whole group: records missing from it become tombstones. False for
   * incremental inputs, which add and change records and name the ones to delete in `deletions`.
   */
  complete: boolean;
  /**
   * Digest of the raw inputs that produced this group; equal digests (with an equal parser version)
   * let sync skip the group. The framework mixes in `Driver.parserVersion`: do not.
   */
  fingerprint: string;
  records: AsyncIterable<VulnRecord>;
  /**
   * Incremental groups only (`complete: false`): ids of records deleted upstream, which become
   * tombstones. Read after `records` is exhausted, so both may be views of one sequential stream.
   * Ids the group does not hold (or holds as tombstones) are ignored; an id that is also among
   * `records` fails the group.
   */
  deletions?: AsyncIterable<string>;
}

/** A group a driver can see in its workspace, before parsing. */
export interface GroupInfo {
  name: string;
  description: string;
}

export interface Driver {
  /** Stable id, equal to the driver's folder name under drivers/ (`[a-z0-9]+`). */
  id: string;
  feed: Feed;
  /**
   * The /v1 record shape of the driver's feed, for a driver that brings a feed the shape registry
   * does not know (drivers/_framework/shapes, `v1ShapeFor`); unused for the Anchore feeds.
   */
  v1Shape?: V1Shape;
  description: string;
  /** Upstream base URL used when no `--source` is given. */
  defaultSource: string;
  /** Cron expression for scheduled delta syncs (UTC). */
  defaultSchedule: string;
  /**
   * The version of the parse rules, e.g. `alpine-parse-1`. Bump it whenever parse output changes
   * for the same input: the next sync then re-parses every group instead of skipping it.
   */
  parserVersion: string;
  /** Settings the driver reads in `fetch` (an API key, a token); none when absent. */
  settings?: readonly DriverSetting[];
  /** Downloads (or copies from a mirror directory) the raw files into the workspace. */
  fetch(ctx: FetchContext): Promise<FetchResult>;
  /**
   * Lists the groups present in the workspace, in sorted order. A group it no longer lists has
   * vanished upstream: the framework keeps its data, marks it stale and reports it.
   */
  groups(workspace: string): Promise<GroupInfo[]>;
  /** Yields the groups of the workspace, sorted by name, each with its records in a stable order. */
  parse(ctx: ParseContext): AsyncIterable<ParsedGroup>;
}
