/**
 * What CycloneDX, SPDX and syft JSON have in common: each entry is a purl (the identity), maybe a
 * name and version beside it, and maybe the source package in tool metadata (syft's, trivy's). This turns one
 * entry into an InstalledPackage by the same rules for all three: kind and name from the purl type,
 * version from the purl (`epoch` qualifier applied) or else the entry's, source from the tool's
 * explicit metadata (syft's, trivy's) or else the purl `upstream` qualifier.
 */
import { atJson, inputError } from './errors.ts';
import { parsePurl, purlDistro, purlPackage, purlSource, PurlError, type Purl } from './purl.ts';
import { moduleOfLabel } from './rpm-module.ts';
import { debSource, rpmSource, withEpoch, type SourcePackage } from './source-package.ts';
import type { CpeComponent, Distro, InputFormat, InstalledPackage, Inventory, PackageKind, SkippedEntry } from './types.ts';

/** A JSON path of keys and indexes. */
export type JsonPath = readonly (string | number)[];

/** The source package as a tool's metadata states it, with the JSON path of each value. */
export interface ExplicitSource {
  apkOrigin?: string | undefined;
  debSource?: string | undefined;
  debSourceVersion?: string | undefined;
  sourceRpm?: { value: string; path: JsonPath } | undefined;
  rpmEpoch?: string | number | null | undefined;
  /** The rpm's modularity label as the tool states it (`nodejs:18:8090020231019152822:a75119d5`, `''` or null for none). */
  rpmModule?: string | null | undefined;
  /** A source stated with its full version, as trivy's `SrcName`/`SrcVersion`/`SrcRelease`/`SrcEpoch` give it. */
  stated?: SourcePackage | undefined;
}

/** One SBOM entry, as the format parser read it. */
export interface SbomEntry {
  path: JsonPath;
  purl?: { value: string; path: JsonPath } | undefined;
  name?: string | undefined;
  version?: string | undefined;
  /** The kind from the tool's own package type, used when there is no purl. */
  kind?: PackageKind | undefined;
  source?: ExplicitSource | undefined;
  /** CPEs the tool lists for the entry (CycloneDX `cpe`, SPDX security references, syft `cpes`). */
  cpes?: readonly string[] | undefined;
}

/** The package kind for each syft package type (syft JSON `type`, CycloneDX `syft:package:type`). */
export const KIND_BY_SYFT_TYPE: Readonly<Record<string, PackageKind>> = {
  apk: 'apk', deb: 'deb', dotnet: 'nuget', gem: 'gem', 'go-module': 'go', 'java-archive': 'maven',
  'jenkins-plugin': 'maven', npm: 'npm', 'php-composer': 'composer', python: 'pypi', rpm: 'rpm', 'rust-crate': 'cargo',
};

/** Collects the packages, the skipped entries and the first distro purl qualifier of one SBOM. */
export class SbomCollector {
  readonly packages: InstalledPackage[] = [];
  readonly skipped: SkippedEntry[] = [];
  readonly cpeComponents: CpeComponent[] = [];
  purlDistro: Distro | undefined;

  constructor(readonly file: string) {}

  /**
   * Adds one entry: a package, a skipped entry, or nothing (no purl and no kind: not a package); and,
   * when it lists CPEs, a CPE component (for `--match cpe`), whatever it is otherwise.
   */
  add(entry: SbomEntry): void {
    const kind = this.addPackage(entry);
    const cpes = (entry.cpes ?? []).filter((c) => c.trim() !== '');
    if (cpes.length === 0 || entry.name === undefined || entry.name === '') return;
    const component: CpeComponent = { name: entry.name, cpes: [...new Set(cpes)], location: atJson(this.file, entry.path) };
    const version = this.packages.at(-1)?.location === component.location ? this.packages.at(-1)?.version : entry.version;
    if (version !== undefined && version !== '') component.version = version;
    if (kind !== undefined) component.kind = kind;
    this.cpeComponents.push(component);
  }

