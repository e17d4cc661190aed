/**
 * Red Hat's product identifiers, as CSAF VEX documents use them (see README.md "Products"):
 *
 * - platforms are `product_name` branches with a CPE, e.g. `BaseOS-9.3.0.Z.MAIN` →
 *   `cpe:/o:redhat:enterprise_linux:9::baseos`, `AppStream-9.2.0.Z.MAIN.EUS` →
 *   `cpe:/a:redhat:enterprise_linux:9::appstream`, `BaseOS-9.0.0.Z.EUS` →
 *   `cpe:/o:redhat:rhel_eus:9.0::baseos`, `red_hat_enterprise_linux_9` → `cpe:/o:redhat:enterprise_linux:9`;
 * - components are `product_version` branches with a purl: `curl-0:7.76.1-26.el9_3.2.src` →
 *   `pkg:rpm/redhat/curl@7.76.1-26.el9_3.2?arch=src`, an unfixed `curl` → `pkg:rpm/redhat/curl?arch=src`
 *   (older documents: `pkg:rpm/redhat/curl`, or no purl at all), a module →
 *   `pkg:rpmmod/redhat/ruby@2.7:8080020230427102918:63b34585`, a module's package →
 *   `pkg:rpm/redhat/ruby@2.7.8-139.module%2Bel8.8.0%2B18745%2Bf1bef313?arch=src&rpmmod=ruby:2.7:8080020230427102918:63b34585`.
 *
 * A platform belongs to RHEL when its CPE's product is `enterprise_linux` (any part: baseos,
 * appstream, crb, nfv, realtime, sap, server, …) — the main stream of the major — or one of the
 * extended-support streams `rhel_eus`, `rhel_aus`, `rhel_e4s`, `rhel_tus`, `rhel_els`, pinned to
 * one minor release. Layered products built for RHEL (`cpe:/a:redhat:satellite:6.14::el8`,
 * `jboss_core_services`, `rhel_software_collections`, `openshift`) are not RHEL and are left out.
 */

/** The extended-support streams a RHEL fix can be published in instead of the main stream. */
export const EXTENDED_CHANNELS = ['aus', 'e4s', 'els', 'eus', 'tus'] as const;
export type ExtendedChannel = (typeof EXTENDED_CHANNELS)[number];

/** A RHEL platform: its major and, for an extended-support stream, the channel and minor release. */
export interface RhelPlatform {
  major: number;
  /** Null for the main stream (`enterprise_linux`). */
  channel: ExtendedChannel | null;
  cpe: string;
}

const CPE_RE = /^cpe:\/[aho]:redhat:(enterprise_linux|rhel_(aus|e4s|els|eus|tus)):(\d+)(?:[.:]|$)/;

/** The RHEL platform a CPE names, or null for anything else (layered products, other vendors). */
export function rhelPlatform(cpe: string): RhelPlatform | null {
  const m = CPE_RE.exec(cpe);
  if (!m?.[3]) return null;
  const major = Number(m[3]);
  if (!Number.isSafeInteger(major) || major < 1) return null;
  return { major, channel: (m[2] as ExtendedChannel | undefined) ?? null, cpe };
}

/**
 * The RHEL majors a document's bytes name, found by CPE text alone (used by fetch to list the groups
 * without parsing): every `cpe:/o:redhat:enterprise_linux:9…` or `rhel_eus:8.4…` in the text.
 */
export const MAJOR_SCAN_RE = /cpe:\\?\/[aho]:redhat:(?:enterprise_linux|rhel_(?:aus|e4s|els|eus|tus)):(\d+)/g;

/** A package URL, as far as this driver reads one (https://github.com/package-url/purl-spec). */
export interface Purl {
  type: string;
  namespace: string | null;
  name: string;
  version: string | null;
  qualifiers: Record<string, string>;
}

