/** The rows the engine's store answers lookups with; the matcher reads only these. */
import type { FixState, Range, Severity } from '../../drivers/_framework/record.ts';

/** One fixed-in entry of one vulnerability record, as stored for lookup by (group, package). */
export interface AffectedRow {
  /** The group (namespace) the record came from: `alpine:3.20`, `github:npm`, … */
  group: string;
  vulnId: string;
  /** The package as the record names it (a distro's source package, an ecosystem's package). */
  package: string;
  /** The record's version scheme (`apk`, `dpkg`, `rpm`, `semver`, `pep440`, `maven`, `gem`, `go`, `nuget`, `crates`). */
  scheme: string;
  /** What the record says about the package: `not_affected` never matches (drivers/_framework/record-fixed.ts). */
  state: FixState;
  /** The first fixed version of a `fixed` entry; null otherwise (no fix, or only ranges say it). */
  fixed: string | null;
  /** OSV-style affected ranges for ecosystem advisories; null for distro records (fixed version only). */
  ranges: Range[] | null;
  /** OSV's explicit list of affected versions; null when the record has none. */
  versions: string[] | null;
  /** The subscription channel a fix is published in (Ubuntu Pro `esm-infra`); null for the public archive. */
  channel: string | null;
  /** The Red Hat module stream (`nodejs:18`) the entry is limited to; null (or absent) outside modules. */
  module?: string | null;
  severity: Severity;
  link: string | null;
}
