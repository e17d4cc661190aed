/**
 * syft's own JSON output (`syft -o json`; schema: https://github.com/anchore/syft/tree/main/schema/json).
 * It says more than the SBOM standards: each artifact has syft's package `type` (`apk`, `deb`,
 * `rpm`, `npm`, `python`, `java-archive`, `go-module`, …), a purl, and type-specific `metadata`
 * that names the source package (apk `originPackage`; deb `source` and `sourceVersion`; rpm
 * `sourceRpm`, `epoch` and `modularityLabel`). The purl gives kind and name when present (see purl.ts), else the syft
 * type does; an artifact with neither (a `binary` classifier match) is listed in `skipped`, since
 * syft found software there that the engine cannot match. The top-level `distro` block is the
 * scanned system's os-release.
 */
import { z } from 'zod';
import { validate } from './errors.ts';
import { distroFrom } from './os-release.ts';
import { isObject, type JsonInputParser } from './parser.ts';
import { KIND_BY_SYFT_TYPE, SbomCollector, type ExplicitSource } from './sbom.ts';
import type { Distro, Inventory } from './types.ts';

const Artifact = z.looseObject({
  name: z.string(),
  version: z.string().optional(),
  type: z.string(),
  purl: z.string().optional(),
  // Older syft writes CPE strings, newer ones `{cpe, source}` objects.
  cpes: z.array(z.union([z.string(), z.looseObject({ cpe: z.string() })])).optional(),
  metadata: z.unknown().optional(),
});

/** The metadata fields read, checked only for the artifact types that carry them. */
const DistroMetadata = z.looseObject({
  originPackage: z.string().optional(),
  source: z.string().optional(),
  sourceVersion: z.string().optional(),
  sourceRpm: z.string().optional(),
  epoch: z.union([z.number(), z.string(), z.null()]).optional(),
  modularityLabel: z.string().nullable().optional(),
});

const JavaMetadata = z.looseObject({
  pomProperties: z.looseObject({ groupId: z.string().optional(), artifactId: z.string().optional() }).optional(),
});

const SyftDistro = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  versionID: z.string().optional(),
  version: z.string().optional(),
  prettyName: z.string().optional(),
  idLike: z.union([z.array(z.string()), z.string()]).optional(),
});

const Document = z.looseObject({
  artifacts: z.array(z.unknown()),
  distro: SyftDistro.optional(),
});

/** The inventory of a parsed syft JSON document read from `file`. */
export function syftFromJson(doc: unknown, file: string): Inventory {
  const syftDoc = validate(Document, doc, file, [], 'not a syft JSON document');
  const out = new SbomCollector(file);
  syftDoc.artifacts.forEach((raw, i) => {
    const path = ['artifacts', i];
    const a = validate(Artifact, raw, file, path, 'not a syft artifact');
    const kind = KIND_BY_SYFT_TYPE[a.type];
    let name = a.name;
    let source: ExplicitSource | undefined;
    if ((kind === 'apk' || kind === 'deb' || kind === 'rpm') && a.metadata !== undefined) {
      const m = validate(DistroMetadata, a.metadata, file, [...path, 'metadata'], 'not syft package metadata');
      source = {
        apkOrigin: m.originPackage,
        debSource: m.source,
        debSourceVersion: m.sourceVersion,
        sourceRpm: m.sourceRpm === undefined ? undefined : { value: m.sourceRpm, path: [...path, 'metadata', 'sourceRpm'] },
        rpmEpoch: m.epoch,
        rpmModule: m.modularityLabel,
      };
    } else if (kind === 'maven' && isObject(a.metadata)) {
      const pom = validate(JavaMetadata, a.metadata, file, [...path, 'metadata'], 'not syft java metadata').pomProperties;
      if (pom?.groupId && pom.artifactId) name = `${pom.groupId}:${pom.artifactId}`;
    }
    const cpes = (a.cpes ?? []).map((c) => (typeof c === 'string' ? c : c.cpe));
    if (kind === undefined && (a.purl === undefined || a.purl === '')) {
      out.skip(path, `syft package type "${a.type}" is not one the engine matches`);
      // Not a package, but its CPEs can still be matched.
      out.add({ path, name, version: a.version, cpes });
      return;
    }
    out.add({
      path,
      purl: a.purl === undefined ? undefined : { value: a.purl, path: [...path, 'purl'] },
      name,
      version: a.version,
      kind,
      source,
      cpes,
    });
  });
  return out.inventory('syft', syftDoc.distro === undefined ? undefined : fromSyftDistro(syftDoc.distro));
}

/** The distro of syft's `distro` block (os-release fields in camelCase). */
function fromSyftDistro(d: z.infer<typeof SyftDistro>): Distro | undefined {
  const id = d.id ?? d.name;
  if (id === undefined) return undefined;
  const idLike = typeof d.idLike === 'string' ? d.idLike.split(/\s+/) : (d.idLike ?? []);
  return distroFrom(id, d.versionID ?? d.version, d.prettyName === undefined ? { idLike } : { idLike, prettyName: d.prettyName });
}

/** The syft JSON format: top-level `artifacts` with syft's `descriptor`, `schema` or `source`. */
export const syft: JsonInputParser = {
  format: 'syft',
  input: 'json',
  describe: 'syft JSON (syft -o json)',
  matches: (doc) => Array.isArray(doc['artifacts']) && ('descriptor' in doc || 'schema' in doc || 'source' in doc || 'distro' in doc),
  fromJson: syftFromJson,
};