function decode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Parses `pkg:type/namespace/name@version?qualifiers`; null when the text is not a purl. */
export function parsePurl(text: string): Purl | null {
  const m = /^pkg:([A-Za-z.+-][A-Za-z0-9.+-]*)\/([^?#]*)(?:\?([^#]*))?(?:#.*)?$/.exec(text);
  if (!m?.[1] || m[2] === undefined) return null;
  let path = m[2];
  let version: string | null = null;
  const at = path.lastIndexOf('@');
  if (at > path.lastIndexOf('/')) {
    version = decode(path.slice(at + 1));
    path = path.slice(0, at);
  }
  const segments = path.split('/').filter((s) => s !== '').map(decode);
  const name = segments.pop();
  if (name === undefined || name === '') return null;
  const qualifiers: Record<string, string> = {};
  for (const pair of (m[3] ?? '').split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0) qualifiers[pair.slice(0, eq).toLowerCase()] = decode(pair.slice(eq + 1));
  }
  return { type: m[1].toLowerCase(), namespace: segments.length > 0 ? segments.join('/') : null, name, version: version === '' ? null : version, qualifiers };
}

/** `nodejs:18` from a module label or rpmmod value `nodejs:18:8090020231019152822:a75119d5`; null when it has no stream. */
export function moduleStreamOf(label: string): string | null {
  const [name, stream] = label.split(':');
  return name && stream ? `${name}:${stream}` : null;
}

/** An rpm component as a record names it: the source package, its fixed EVR (with epoch) when versioned, its module stream. */
export interface RpmComponent {
  name: string;
  /** `E:V-R`, epoch always written (`0:7.76.1-26.el9_3.2`), as Red Hat's product names write it; null when unversioned. */
  evr: string | null;
  /** `src` for a source package, a binary arch, or null when the component names none (an unfixed component). */
  arch: string | null;
  /** `nodejs:18` for a package built in a module stream. */
  module: string | null;
}

/** `curl-0:7.76.1-26.el9_3.2.src` → name, EVR and arch (Red Hat's `N-E:V-R.A` product names). */
const NEVRA_RE = /^(.+)-(\d+):([^-:]+)-([^-]+)\.([A-Za-z0-9_]+)$/;

/**
 * The rpm component of a `product_version` (its purl, else its name); null for components that are
 * not rpm packages (containers `pkg:oci/…`, Maven artifacts) or are module definitions.
 */
export function rpmComponent(name: string, purlText: string | undefined): RpmComponent | null {
  if (purlText !== undefined) {
    const p = parsePurl(purlText);
    if (!p || p.type !== 'rpm') return null;
    const epoch = p.qualifiers['epoch'] ?? '0';
    const rpmmod = p.qualifiers['rpmmod'];
    return {
      name: p.name,
      evr: p.version === null ? null : `${epoch}:${p.version}`,
      arch: p.qualifiers['arch'] ?? null,
      module: rpmmod === undefined ? null : moduleStreamOf(rpmmod),
    };
  }
  // Older documents give unfixed components without a purl: `kernel`, `microcode_ctl`, `curl.src`.
  const m = NEVRA_RE.exec(name);
  if (m?.[1] && m[2] && m[3] && m[4] && m[5]) return { name: m[1], evr: `${m[2]}:${m[3]}-${m[4]}`, arch: m[5], module: null };
  if (name.endsWith('.src')) return { name: name.slice(0, -4), evr: null, arch: 'src', module: null };
  return { name, evr: null, arch: null, module: null };
}

/** The module stream a module component (`pkg:rpmmod/redhat/ruby@2.7:8080020230427102918:63b34585`) stands for. */
export function moduleComponent(purlText: string | undefined): string | null {
  if (purlText === undefined) return null;
  const p = parsePurl(purlText);
  if (!p || p.type !== 'rpmmod' || p.version === null) return null;
  const stream = p.version.split(':')[0];
  return stream ? `${p.name}:${stream}` : null;
}

/**
 * Whether a component is a source package, the level records are keyed at: `arch=src`, or no arch
 * at all (unfixed components of older documents, which name the source package only).
 */
export function isSourceLevel(c: RpmComponent): boolean {
  return c.arch === null || c.arch === 'src';
}
