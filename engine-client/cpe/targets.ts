/**
 * The CPE targets of a record: the distinct (part, vendor, product) of every criterion its NVD
 * configurations mark `vulnerable: true` (NVD API 2.0 `configurations[].nodes[].cpeMatch[]`, e.g.
 * CVE-2024-9681's `cpe:2.3:a:haxx:curl:*:*:*:*:*:*:*:*` from 7.74.0 up to 8.11.0). Only such a
 * criterion can make a component a match (a `vulnerable: false` one names a platform), so the store
 * indexes these (store table `cpe_targets`) and `scan --match cpe` looks candidates up by the
 * components' vendor:product. A criterion whose vendor or product is a wildcard, or that does not
 * parse, cannot be looked up and is left out (NVD writes neither).
 */
import { z } from 'zod';
import { CpeError, parseCpe, vendorProductKey } from './name.ts';

/** One indexed target. */
export interface CpeTarget {
  part: string;
  vendor: string;
  product: string;
}

/** The part of a record this reads (loose: everything else may be anything). */
export const ConfigurationsInput = z.looseObject({
  configurations: z
    .array(
      z.looseObject({
        nodes: z.array(z.looseObject({ cpeMatch: z.array(z.looseObject({ vulnerable: z.boolean(), criteria: z.string() })) })),
      }),
    )
    .optional(),
});

/** The targets of a record, sorted and distinct; [] when it has no configurations. */
export function cpeTargets(record: unknown): CpeTarget[] {
  const parsed = ConfigurationsInput.safeParse(record);
  if (!parsed.success || !parsed.data.configurations) return [];
  const seen = new Map<string, CpeTarget>();
  for (const conf of parsed.data.configurations) {
    for (const node of conf.nodes) {
      for (const m of node.cpeMatch) {
        if (!m.vulnerable) continue;
        let cpe;
        try {
          cpe = parseCpe(m.criteria);
        } catch (err) {
          if (err instanceof CpeError) continue;
          throw err;
        }
        if (vendorProductKey(cpe) === undefined || cpe.part.kind !== 'value' || cpe.vendor.kind !== 'value' || cpe.product.kind !== 'value') continue;
        const target = { part: cpe.part.text, vendor: cpe.vendor.text, product: cpe.product.text };
        seen.set(`${target.part}\0${target.vendor}\0${target.product}`, target);
      }
    }
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t);
}
