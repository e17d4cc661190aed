/**
 * Which mapping module turns a group's records into grype rows, one module per source kind, chosen
 * by the group (so a bundle's groups map the same way whatever driver produced them):
 *
 * | groups                                   | module            | provider (vunnel's name)           |
 * |------------------------------------------|-------------------|------------------------------------|
 * | distro releases of the names table       | map-distro.ts     | `alpine`, `debian`, `ubuntu`, `rhel` |
 * | language ecosystems (`github:npm`, …)    | map-language.ts   | `github`                           |
 * | `nvdv2:cves`                             | map-nvd.ts        | `nvd`                              |
 * | `kev:catalog`, `epss:scores`             | map-enrichment.ts | `kev`, `epss`                      |
 *
 * A group no module covers is left out of the database and named in the build report.
 */
import { resolveGroup } from '../../../drivers/_framework/names.ts';
import type { VulnRecord } from '../../../drivers/_framework/record.ts';
import { DISTRO_PROVIDERS, mapDistroRecord } from './map-distro.ts';
import { EPSS_PROVIDER, isEpssGroup, isKevGroup, KEV_PROVIDER, mapEpssRecord, mapKevRecord } from './map-enrichment.ts';
import { LANGUAGE_PROVIDER, mapLanguageRecord } from './map-language.ts';
import { isNvdGroup, mapNvdRecord, NVD_PROVIDER } from './map-nvd.ts';
import type { GrypeEntry } from './model.ts';

export interface Mapping {
  /** The `providers.id` the group's rows belong to. */
  provider: string;
  /** The rows of one record; null when grype-db would write none for it. */
  map: (record: VulnRecord) => GrypeEntry | null;
}

/** The mapping of a group's records, or undefined when grype output does not cover the group. */
export function mappingFor(group: string): Mapping | undefined {
  const g = resolveGroup(group);
  if (g?.kind === 'distro') {
    const provider = DISTRO_PROVIDERS[g.distro.id];
    return provider ? { provider, map: mapDistroRecord } : undefined;
  }
  if (g?.kind === 'ecosystem') return { provider: LANGUAGE_PROVIDER, map: mapLanguageRecord };
  if (isNvdGroup(group)) return { provider: NVD_PROVIDER, map: mapNvdRecord };
  if (isKevGroup(group)) return { provider: KEV_PROVIDER, map: mapKevRecord };
  if (isEpssGroup(group)) return { provider: EPSS_PROVIDER, map: mapEpssRecord };
  return undefined;
}