  /** Adds the entry's package (or skipped entry); returns its kind when it became a package. */
  private addPackage(entry: SbomEntry): PackageKind | undefined {
    let purl: Purl | undefined;
    if (entry.purl !== undefined && entry.purl.value !== '') {
      try {
        purl = parsePurl(entry.purl.value);
      } catch (err) {
        if (!(err instanceof PurlError)) throw err;
        throw inputError(atJson(this.file, entry.purl.path), err.message, err, { file: this.file });
      }
    }
    let kind = entry.kind;
    let name = entry.name;
    let version = entry.version;
    if (purl !== undefined) {
      const fromPurl = purlPackage(purl);
      if (fromPurl === undefined) {
        this.skip(entry.path, `purl type "${purl.type}" is not one the engine matches`);
        return undefined;
      }
      ({ kind, name } = fromPurl);
      version = fromPurl.version ?? version;
      this.purlDistro ??= purlDistro(purl);
    }
    if (kind === undefined) return undefined;
    if (name === undefined || name === '') {
      this.skip(entry.path, 'no name');
      return undefined;
    }
    if (version === undefined || version === '') {
      this.skip(entry.path, `${name} has no version`);
      return undefined;
    }
    if (kind === 'rpm') version = withEpoch(entry.source?.rpmEpoch, version);
    const pkg: InstalledPackage = { name, version, kind, location: atJson(this.file, entry.path) };
    const source = this.explicitSource(kind, version, entry.source) ?? (purl && purlSource(purl, version));
    if (source !== undefined) pkg.source = source;
    if (entry.purl !== undefined && entry.purl.value !== '') pkg.purl = entry.purl.value;
    if (kind === 'rpm') {
      // The tool's own field first (syft's modularityLabel, trivy's Modularitylabel), else Red Hat's purl qualifier rpmmod.
      const stated = entry.source?.rpmModule;
      const module = stated !== undefined && stated !== null ? moduleOfLabel(stated) : moduleOfLabel(purl?.qualifiers['rpmmod']);
      if (module !== undefined) pkg.module = module;
    }
    this.packages.push(pkg);
    return kind;
  }

  /** Records an entry at `path` that is a package the engine cannot match, and why. */
  skip(path: JsonPath, reason: string): void {
    this.skipped.push({ location: atJson(this.file, path), reason });
  }

  /** The inventory of what was added, with `distro` (else the first purl `distro` qualifier). */
  inventory(format: InputFormat, distro: Distro | undefined): Inventory {
    const inv: Inventory = { file: this.file, format, packages: this.packages };
    const d = distro ?? this.purlDistro;
    if (d !== undefined) inv.distro = d;
    if (this.skipped.length > 0) inv.skipped = this.skipped;
    if (this.cpeComponents.length > 0) inv.cpeComponents = this.cpeComponents;
    return inv;
  }

  private explicitSource(kind: PackageKind, version: string, s: ExplicitSource | undefined): SourcePackage | undefined {
    if (s === undefined) return undefined;
    if (kind === 'apk' && s.apkOrigin) return { name: s.apkOrigin };
    if (kind === 'deb' && s.debSource) return debSource(s.debSource, s.debSourceVersion, version);
    if (s.stated !== undefined && (kind === 'apk' || kind === 'deb' || kind === 'rpm')) {
      const { name, version: sv } = s.stated;
      if (kind === 'deb') return debSource(name, sv, version);
      return sv === undefined || sv === version ? { name } : { name, version: sv };
    }
    if (kind === 'rpm' && s.sourceRpm && s.sourceRpm.value !== '(none)') {
      const source = rpmSource(s.sourceRpm.value, version);
      if (source === undefined) {
        const where = atJson(this.file, s.sourceRpm.path);
        throw inputError(where, `source rpm ${JSON.stringify(s.sourceRpm.value)} is not NAME-VERSION-RELEASE.src.rpm`, undefined, { file: this.file });
      }
      return source;
    }
    return undefined;
  }
}
