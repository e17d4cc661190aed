/**
 * One registry of output shapes: everything airfeed serves or matches on is computed from the stored
 * record through one of these, keyed by name (explicit and sorted, so a missing one is a type error):
 *
 * | shape                     | used by                                     | module          |
 * |---------------------------|---------------------------------------------|-----------------|
 * | `affected`                | the engine's matching rows                  | affected.ts     |
 * | `anchore-github`          | /v1 `github` feed                           | anchore.ts      |
 * | `anchore-nvdv2`           | /v1 `nvdv2` feed                            | anchore-nvd.ts  |
 * | `anchore-vulnerabilities` | /v1 `vulnerabilities` feed                  | anchore.ts      |
 * | `osv`                     | /v2 OSV views                               | osv.ts          |
 * | `v2`                      | /v2 records (the record itself; served as stored bytes) | here |
 *
 * A /v1 feed's shape is the registry's for the three Anchore feeds. A driver that introduces another
 * feed brings its /v1 shape along in its own folder (`Driver.v1Shape`, drivers/_framework/types.ts);
 * `v1ShapeFor` finds it, so adding a feed never means editing this file.
 */
import { AirfeedError } from '../errors.ts';
import type { VulnRecord } from '../record.ts';
import { type AffectedEntry, type AffectedInput, affectedRows } from './affected.ts';
import { type AnchoreGithub, type AnchoreVulnerability, toAnchoreGithub, toAnchoreVulnerability } from './anchore.ts';
import { toAnchoreNvd } from './anchore-nvd.ts';
import type { ShapeContext } from './context.ts';
import { type OsvVulnerability, toOsv } from './osv.ts';

export { AffectedInput } from './affected.ts';
export type { AffectedEntry } from './affected.ts';
export type { ShapeContext } from './context.ts';
export type { OsvVulnerability } from './osv.ts';

/** A computed view of a record. */
export interface OutputShape<In, Out> {
  readonly description: string;
  render(record: In, ctx: ShapeContext): Out;
}

/** The shape names, sorted. */
export const OUTPUT_SHAPE_NAMES = ['affected', 'anchore-github', 'anchore-nvdv2', 'anchore-vulnerabilities', 'osv', 'v2'] as const;
export type OutputShapeName = (typeof OUTPUT_SHAPE_NAMES)[number];

/** What each shape takes and gives. */
interface ShapeTypes {
  affected: OutputShape<AffectedInput, AffectedEntry[]>;
  'anchore-github': OutputShape<VulnRecord, AnchoreGithub>;
  'anchore-nvdv2': OutputShape<VulnRecord, Record<string, unknown>>;
  'anchore-vulnerabilities': OutputShape<VulnRecord, AnchoreVulnerability>;
  osv: OutputShape<VulnRecord, OsvVulnerability>;
  v2: OutputShape<VulnRecord, VulnRecord>;
}

/** Every output shape by name. */
export const OUTPUT_SHAPES: { readonly [K in OutputShapeName]: ShapeTypes[K] } = {
  affected: { description: 'engine matching rows, one per fixedIn entry', render: (r) => affectedRows(r) },
  'anchore-github': { description: 'Anchore /v1 github feed: Advisory', render: (r, ctx) => toAnchoreGithub(r, ctx.deleted, ctx.updatedAt) },
  'anchore-nvdv2': { description: 'Anchore /v1 nvdv2 feed: NVD 1.1 cve item', render: (r, ctx) => toAnchoreNvd(r, ctx.deleted) },
  'anchore-vulnerabilities': { description: 'Anchore /v1 vulnerabilities feed: Vulnerability', render: (r, ctx) => toAnchoreVulnerability(r, ctx.deleted) },
  osv: { description: 'OSV 1.7 vulnerability', render: (r, ctx) => toOsv(r, ctx) },
  v2: { description: 'the normalized record itself (/v2 sends the stored canonical JSON)', render: (r) => r },
};

/** Renders `record` in the named shape. */
export function renderShape<K extends OutputShapeName>(name: K, record: Parameters<ShapeTypes[K]['render']>[0], ctx: ShapeContext): ReturnType<ShapeTypes[K]['render']> {
  const shape = OUTPUT_SHAPES[name] as OutputShape<typeof record, ReturnType<ShapeTypes[K]['render']>>;
  return shape.render(record, ctx);
}

/** A feed's /v1 record shape. */
export type V1Shape = (record: VulnRecord, ctx: ShapeContext) => unknown;

/** The Anchore feeds (drivers/_framework/feeds.ts) and their registry shapes. */
export const ANCHORE_FEED_SHAPES = {
  github: 'anchore-github',
  nvdv2: 'anchore-nvdv2',
  vulnerabilities: 'anchore-vulnerabilities',
} as const satisfies Record<string, OutputShapeName>;
type AnchoreFeed = keyof typeof ANCHORE_FEED_SHAPES;

function isAnchoreFeed(feed: string): feed is AnchoreFeed {
  return Object.hasOwn(ANCHORE_FEED_SHAPES, feed);
}

/**
 * The /v1 shape of `feed`: the registry's for an Anchore feed, else the `v1Shape` of a driver that
 * publishes into that feed. NAME_UNMAPPED when neither exists.
 */
export function v1ShapeFor(feed: string, drivers: readonly { id: string; feed: { name: string }; v1Shape?: V1Shape | undefined }[]): V1Shape {
  if (isAnchoreFeed(feed)) {
    const shape = OUTPUT_SHAPES[ANCHORE_FEED_SHAPES[feed]];
    return (r, ctx) => shape.render(r, ctx);
  }
  const own = drivers.find((d) => d.feed.name === feed && d.v1Shape !== undefined);
  if (own?.v1Shape) return own.v1Shape;
  throw new AirfeedError(
    'NAME_UNMAPPED',
    `feed "${feed}" has no /v1 record shape: it is not one of ${Object.keys(ANCHORE_FEED_SHAPES).join(', ')}, and no driver of it declares v1Shape`,
    { details: { feed } },
  );
}
