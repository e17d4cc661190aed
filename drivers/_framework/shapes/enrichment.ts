/**
 * The /v1 shape of the `enrichment` feed (feeds.ts), which Anchore does not have, shared by its
 * drivers (`kev:catalog`, `epss:scores`): the `vulnerabilities` shape (`Name`, `NamespaceName`,
 * `Description`, `Link`, empty `FixedIn`) with the record's enrichment blocks in `Metadata` — `kev`
 * (the CISA catalog entry) and `epss` (`{score, percentile, date}`) — so an Anchore-style client
 * reads them where it reads other metadata. One function for the whole feed: /v1 looks a feed's
 * shape up by feed (index.ts `v1ShapeFor`), so every driver of it must render alike.
 */
import type { VulnRecord } from '../record.ts';
import { type AnchoreVulnerability, toAnchoreVulnerability } from './anchore.ts';
import type { ShapeContext } from './context.ts';

/** A record of the enrichment feed in /v1. */
export function enrichmentV1Shape(r: VulnRecord, ctx: ShapeContext): AnchoreVulnerability {
  const out = toAnchoreVulnerability(r, ctx.deleted);
  const extra: Record<string, unknown> = {};
  if (r.kev) extra['kev'] = r.kev;
  if (r.epss) extra['epss'] = r.epss;
  if (Object.keys(extra).length > 0) out.Vulnerability.Metadata = { ...out.Vulnerability.Metadata, ...extra };
  return out;
}
