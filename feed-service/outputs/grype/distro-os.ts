/**
 * The `operating_systems` row a distro entry belongs to, as grype-db writes it
 * (grype/db/v6/build/transformers/os `getOSInfo` / `getOperatingSystem`, the Ubuntu OSV strategy
 * `ubuntuOSFromEcosystem`, and the store's `OperatingSystem.clean`):
 *
 * - the group names the release the way an Anchore namespace does, `<id>:<version>`; the row's
 *   `name` is grype's distro type (`rhel` → `redhat`, the rest as is), `release_id` the os-release ID;
 * - a version that starts with a digit is split into major and minor, each without leading zeros
 *   (`ubuntu:22.04` → 22 and 4, `alpine:3.20` → 3 and 20, a zero stays `0`); one that does not is a
 *   label (`alpine:edge`, `debian:unstable` → `label_version`);
 * - `codename` is grype's codename table's (Debian by major: 12 → bookworm; Ubuntu by major and
 *   minor: 22.04 → jammy; none for a label): taken from airfeed's names table, which holds the same
 *   pairs;
 * - `channel` is the feed a fix is published in when it is not the release's public archive. grype
 *   knows two: Ubuntu Pro (`esm`, what grype-db writes for Canonical's `Ubuntu:Pro:<release>`
 *   ecosystems, whichever Pro service the fix is in: `esm-infra`, `esm-apps`) and Red Hat's EUS-style
 *   streams (`rhel:8.4+eus` → major 8, minor 4, channel `eus`: the minor comes from the entry's
 *   product CPE, `cpe:/a:redhat:rhel_eus:8.4::appstream`). grype searches channel rows only for a
 *   host that names the channel; a host without it reads the plain release's rows.
 */
import { codenameOf, requireDistro } from '../../../drivers/_framework/names.ts';
import type { FixedIn } from '../../../drivers/_framework/record.ts';
import type { OsRow } from './model.ts';

/** os-release ID → grype's distro type name (grype/distro IDMapping), where they differ. */
const OS_NAMES: Readonly<Record<string, string>> = { rhel: 'redhat' };

/** grype's leading-zero trim of a version field: `04` → `4`, `0` and `00` → `0`. */
export function trimZeroes(s: string): string {
  if (s === '') return s;
  const t = s.replace(/^0+/, '');
  return t === '' ? '0' : t;
}

/** A Red Hat product CPE of a stream with its own channel: `cpe:/a:redhat:rhel_eus:8.4::appstream` → eus, 8, 4. */
const RH_STREAM = /^cpe:\/[aho]:redhat:rhel_(eus|aus|e4s|tus):(\d+)(?:\.(\d+))?/;

function row(distroId: string, version: string, channel: string): OsRow {
  const numeric = /^\d/.test(version);
  const [major = '', minor = ''] = numeric ? version.split('.') : [];
  const label = numeric ? '' : version;
  const codename = numeric ? (codenameOf(distroId, distroId === 'debian' ? major : version) ?? '') : '';
  return {
    name: OS_NAMES[distroId] ?? distroId,
    releaseId: distroId,
    major: trimZeroes(major),
    minor: trimZeroes(minor),
    label,
    // Alpine branches (v3.20) are not codenames in grype's table.
    codename: distroId === 'alpine' ? '' : codename,
    channel,
  };
}

/** The plain release's row of a distro group: `alpine:3.20`, `debian:unstable`, `ubuntu:22.04`, `rhel:9`. */
export function releaseOs(group: string): OsRow {
  const colon = group.indexOf(':');
  const distroId = group.slice(0, colon);
  requireDistro(distroId, `grype operating system of group ${group}`);
  return row(distroId, group.slice(colon + 1), '');
}

/**
 * The row of one entry of a distro group: the release's, or its channel's; null when grype has no
 * row for the entry's channel (Ubuntu's FIPS streams: grype-db skips those entries too).
 */
export function entryOs(group: string, f: Pick<FixedIn, 'channel' | 'product'>): OsRow | null {
  const base = releaseOs(group);
  const rh = f.product?.cpe !== undefined ? RH_STREAM.exec(f.product.cpe) : null;
  if (base.releaseId === 'rhel' && (rh || f.channel !== undefined)) {
    const channel = (f.channel ?? rh?.[1] ?? '').toLowerCase();
    const minor = rh?.[3] ?? '';
    return { ...row('rhel', minor === '' ? base.major : `${rh?.[2] ?? base.major}.${minor}`, channel) };
  }
  if (f.channel === undefined) return base;
  if (base.releaseId === 'ubuntu') return /^esm/i.test(f.channel) || /^pro/i.test(f.channel) ? { ...base, channel: 'esm' } : null;
  return { ...base, channel: f.channel.toLowerCase() };
}

/** The key two rows are the same row by (grype's unique index: name, release id, versions, label, channel). */
export function osKey(o: OsRow): string {
  return [o.name, o.releaseId, o.major, o.minor, o.label, o.channel].join('\u0000').toLowerCase();
}
