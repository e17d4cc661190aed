/**
 * SPDX JSON documents, versions 2.2 and 2.3 (https://spdx.github.io/spdx-spec/v2.3/), as syft,
 * trivy and distro build systems write them. Packages are the `packages[]` entries with a package
 * URL in `externalRefs` (`referenceCategory` `PACKAGE-MANAGER`, spelled `PACKAGE_MANAGER` in 2.2,
 * `referenceType` `purl`); the purl gives kind, name, version and source (see purl.ts), and
 * `versionInfo` is the version when the purl has none. Packages without a purl, files, snippets and
 * relationships say nothing the matcher can use and are skipped. The distro is the package whose
 * `primaryPackagePurpose` is `OPERATING-SYSTEM` (2.3), else the first purl `distro=` qualifier.
 * `SECURITY` references of type `cpe23Type` or `cpe22Type` are kept for `scan --match cpe`, also
 * for a package without a purl.
 */
import { z } from 'zod';
import { atJson, inputError, validate } from './errors.ts';
import { distroFrom } from './os-release.ts';
import type { JsonInputParser } from './parser.ts';
import { SbomCollector } from './sbom.ts';
import type { Distro, Inventory } from './types.ts';

const SPDX_VERSIONS = ['SPDX-2.2', 'SPDX-2.3'];
const PACKAGE_MANAGER = new Set(['PACKAGE-MANAGER', 'PACKAGE_MANAGER']);
const CPE_TYPES = new Set(['cpe23Type', 'cpe22Type']);
const NO_VALUE = new Set(['', 'NOASSERTION', 'NONE']);

const ExternalRef = z.looseObject({ referenceCategory: z.string(), referenceType: z.string(), referenceLocator: z.string() });

const Package = z.looseObject({
  name: z.string(),
  versionInfo: z.string().optional(),
  externalRefs: z.array(ExternalRef).optional(),
  primaryPackagePurpose: z.string().optional(),
});

const Document = z.looseObject({
  spdxVersion: z.string(),
  packages: z.array(z.unknown()).optional(),
});

/** The inventory of a parsed SPDX JSON document read from `file`. */
export function spdxFromJson(doc: unknown, file: string): Inventory {
  const spdxDoc = validate(Document, doc, file, [], 'not an SPDX document');
  if (!SPDX_VERSIONS.includes(spdxDoc.spdxVersion)) {
    const what = `spdxVersion ${JSON.stringify(spdxDoc.spdxVersion)} is not supported (${SPDX_VERSIONS.join(', ')} are)`;
    throw inputError(atJson(file, ['spdxVersion']), what, undefined, { file });
  }
  const out = new SbomCollector(file);
  let os: Distro | undefined;
  spdxDoc.packages?.forEach((raw, i) => {
    const path = ['packages', i];
    const p = validate(Package, raw, file, path, 'not an SPDX package');
    const version = p.versionInfo !== undefined && !NO_VALUE.has(p.versionInfo) ? p.versionInfo : undefined;
    if (p.primaryPackagePurpose === 'OPERATING-SYSTEM') {
      os ??= distroFrom(p.name, version);
      return;
    }
    const j = (p.externalRefs ?? []).findIndex((r) => PACKAGE_MANAGER.has(r.referenceCategory) && r.referenceType === 'purl');
    const ref = p.externalRefs?.[j];
    const cpes = (p.externalRefs ?? []).filter((r) => r.referenceCategory === 'SECURITY' && CPE_TYPES.has(r.referenceType)).map((r) => r.referenceLocator);
    if (ref === undefined && cpes.length === 0) return;
    out.add({
      path,
      purl: ref === undefined ? undefined : { value: ref.referenceLocator, path: [...path, 'externalRefs', j, 'referenceLocator'] },
      name: p.name,
      version,
      cpes,
    });
  });
  return out.inventory('spdx', os);
}

/** The SPDX JSON format: `spdxVersion: "SPDX-2.x"`. */
export const spdx: JsonInputParser = {
  format: 'spdx',
  input: 'json',
  describe: 'SPDX JSON SBOM (2.2, 2.3)',
  matches: (doc) => typeof doc['spdxVersion'] === 'string' && doc['spdxVersion'].startsWith('SPDX-'),
  fromJson: spdxFromJson,
};
