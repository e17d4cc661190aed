/**
 * Fixes published in a subscription channel (record-fixed.ts `channel`): Ubuntu Pro's ESM pockets
 * (`esm-infra`, `esm-apps`, `esm`, `esm-infra-legacy`, …). A fix only in such a channel is no fix for
 * a machine without the subscription: the vulnerability stays, and the scan says the fix needs Pro.
 *
 * Whether the scanned machine has Ubuntu Pro is decided once per scan, and reported:
 * - `--ubuntu-pro` says so;
 * - else evidence in the input: an installed deb built for ESM (its version carries `+esm` or `~esm`
 *   and a number, as Canonical numbers ESM uploads: `1.12.0-1~ubuntu16.04.3+esm1`,
 *   `1:4.1.48-4+deb11u2ubuntu0.1~esm1`), or a purl whose `distro` qualifier names an ESM pocket
 *   (`distro=esm-infra/xenial`);
 * - else it is assumed absent.
 *
 * Channels other than Ubuntu Pro's (Red Hat EUS/AUS, …) are never assumed: their fixes are shown as
 * unavailable, naming the channel.
 */
import type { Inventory } from '../inputs/types.ts';

/** What the scan assumed about Ubuntu Pro, and why. */
export interface ProAssumption {
  enabled: boolean;
  reason: string;
}

const ESM_VERSION = /[+~]esm\d+/;

/** True for an Ubuntu Pro (ESM) channel. */
export function isProChannel(channel: string): boolean {
  return channel === 'esm' || channel.startsWith('esm-') || channel.startsWith('esm/');
}

/** Decides the Ubuntu Pro assumption of a scan (see the module doc). */
export function ubuntuProAssumption(inv: Inventory, flag: boolean | undefined): ProAssumption {
  if (flag === true) return { enabled: true, reason: '--ubuntu-pro' };
  for (const p of inv.packages) {
    if (p.kind !== 'deb') continue;
    if (ESM_VERSION.test(p.version)) return { enabled: true, reason: `${p.name} ${p.version} (${p.location}) is an Ubuntu Pro (ESM) build` };
    const distro = p.purl === undefined ? undefined : /[?&]distro=([^&#]*)/.exec(p.purl)?.[1];
    if (distro !== undefined && /(^|%2F|\/)esm/i.test(distro)) return { enabled: true, reason: `${p.name} (${p.location}) comes from an Ubuntu Pro (ESM) pocket` };
  }
  return { enabled: false, reason: 'no --ubuntu-pro, and no Ubuntu Pro (ESM) package in the input' };
}

/** Whether a fix published in `channel` is available to the scanned machine. */
export function channelAvailable(channel: string | null, pro: ProAssumption): boolean {
  return channel === null || (pro.enabled && isProChannel(channel));
}
