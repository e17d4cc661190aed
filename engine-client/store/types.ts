/** The rows the engine's store answers lookups with; the matcher reads only these. */
import type { Range, Severity } from '../../drivers/_framework/record.ts';

/** One fixed-in entry of one vulnerability record, as stored for lookup by (group, package). */
export interface AffectedRow {
  /** The group (namespace) the record came from: `alpine:3.20`, `github:npm`, … */
  group: string;
  vulnId: string;
  /** The package as the record names it (a distro's source package, an ecosystem's package). */
  package: string;
  /** The record's version scheme (`apk`, `dpkg`, `rpm`, `semver`, `pep440`, `maven`, `gem`, `go`, `nuget`, `crates`). */
  scheme: string;
  /** The first fixed version; null when the record says no fix exists (Anchore's `"None"`). */
  fixed: string | null;
  /** OSV-style affected ranges for ecosystem advisories; null for distro records (fixed version only). */
  ranges: Range[] | null;
  severity: Severity;
  link: string | null;
}
