/**
 * The /v1 shape of the `enrichment` feed, which Anchore does not have: the `vulnerabilities` shape
 * (`Name`, `NamespaceName: kev:catalog`, `Description`, `Link`, empty `FixedIn`) with the KEV block
 * as `Metadata.kev`, so an Anchore-style client reads the catalog entry where it reads other
 * metadata. Declared by the driver (Driver.v1Shape); the shape registry is not edited for it.
 */
import type { VulnRecord } from '../_framework/record.ts';
import { type AnchoreVulnerability, toAnchoreVulnerability } from '../_framework/shapes/anchore.ts';
import type { ShapeContext } from '../_framework/shapes/index.ts';

/** A record of `kev:catalog` in /v1. */
export function kevV1Shape(r: VulnRecord, ctx: ShapeContext): AnchoreVulnerability {
  const out = toAnchoreVulnerability(r, ctx.deleted);
  if (r.kev) out.Vulnerability.Metadata = { ...out.Vulnerability.Metadata, kev: r.kev };
  return out;
}
