/**
 * CycloneDX JSON BOMs (https://cyclonedx.org/docs/1.6/json/), as syft, trivy and cdxgen write them.
 * Spec versions 1.2 to 1.6 are read: the parts used here (components, nested components, purl,
 * properties, the operating-system component) have not changed since 1.2.
 *
 * Packages come from `components` and their nested `components`, identified by purl (see purl.ts);
 * `metadata.component` is the thing the BOM describes (an image, a project), so it is not a package,
 * but it is checked for the operating system like the rest. The `syft:metadata:*` properties syft's
 * CycloneDX encoder writes (https://github.com/anchore/syft) give the source package when present: `originPackage` (apk), `source`/`sourceVersion` (deb),
 * `sourceRpm`/`epoch`/`modularityLabel` (rpm), and `syft:package:type` gives the kind of a component without purl.
 * trivy's `aquasecurity:trivy:SrcName`, `SrcVersion`, `SrcRelease`, `SrcEpoch`, `Modularitylabel` are read the same way.
 * The distro is the first `operating-system` component, else the first purl `distro=` qualifier.
 * A component's `cpe`, and the further CPEs syft lists as `syft:cpe23` properties, are kept for
 * `scan --match cpe` (inputs/types.ts CpeComponent).
 */
import { z } from 'zod';
import { atJson, inputError, validate } from './errors.ts';
import { distroFrom } from './os-release.ts';
import type { JsonInputParser } from './parser.ts';
import { KIND_BY_SYFT_TYPE, SbomCollector, type JsonPath, type SbomEntry } from './sbom.ts';
import { withEpoch, type SourcePackage } from './source-package.ts';
import type { Distro, Inventory } from './types.ts';

const SPEC_VERSIONS = ['1.2', '1.3', '1.4', '1.5', '1.6'];
const TRIVY = 'aquasecurity:trivy:';

const Property = z.looseObject({ name: z.string(), value: z.string().optional() });

const Component = z.looseObject({
  type: z.string(),
  name: z.string(),
  group: z.string().optional(),
  version: z.string().optional(),
  purl: z.string().optional(),
  cpe: z.string().optional(),
  properties: z.array(Property).optional(),
  components: z.array(z.unknown()).optional(),
});
type Component = z.infer<typeof Component>;

const Bom = z.looseObject({
  bomFormat: z.literal('CycloneDX'),
  specVersion: z.string(),
  metadata: z.looseObject({ component: z.unknown().optional() }).optional(),
  components: z.array(z.unknown()).optional(),
});

/** The inventory of a parsed CycloneDX JSON document read from `file`. */
export function cyclonedxFromJson(doc: unknown, file: string): Inventory {
  const bom = validate(Bom, doc, file, [], 'not a CycloneDX BOM');
  if (!SPEC_VERSIONS.includes(bom.specVersion)) {
    const what = `CycloneDX specVersion ${JSON.stringify(bom.specVersion)} is not supported (${SPEC_VERSIONS.join(', ')} are)`;
    throw inputError(atJson(file, ['specVersion']), what, undefined, { file });
  }
  const out = new SbomCollector(file);
  let os: Distro | undefined;
  const visit = (raw: unknown, path: JsonPath, isSubject: boolean): void => {
    const c = validate(Component, raw, file, path, 'not a CycloneDX component');
    if (c.type === 'operating-system') os ??= osDistro(c);
    else if (!isSubject) out.add(entry(c, path));
    c.components?.forEach((child, i) => visit(child, [...path, 'components', i], false));
  };
  if (bom.metadata?.component !== undefined) visit(bom.metadata.component, ['metadata', 'component'], true);
  bom.components?.forEach((c, i) => visit(c, ['components', i], false));
  return out.inventory('cyclonedx', os);
}

/** The SBOM entry of one component at `path`. */
function entry(c: Component, path: JsonPath): SbomEntry {
  const props = properties(c, path);
  const syftType = props.get('syft:package:type')?.value;
  const kind = syftType === undefined ? undefined : KIND_BY_SYFT_TYPE[syftType];
  let name = c.name;
  if (c.group !== undefined && c.group !== '') name = kind === 'maven' ? `${c.group}:${c.name}` : `${c.group}/${c.name}`;
  const sourceRpm = props.get('syft:metadata:sourceRpm');
  const trivyName = props.get(`${TRIVY}SrcName`)?.value;
  const trivyVersion = props.get(`${TRIVY}SrcVersion`)?.value;
  const trivyRelease = props.get(`${TRIVY}SrcRelease`)?.value;
  let stated: SourcePackage | undefined;
  if (trivyName !== undefined && trivyName !== '') {
    const vr = trivyVersion === undefined ? undefined : trivyRelease ? `${trivyVersion}-${trivyRelease}` : trivyVersion;
    stated = vr === undefined ? { name: trivyName } : { name: trivyName, version: withEpoch(props.get(`${TRIVY}SrcEpoch`)?.value, vr) };
  }
  const cpes = [...(c.cpe === undefined ? [] : [c.cpe]), ...(c.properties ?? []).filter((p) => p.name === 'syft:cpe23' && p.value !== undefined).map((p) => p.value ?? '')];
  return {
    path,
    purl: c.purl === undefined ? undefined : { value: c.purl, path: [...path, 'purl'] },
    name,
    version: c.version,
    kind,
    cpes,
    source: {
      apkOrigin: props.get('syft:metadata:originPackage')?.value,
      debSource: props.get('syft:metadata:source')?.value,
      debSourceVersion: props.get('syft:metadata:sourceVersion')?.value,
      sourceRpm,
      rpmEpoch: props.get('syft:metadata:epoch')?.value,
      rpmModule: props.get('syft:metadata:modularityLabel')?.value ?? props.get(`${TRIVY}Modularitylabel`)?.value,
      stated,
    },
  };
}

/** The first value of each property by name, with its JSON path. */
function properties(c: Component, path: JsonPath): Map<string, { value: string; path: JsonPath }> {
  const map = new Map<string, { value: string; path: JsonPath }>();
  c.properties?.forEach((p, i) => {
    if (p.value !== undefined && !map.has(p.name)) map.set(p.name, { value: p.value, path: [...path, 'properties', i, 'value'] });
  });
  return map;
}

/** The distro of an operating-system component (syft adds `syft:distro:*` properties). */
function osDistro(c: Component): Distro | undefined {
  const props = properties(c, []);
  const idLike = [...props].filter(([k]) => k.startsWith('syft:distro:idLike')).map(([, v]) => v.value);
  const pretty = props.get('syft:distro:prettyName')?.value;
  const id = props.get('syft:distro:id')?.value ?? c.name;
  const version = props.get('syft:distro:versionID')?.value ?? c.version;
  return distroFrom(id, version, pretty === undefined ? { idLike } : { idLike, prettyName: pretty });
}

/** The CycloneDX JSON format: `bomFormat: "CycloneDX"`. */
export const cyclonedx: JsonInputParser = {
  format: 'cyclonedx',
  input: 'json',
  describe: 'CycloneDX JSON SBOM (1.2 to 1.6)',
  matches: (doc) => doc['bomFormat'] === 'CycloneDX',
  fromJson: cyclonedxFromJson,
};
