/**
 * The contract every driver follows: `fetch` touches the network (or a local mirror directory) and
 * nothing else; `parse` is offline and deterministic. The sync orchestrator in
 * feed-service/sync.ts strings them together and hands parsed groups to the storage layer's apply.
 */
import type { Logger } from 'pino';
import type { HttpClient } from './http.ts';
import type { VulnRecord } from './record.ts';
import type { V1Shape } from './shapes/index.ts';

/** The Anchore feed names, whose /v1 shapes are in the shape registry (drivers/_framework/shapes). */
export type FeedName = 'vulnerabilities' | 'nvdv2' | 'github';

/** Opaque per-driver state kept between runs (ETags, Last-Modified, digests). JSON only. */
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
  log: Logger;
}

/** One group's worth of parsed records, handed to apply. Records must be consumed in order. */
export interface ParsedGroup {
  /** Group name, e.g. `alpine:3.20`. */
  name: string;
  description: string;
  /**
   * True when `records` is the whole group: records missing from it become tombstones. False for
   * incremental inputs, which only add and change.
   */
  complete: boolean;
  /** Digest of the raw inputs that produced this group; equal digests let apply skip the group. */
  fingerprint: string;
  records: AsyncIterable<VulnRecord>;
}

/** A group a driver can see in its workspace, before parsing. */
export interface GroupInfo {
  name: string;
  description: string;
}

export interface Driver {
  /** Stable id, equal to the driver's folder name under drivers/. */
  id: string;
  /** The feed the driver's groups belong to. */
  feed: FeedName;
  /**
   * The /v1 record shape of the driver's feed, for a driver that introduces a feed the shape
   * registry does not know (drivers/_framework/shapes, `v1ShapeFor`); unused for the Anchore feeds.
   */
  v1Shape?: V1Shape;
  description: string;
  /** Upstream base URL used when no `--source` is given. */
  defaultSource: string;
  /** Cron expression for scheduled delta syncs (UTC). */
  defaultSchedule: string;
  /** Downloads (or copies from a mirror directory) the raw files into the workspace. */
  fetch(ctx: FetchContext): Promise<FetchResult>;
  /** Lists the groups present in the workspace, in sorted order. */
  groups(workspace: string): Promise<GroupInfo[]>;
  /** Yields the groups of the workspace, sorted by name, each with its records in a stable order. */
  parse(ctx: ParseContext): AsyncIterable<ParsedGroup>;
}
