/**
 * What a mapping module hands the writer: one record of airfeed's store as the rows grype's v6 model
 * keeps for it (grype/db/v6/models.go). The writer assigns ids, deduplicates blobs, operating
 * systems, packages and CPEs, and never looks at airfeed's record itself.
 */
import type { KevBlob, PackageBlob, VulnerabilityBlob } from './blobs.ts';

/** An `operating_systems` row without its id: `alpine` 3.20 is `{name: 'alpine', releaseId: 'alpine', major: '3', minor: '20'}`. */
export interface OsRow {
  name: string;
  releaseId: string;
  major: string;
  minor: string;
  /** A non-numeric release: `edge`, `unstable`. */
  label: string;
  codename: string;
  channel: string;
}

/** A `packages` row: `{ecosystem: 'apk', name: 'openssl'}`. Ecosystems are syft package types. */
export interface PackageRow {
  ecosystem: string;
  name: string;
}

/** A `cpes` row: the CPE 2.3 attributes after part, `*` and `-` kept as grype keeps them. */
export interface CpeRow {
  part: string;
  vendor: string;
  product: string;
  edition: string;
  language: string;
  softwareEdition: string;
  targetHardware: string;
  targetSoftware: string;
  other: string;
}

/** grype's VulnerabilityStatus; `''` is its unknown status (NVD's Received and Deferred). */
export type VulnerabilityStatus = 'active' | 'analyzing' | 'rejected' | 'disputed' | '';

export interface VulnerabilityEntry {
  name: string;
  status: VulnerabilityStatus;
  published: string | null;
  modified: string | null;
  withdrawn: string | null;
  blob: VulnerabilityBlob;
}

export interface PackageHandle {
  /** null for ecosystem packages (no operating system). */
  os: OsRow | null;
  pkg: PackageRow;
  blob: PackageBlob;
}

export interface CpeHandle {
  cpe: CpeRow;
  blob: PackageBlob;
}

/**
 * Everything one record contributes. `vulnerability` is null for the enrichment sources (KEV, EPSS),
 * which grype keeps in tables of their own, keyed by CVE, with no vulnerability handle. The
 * `vulnerability_aliases` rows are not listed here: the writer derives them from the vulnerability
 * blob's `aliases`, as grype's store does (every alias but the name itself).
 */
export interface GrypeEntry {
  /** The `providers.id` the rows belong to (vunnel's provider names: `alpine`, `nvd`, `github`, `kev`, …). */
  provider: string;
  vulnerability: VulnerabilityEntry | null;
  affectedPackages: PackageHandle[];
  unaffectedPackages: PackageHandle[];
  affectedCpes: CpeHandle[];
  unaffectedCpes: CpeHandle[];
  cwes: { cve: string; cwe: string; source: string; type: string }[];
  kev: { cve: string; blob: KevBlob }[];
  epss: { cve: string; epss: number; percentile: number; date: string }[];
}

export function emptyEntry(provider: string, vulnerability: VulnerabilityEntry | null): GrypeEntry {
  return { provider, vulnerability, affectedPackages: [], unaffectedPackages: [], affectedCpes: [], unaffectedCpes: [], cwes: [], kev: [], epss: [] };
}
