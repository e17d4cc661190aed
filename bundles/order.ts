/**
 * The order rules of bundle import, shared by the feed service (feed-service/bundles/import.ts) and the engine
 * (engine-client/sources/bundle.ts), each of which keeps its own record of what is installed: a
 * full bundle must not be older than the one installed for any of its groups (unless a downgrade is
 * asked for), a delta must build on exactly the installed bundle of every group, and importing the
 * bundle that is already installed everywhere is a no-op. Pure: no I/O, no clock.
 */
import { AirfeedError } from '../drivers/_framework/errors.ts';
import type { Manifest } from './manifest.ts';

/** The bundle installed for one group, as the importing side recorded it. */
export interface InstalledBundleState {
  bundleId: string;
  manifestSha256: string;
  /** The installed bundle's creation time (the producer's clock). */
  created: Date;
  /** The producer's highest change sequence of the group in the installed bundle. */
  sourceToSeq: number;
}

/** The verified bundle being imported. */
export interface OrderedBundle {
  /** The file, for messages. */
  file: string;
  manifest: Manifest;
  manifestSha256: string;
}

export interface OrderOptions {
  /** Install a full bundle older than the one installed (a deliberate rollback). */
  allowDowngrade?: boolean;
}

/**
 * Decides whether `bundle` may be applied over what is `installed` (group → installed bundle):
 * `installed` when it already is, for all its groups (a no-op the caller reports), `apply` when the
 * order is right. Throws BUNDLE_OUT_OF_ORDER naming the group and the bundle to import first, or
 * BUNDLE_INVALID for a delta whose sequence range does not continue its base.
 */
export function checkBundleOrder(
  bundle: OrderedBundle,
  installed: ReadonlyMap<string, InstalledBundleState>,
  options: OrderOptions = {},
): 'installed' | 'apply' {
  const { file, manifest: m } = bundle;
  if (m.groups.length > 0 && m.groups.every((g) => installed.get(g.name)?.manifestSha256 === bundle.manifestSha256)) return 'installed';
  for (const g of m.groups) {
    const have = installed.get(g.name);
    if (m.kind === 'full') {
      if (have && have.created.getTime() > Date.parse(m.created) && !options.allowDowngrade) {
        throw new AirfeedError(
          'BUNDLE_OUT_OF_ORDER',
          `bundle ${file} (${m.bundleId}, created ${m.created}) is older than bundle ${have.bundleId} (created ${have.created.toISOString()}) installed for group ${g.name}: importing it would roll the group back (--allow-downgrade does that on purpose)`,
        );
      }
      continue;
    }
    const base = m.base;
    if (!base) throw new AirfeedError('BUNDLE_INVALID', `bundle ${file}: a delta without a base`);
    if (have?.manifestSha256 !== base.manifestSha256) {
      const now = have ? `bundle ${have.bundleId} is installed` : 'no bundle is installed';
      throw new AirfeedError(
        'BUNDLE_OUT_OF_ORDER',
        `bundle ${file} (${m.bundleId}) is a delta on bundle ${base.bundleId}, but for group ${g.name} ${now}: import bundle ${base.bundleId} first (or a newer full bundle)`,
      );
    }
    if (have.sourceToSeq !== g.fromSeq) {
      throw new AirfeedError(
        'BUNDLE_INVALID',
        `bundle ${file}: group ${g.name} starts after sequence ${g.fromSeq}, but its base bundle ${base.bundleId} covered up to ${have.sourceToSeq}`,
      );
    }
  }
  return 'apply';
}
