/** Distro packages need a distro release: the refusal when none is known, and the error for a release the store lacks. */
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { Distro, Inventory, PackageKind } from '../inputs/types.ts';
import { DISTRO_KINDS } from './namespaces.ts';

/** What `--distro` to suggest for packages of a distro kind that came without a release. */
const DISTRO_EXAMPLES: Readonly<Record<string, string>> = {
  apk: '--distro alpine:3.20 (for an Alpine system)',
  deb: '--distro debian:12 or --distro ubuntu:22.04 (for a Debian or Ubuntu system)',
  rpm: '--distro rhel:9 (for RHEL and its rebuilds: Rocky, AlmaLinux, CentOS Stream)',
};

/**
 * Refuses distro packages (apk, deb, rpm) when no distro release is known (neither the input nor
 * `distro` names one): their group is per release. The hint suggests releases of the kind found
 * (a dpkg status file wants debian or ubuntu, never alpine). The scan calls this before it opens
 * the database, so the mistake is reported at once.
 */
export function checkDistro(inv: Inventory, distro: Distro | undefined): void {
  if (distro !== undefined) return;
  const byKind = new Map<PackageKind, string[]>();
  for (const pkg of inv.packages) {
    if (!DISTRO_KINDS.has(pkg.kind)) continue;
    const names = byKind.get(pkg.kind);
    if (names) names.push(pkg.name);
    else byKind.set(pkg.kind, [pkg.name]);
  }
  if (byKind.size === 0) return;
  const kinds = [...byKind.keys()].sort();
  const what = kinds
    .map((k) => {
      const names = byKind.get(k) ?? [];
      return `${names.length} ${k} packages (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`;
    })
    .join(' and ');
  const examples = kinds.map((k) => DISTRO_EXAMPLES[k] ?? '--distro <id>:<release>').join('; ');
  throw new AirfeedError('SCAN_DISTRO_UNKNOWN', `${inv.file}: ${what} need a distro release, and the input names none`, {
    hint: `Say which release the packages come from: ${examples}; or --os-release <file> with the scanned system's /etc/os-release.`,
  });
}

/**
 * The error for a distro release the store does not hold: names the release, the releases of the
 * same distro it does hold (or that it holds none), and the two ways to get the data in.
 */
export function missingRelease(group: string, distro: Distro, inv: Inventory, available: ReadonlySet<string>): AirfeedError {
  const held = [...available].filter((g) => g.startsWith(`${distro.id}:`)).sort();
  const holds = held.length > 0 ? `of ${distro.id} it holds ${held.join(', ')}` : `it holds no ${distro.id} release at all`;
  return new AirfeedError('ENGINE_DB_EMPTY', `the engine holds no data for ${group} (the packages of ${inv.file} come from it); ${holds}`, {
    hint:
      `Get ${group} into the engine: \`airfeed-engine sync --from <url> --groups ${group}\` from a feed service that serves it, ` +
      `or \`airfeed-engine import <bundle.tar>\` with a bundle that holds it. If the packages come from another release, say which with --distro.`,
  });
}

