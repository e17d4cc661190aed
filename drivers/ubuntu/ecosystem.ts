/**
 * Canonical's OSV ecosystem strings, and where an affected entry belongs. Real strings from
 * osv-all.tar.xz (and ../shared/realdata/fixtures/vunnel/ubuntu/test-fixtures):
 *
 * | ecosystem | group | channel |
 * |---|---|---|
 * | `Ubuntu:22.04:LTS`, `Ubuntu:25.10` | `ubuntu:22.04`, `ubuntu:25.10` | none: the public archive |
 * | `Ubuntu:Pro:16.04:LTS` with purl `…?arch=source&distro=esm-infra/xenial` | `ubuntu:16.04` | `esm-infra` |
 * | `Ubuntu:Pro:16.04:LTS` with `distro=esm-apps/xenial` | `ubuntu:16.04` | `esm-apps` |
 * | `Ubuntu:Pro:14.04:LTS` with `distro=trusty/esm`, `distro=esm-infra-legacy/trusty` | `ubuntu:14.04` | `esm`, `esm-infra-legacy` |
 * | `Ubuntu:Pro:14.04:LTS` without purl | `ubuntu:14.04` | `esm` |
 * | `Ubuntu:Pro:FIPS-updates:20.04:LTS`, `Ubuntu:Pro:Realtime:22.04:LTS`, `Ubuntu:Nvidia-BlueField:22.04:LTS` | none: a variant build | — |
 *
 * The channel is the purl's `distro` qualifier without the release's codename, because that is
 * the archive pocket the fix is published in. A Pro (ESM) fix stays on its release's record with
 * its channel: it is no fix for a machine without Ubuntu Pro, and the engine says so.
 *
 * Variant builds (FIPS, FIPS-updates, Realtime, Nvidia BlueField) rebuild packages with different
 * code (FIPS-validated crypto, the PREEMPT_RT kernel, a SmartNIC OS): their ranges do not describe
 * the release's own packages, so they are left out and counted. A string of another shape, or a
 * release the names table (_framework/names.ts) does not know, is reported and left out: never
 * guessed.
 */
import { codenameOf, distroGroup } from '../_framework/names.ts';

export type Placement =
  | { kind: 'release'; group: string; release: string; channel?: string }
  | { kind: 'variant' }
  | { kind: 'unknown-release'; release: string }
  | { kind: 'unknown' };

const BASE = /^Ubuntu:(\d\d\.\d\d)(?::LTS)?$/;
const PRO = /^Ubuntu:Pro:(\d\d\.\d\d)(?::LTS)?$/;
const VARIANT = /^Ubuntu:(?:Pro:)?[A-Za-z][A-Za-z0-9-]*:\d\d\.\d\d(?::LTS)?$/;

/** The purl's `distro` qualifier: `esm-infra/xenial` (percent-decoded), or undefined. */
function distroQualifier(purl: string | undefined): string | undefined {
  if (purl === undefined) return undefined;
  const q = purl.indexOf('?');
  if (q < 0) return undefined;
  for (const pair of purl.slice(q + 1).split('#')[0]?.split('&') ?? []) {
    const [k, v] = pair.split('=');
    if (k === 'distro' && v !== undefined) {
      try {
        return decodeURIComponent(v);
      } catch {
        return v;
      }
    }
  }
  return undefined;
}

/** The Pro channel of an entry: the `distro` qualifier's parts other than the codename, else `esm`. */
export function proChannel(release: string, purl: string | undefined): string {
  const codename = codenameOf('ubuntu', release);
  const parts = (distroQualifier(purl) ?? '').split('/').filter((p) => p !== '' && p !== codename);
  return parts.length > 0 ? parts.join('/') : 'esm';
}

/** Where an affected entry of `ecosystem` (with its purl) belongs; see the module doc. */
export function placeEntry(ecosystem: string, purl: string | undefined): Placement {
  const base = BASE.exec(ecosystem);
  const pro = base ? undefined : PRO.exec(ecosystem);
  const release = base?.[1] ?? pro?.[1];
  if (release === undefined) return VARIANT.test(ecosystem) ? { kind: 'variant' } : { kind: 'unknown' };
  if (codenameOf('ubuntu', release) === undefined) return { kind: 'unknown-release', release };
  const group = distroGroup('ubuntu', release);
  return pro ? { kind: 'release', group, release, channel: proChannel(release, purl) } : { kind: 'release', group, release };
}
