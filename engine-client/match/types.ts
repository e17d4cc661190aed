/** The shapes of a scan's matching: its matches, problems, warnings and the lookups it is given. */
import type { CvssSummary, EpssSummary, KevSummary, SeveritySource } from '../enrich/types.ts';
import type { FixState, Severity } from '../../drivers/_framework/record.ts';
import type { Distro, InstalledPackage, PackageKind } from '../inputs/types.ts';
import type { AffectedRow } from '../store/types.ts';
import type { ProAssumption } from './channels.ts';
import type { RecordLookup } from './aliases.ts';

/** One vulnerability found in one installed package. */
export interface Match {
  /** The installed package, as the input names it. */
  package: string;
  installedVersion: string;
  /** The package's kind; `cpe` for an SBOM component known only by its CPE (`--match cpe`). */
  kind: PackageKind | 'cpe';
  /** `package`: by name in its distro's or ecosystem's group; `cpe`: by a CPE against NVD's configurations (`--match cpe`). */
  matchedBy: 'package' | 'cpe';
  /** The name the record names (the source package for distro binaries). */
  matchedName: string;
  /** The version that was compared (the source version for distro binaries). */
  matchedVersion: string;
  vulnId: string;
  /**
   * The other ids of the same flaw (GHSA-…, PYSEC-…, GO-…, CVE-…), sorted: the aliases of every
   * record that matched, and the ids of the records merged into this match. Empty when none are known.
   */
  aliases?: string[];
  severity: Severity;
  /**
   * Where `severity` comes from: the matched record itself, or NVD's record of the same CVE (the
   * record's id or an alias) when the record has no severity or CVSS of its own (engine-client/enrich);
   * null while it is Unknown.
   */
  severitySource: SeveritySource | null;
  /** The CVSS metric shown with the severity (the record's own, else NVD's); null when neither has one. */
  cvss: CvssSummary | null;
  /** The CISA KEV listing of the CVE; null when it is not listed (or the engine holds no KEV data). */
  kev: KevSummary | null;
  /** The FIRST EPSS score of the CVE; null when it has none (or the engine holds no EPSS data). */
  epss: EpssSummary | null;
  /** What the record says about the package: every state but `not_affected`, which never matches. */
  state: Exclude<FixState, 'not_affected'>;
  /** The first fixed version the machine can install; null when no fix is known or available to it. */
  fixedVersion: string | null;
  /** A fix published only in a channel the scan did not assume (Ubuntu Pro's `esm-infra`, …), when there is one. */
  unavailableFix?: { version: string; channel: string };
  /** The vendor advisories of the record for this package (DSA/DLA, USN), when the store has them. */
  advisories?: Advisory[];
  /** The module stream the matched entry is limited to (`nodejs:18`). */
  module?: string;
  group: string;
  link: string | null;
  /** Where the package was found in the input. */
  location: string;
}

/** A vendor advisory: `{id: "DSA-5380-1", link: "https://security-tracker.debian.org/tracker/DSA-5380-1"}`. */
export interface Advisory {
  id: string;
  link: string | null;
}

/** Which record entries' advisories a match wants: its group, vulnerability and matched (source) package. */
export interface AdvisoryKey {
  group: string;
  vulnId: string;
  package: string;
}

/** Looks advisories up; the map's keys are `group\0vulnId\0package`. */
export type AdvisoryLookup = (keys: readonly AdvisoryKey[]) => Promise<Map<string, Advisory[]>>;

/** Something the scan could not decide, reported instead of guessed. */
export interface Problem {
  package: string;
  version: string;
  location: string;
  vulnId?: string;
  group?: string;
  message: string;
}

/** A version that was compared although its scheme's tool warns about it (not a failure of the scan). */
export interface ScanWarning {
  package: string;
  /** The version warned about: the installed one, or the record's. */
  version: string;
  location: string;
  /** Set when the version is the record's (a fixed version or range event). */
  vulnId?: string;
  group?: string;
  message: string;
}

export interface MatchResult {
  distro: Distro | null;
  /** Groups consulted, with how many packages were looked up in each. */
  groups: { name: string; packages: number }[];
  /** Language groups the store does not hold: their packages were not checked (a coverage gap, not a failure). */
  unchecked: { group: string; packages: number }[];
  packages: number;
  /** Packages compared against their group's data without a problem (not counting packages of unchecked groups). */
  checked: number;
  matches: Match[];
  problems: Problem[];
  /** Versions compared with a warning, each once per package (and vulnerability for a record's version). */
  warnings: ScanWarning[];
  /** What the scan assumed about Ubuntu Pro (channels.ts): set for Ubuntu scans and whenever a record's fix was in a channel. */
  ubuntuPro?: ProAssumption;
}

/** Looks up the affected rows of many package names in one group. */
export type Lookup = (group: string, names: readonly string[]) => Promise<AffectedRow[]>;

export interface MatchOptions {
  lookup: Lookup;
  /** The groups the store holds; a package whose group is missing is an error, not a clean result. */
  available: ReadonlySet<string>;
  /** Overrides the inventory's distro (`--distro`). */
  distro?: Distro;
  /** `--ubuntu-pro`: the machine has Ubuntu Pro, so fixes in its ESM channels are available. */
  ubuntuPro?: boolean;
  /** Looks up the vendor advisories of the matches (store/advisories.ts); none are attached without it. */
  advisories?: AdvisoryLookup;
  /**
   * The aliases and withdrawal of matched records: when given, withdrawn records do not match and
   * the matches of one package that are the same flaw under several ids become one (match/aliases.ts).
   */
  records?: RecordLookup;
}

/** A package as the matcher looks it up: by its source name and version for distro packages (matchKey). */
export interface Candidate {
  pkg: InstalledPackage;
  name: string;
  version: string;
}
