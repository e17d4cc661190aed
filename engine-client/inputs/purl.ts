/**
 * Package URLs (https://github.com/package-url/purl-spec/blob/main/PURL-SPECIFICATION.rst), which
 * every SBOM format uses to say what a component is: `pkg:type/namespace/name@version?qualifiers#subpath`.
 * One parser for CycloneDX, SPDX and syft, so they name packages the same way. The qualifiers
 * syft writes carry what the matcher needs: `upstream` (the distro source package: `name` or
 * `name@version` for deb, the source rpm file name for rpm, the origin for apk), `epoch` (rpm; trivy
 * also writes it for deb) and
 * `distro` (`alpine-3.19.0`, `debian-12`, `rhel-9.4`; the spec's own examples also use a codename).
 */
import { distroFrom } from './os-release.ts';
import { debSource, rpmSource, withEpoch, type SourcePackage } from './source-package.ts';
import type { Distro, PackageKind } from './types.ts';

/** A parsed package URL; components are percent-decoded and the type and qualifier keys lowercased. */
export interface Purl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers: Readonly<Record<string, string>>;
  subpath?: string;
}

/** A string that is not a package URL; `reason` says which part is wrong. */
export class PurlError extends Error {
  /** Builds the message `"<purl>" is not a package URL: <reason>`. */
  constructor(purl: string, readonly reason: string) {
    super(`${JSON.stringify(purl)} is not a package URL: ${reason}`);
    this.name = 'PurlError';
  }
}

/** The package kind for each purl type the engine matches. */
export const KIND_BY_PURL_TYPE: Readonly<Record<string, PackageKind>> = {
  apk: 'apk', cargo: 'cargo', composer: 'composer', deb: 'deb', gem: 'gem', golang: 'go',
  maven: 'maven', npm: 'npm', nuget: 'nuget', pypi: 'pypi', rpm: 'rpm',
};

/** Parses a package URL; throws PurlError. */
export function parsePurl(text: string): Purl {
  const fail = (reason: string): never => {
    throw new PurlError(text, reason);
  };
  if (!/^pkg:/i.test(text)) fail('it does not start with "pkg:"');
  let rest = text.slice(4).replace(/^\/+/, '');
  let subpath: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    subpath = rest.slice(hash + 1).split('/').filter((s) => s !== '' && s !== '.' && s !== '..').map((s) => decode(s, fail)).join('/');
    rest = rest.slice(0, hash);
  }
  const qualifiers: Record<string, string> = {};
  const q = rest.indexOf('?');
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) fail(`qualifier ${JSON.stringify(pair)} is not key=value`);
      const value = decode(pair.slice(eq + 1), fail);
      if (value !== '') qualifiers[pair.slice(0, eq).toLowerCase()] = value;
    }
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf('/');
  const type = (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
  if (!/^[a-z.+-][a-z0-9.+-]*$/.test(type)) fail(type === '' ? 'no type' : `type ${JSON.stringify(type)} is not valid`);
  let path = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  let version: string | undefined;
  const at = path.lastIndexOf('@');
  if (at > path.lastIndexOf('/')) {
    version = decode(path.slice(at + 1), fail);
    path = path.slice(0, at);
  }
  const segments = path.split('/').filter((s) => s !== '').map((s) => decode(s, fail));
  const name = segments.pop();
  if (name === undefined || name === '') fail('no name');
  const purl: Purl = { type, name: name ?? '', qualifiers };
  if (segments.length > 0) purl.namespace = segments.join('/');
  if (version !== undefined && version !== '') purl.version = version;
  if (subpath !== undefined && subpath !== '') purl.subpath = subpath;
  return purl;
}

/** The kind, name and version the engine uses for a purl; undefined for types it does not match. */
export function purlPackage(purl: Purl): { kind: PackageKind; name: string; version?: string } | undefined {
  const kind = KIND_BY_PURL_TYPE[purl.type];
  if (kind === undefined) return undefined;
  const ns = purl.namespace;
  let name = purl.name;
  if (ns !== undefined && (kind === 'npm' || kind === 'composer' || kind === 'go')) name = `${ns}/${purl.name}`;
  if (ns !== undefined && kind === 'maven') name = `${ns}:${purl.name}`;
  if (purl.version === undefined) return { kind, name };
  // syft writes the rpm epoch as a qualifier, trivy does so for deb too; a version with one keeps it.
  const distroKind = kind === 'rpm' || kind === 'deb';
  return { kind, name, version: distroKind ? withEpoch(purl.qualifiers['epoch'], purl.version) : purl.version };
}

/** The source package the `upstream` qualifier names for a distro purl of the given binary version. */
export function purlSource(purl: Purl, binaryVersion: string): SourcePackage | undefined {
  const upstream = purl.qualifiers['upstream'];
  if (upstream === undefined) return undefined;
  if (purl.type === 'rpm') return rpmSource(upstream, binaryVersion) ?? { name: upstream };
  if (purl.type !== 'deb' && purl.type !== 'apk') return undefined;
  const at = upstream.indexOf('@');
  const name = at < 0 ? upstream : upstream.slice(0, at);
  const version = at < 0 ? undefined : upstream.slice(at + 1);
  if (purl.type === 'deb') return debSource(name, version, binaryVersion);
  return version === undefined || version === '' ? { name } : { name, version };
}

/** The distro a distro purl's `distro` qualifier names (`alpine-3.19.0`, `debian-12`, or a codename such as `jessie`). */
export function purlDistro(purl: Purl): Distro | undefined {
  const q = purl.qualifiers['distro'];
  if (q === undefined || !['apk', 'deb', 'rpm'].includes(purl.type)) return undefined;
  const m = /^(.+?)-(\d.*)$/.exec(q);
  if (m?.[1] !== undefined) return distroFrom(m[1], m[2]);
  // A bare codename (`distro=jessie`): the namespace names the vendor.
  if (purl.namespace !== undefined && ['debian', 'ubuntu'].includes(purl.namespace.toLowerCase())) return distroFrom(purl.namespace, q);
  return distroFrom(q, undefined);
}

function decode(s: string, fail: (reason: string) => never): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return fail(`bad percent-encoding in ${JSON.stringify(s)}`);
  }
}
