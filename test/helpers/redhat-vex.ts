/**
 * Red Hat CSAF VEX documents for tests and the benchmark, written from a short spec in the shape
 * Red Hat publishes (see ../shared/realdata/redhat/csaf-vex/cve-2023-38545.json): a `document`
 * block with tracking and notes; a `product_tree` whose vendor branch holds `product_family` →
 * `product_name` platforms with CPEs, unversioned `product_version` components for unfixed
 * packages, and `architecture` branches (`src`, `x86_64`) of versioned packages; modules as
 * `pkg:rpmmod` components with the three-level relationships `{platform}:{module}:{package}`;
 * `vulnerabilities` with `product_status`, `remediations` (`vendor_fix` with the RHSA URL,
 * `no_fix_planned`, `none_available`, `workaround`), `threats`, `scores`, `flags`, references.
 * Also the archive packing (`YYYY/cve-….json` in a tar.zst) and the change lists.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface ModuleSpec {
  name: string;
  stream: string;
  version: string;
  context: string;
}

export interface FixedSpec {
  platform: string;
  cpe: string;
  platformName?: string;
  name: string;
  /** `E:V-R`, e.g. `0:7.76.1-26.el9_3.2`. */
  evr: string;
  advisory: string;
  module?: ModuleSpec;
  /** Binary packages built from the source (x86_64), listed as Red Hat does. */
  binaries?: string[];
}

export interface UnfixedSpec {
  platform: string;
  cpe: string;
  platformName?: string;
  name: string;
  status: 'known_affected' | 'known_not_affected' | 'under_investigation';
  /** For known_affected: the remediation category and details ("Affected", "Deferred", "Will not fix", "Out of support scope"). */
  remediation?: { category: 'no_fix_planned' | 'none_available'; details: string };
  module?: { name: string; stream: string };
}

export interface VexSpec {
  cve: string;
  title?: string;
  description?: string;
  impact?: 'Low' | 'Moderate' | 'Important' | 'Critical';
  cvss3?: { vector: string; score: number; severity: string };
  cwe?: string;
  released?: string;
  current?: string;
  fixed?: FixedSpec[];
  unfixed?: UnfixedSpec[];
  /** Other vendors' products (containers), to show they are left out. */
  containers?: { platform: string; cpe: string; image: string; tag: string }[];
  status?: 'final' | 'deleted';
  /** Extra notes text, to give documents a size (the benchmark). */
  padding?: string;
}

const nevra = (name: string, evr: string, arch: string): string => `${name}-${evr}.${arch}`;

function purlOf(name: string, evr: string | null, arch: string | null, mod?: ModuleSpec | { name: string; stream: string }): string {
  const q: string[] = [];
  if (arch) q.push(`arch=${arch}`);
  let version = '';
  if (evr) {
    const [epoch, vr] = evr.includes(':') ? (evr.split(/:(.*)/s) as [string, string]) : ['0', evr];
    version = `@${encodeURIComponent(vr)}`;
    if (epoch !== '0') q.push(`epoch=${epoch}`);
  }
  if (mod) q.push(`rpmmod=${mod.name}:${mod.stream}${'version' in mod ? `:${mod.version}:${mod.context}` : ''}`);
  return `pkg:rpm/redhat/${name}${version}${q.length ? `?${q.join('&')}` : ''}`;
}

/** A VEX document for the spec (see the module doc). */
export function vexDocument(s: VexSpec): Record<string, unknown> {
  const platforms = new Map<string, { name: string; cpe: string }>();
  const families = new Map<string, string[]>();
  const addPlatform = (id: string, cpe: string, name?: string): void => {
    if (platforms.has(id)) return;
    platforms.set(id, { name: name ?? id, cpe });
    const fam = /:(\d+)/.exec(cpe.replace(/^cpe:\/[aho]:redhat:[a-z_]+:/, ':'))?.[1] ?? '';
    const family = `Red Hat Enterprise Linux ${fam}`;
    families.set(family, [...(families.get(family) ?? []), id]);
  };
  const unversioned: Record<string, unknown>[] = [];
  const arches = new Map<string, Record<string, unknown>[]>();
  const relationships: Record<string, unknown>[] = [];
  const status: Record<string, string[]> = {};
  const remediations: Record<string, unknown>[] = [];
  const allIds: string[] = [];
  const seenComponents = new Set<string>();
  const component = (arch: string | null, id: string, purl: string): void => {
    if (seenComponents.has(id)) return;
    seenComponents.add(id);
    const pv = { category: 'product_version', name: id, product: { name: id, product_id: id, product_identification_helper: { purl } } };
    if (arch === null) unversioned.push(pv);
    else arches.set(arch, [...(arches.get(arch) ?? []), pv]);
  };
  const relate = (componentId: string, parent: string, parentName: string): string => {
    const full = `${parent}:${componentId}`;
    relationships.push({
      category: 'default_component_of',
      full_product_name: { name: `${componentId} as a component of ${parentName}`, product_id: full },
      product_reference: componentId,
      relates_to_product_reference: parent,
    });
    return full;
  };
  const push = (st: string, id: string): void => {
    (status[st] ??= []).push(id);
    allIds.push(id);
  };
  const byAdvisory = new Map<string, string[]>();
  for (const f of s.fixed ?? []) {
    addPlatform(f.platform, f.cpe, f.platformName);
    let parent = f.platform;
    let parentName = platforms.get(f.platform)?.name ?? f.platform;
    if (f.module) {
      const modId = `${f.module.name}:${f.module.stream}:${f.module.version}:${f.module.context}`;
      component('src', modId, `pkg:rpmmod/redhat/${f.module.name}@${f.module.stream}:${f.module.version}:${f.module.context}`);
      parent = relate(modId, f.platform, parentName);
      parentName = `${modId} as a component of ${parentName}`;
    }
    const ids: string[] = [];
    const srcId = nevra(f.name, f.evr, 'src');
    component('src', srcId, purlOf(f.name, f.evr, 'src', f.module));
    ids.push(relate(srcId, parent, parentName));
    for (const b of f.binaries ?? []) {
      const binId = nevra(b, f.evr, 'x86_64');
      component('x86_64', binId, purlOf(b, f.evr, 'x86_64', f.module));
      ids.push(relate(binId, parent, parentName));
    }
    for (const id of ids) push('fixed', id);
    byAdvisory.set(f.advisory, [...(byAdvisory.get(f.advisory) ?? []), ...ids]);
  }
  for (const [advisory, ids] of byAdvisory) {
    remediations.push({
      category: 'vendor_fix',
      details: 'For details on how to apply this update, which includes the changes described in this advisory, refer to:\n\nhttps://access.redhat.com/articles/11258',
      product_ids: ids,
      url: `https://access.redhat.com/errata/${advisory}`,
    });
  }
  const byRemediation = new Map<string, { category: string; details: string; ids: string[] }>();
  for (const u of s.unfixed ?? []) {
    addPlatform(u.platform, u.cpe, u.platformName);
    const compId = u.module ? `${u.module.name}:${u.module.stream}/${u.name}` : u.name;
    component(null, compId, purlOf(u.name, null, 'src', u.module));
    const full = relate(compId, u.platform, platforms.get(u.platform)?.name ?? u.platform);
    push(u.status, full);
    if (u.remediation) {
      const key = `${u.remediation.category}\0${u.remediation.details}`;
      const r = byRemediation.get(key) ?? { category: u.remediation.category, details: u.remediation.details, ids: [] };
      r.ids.push(full);
      byRemediation.set(key, r);
    }
  }
  for (const r of byRemediation.values()) remediations.push({ category: r.category, details: r.details, product_ids: r.ids });
  for (const c of s.containers ?? []) {
    platforms.set(c.platform, { name: c.platform, cpe: c.cpe });
    families.set('Red Hat OpenShift', [...(families.get('Red Hat OpenShift') ?? []), c.platform]);
    const id = `${c.image.replace('/', '-')}:${c.tag}`;
    component('x86_64', id, `pkg:oci/${c.image.split('/').pop()}?repository_url=registry.redhat.io/${c.image}&tag=${c.tag}`);
    push('fixed', relate(id, c.platform, c.platform));
  }
  if (allIds.length > 0) remediations.push({ category: 'workaround', details: 'Mitigation for this issue is either not available or the currently available options do not meet the Red Hat Product Security criteria.', product_ids: [...allIds] });

  const familyBranches = [...families].map(([family, ids]) => ({
    branches: ids.map((id) => ({
      category: 'product_name',
      name: platforms.get(id)?.name ?? id,
      product: { name: platforms.get(id)?.name ?? id, product_id: id, product_identification_helper: { cpe: platforms.get(id)?.cpe ?? '' } },
    })),
    category: 'product_family',
    name: family,
  }));
  const archBranches = [...arches].map(([arch, list]) => ({ branches: list, category: 'architecture', name: arch }));
  const released = s.released ?? '2024-01-10T00:00:00+00:00';
  const current = s.current ?? '2024-02-05T16:57:43+00:00';
  const title = s.title ?? `${s.cve.toLowerCase()}: a flaw in a test package`;
  const vulnerability: Record<string, unknown> = {
    cve: s.cve,
    ...(s.cwe ? { cwe: { id: s.cwe, name: 'Weakness' } } : {}),
    discovery_date: released,
    ids: [{ system_name: 'Red Hat Bugzilla ID', text: '2250000' }],
    notes: [
      { category: 'description', text: s.description ?? `A flaw was found in a test package (${s.cve}).`, title: 'Vulnerability description' },
      { category: 'summary', text: title, title: 'Vulnerability summary' },
      { category: 'general', text: 'The CVSS score(s) listed for this vulnerability do not reflect the associated product\'s status, and are included for informational purposes to better understand the severity of this vulnerability.', title: 'CVSS score applicability' },
      ...(s.padding ? [{ category: 'other', text: s.padding, title: 'Statement' }] : []),
    ],
    product_status: status,
    references: [
      { category: 'self', summary: 'Canonical URL', url: `https://access.redhat.com/security/cve/${s.cve}` },
      { category: 'external', summary: 'RHBZ#2250000', url: 'https://bugzilla.redhat.com/show_bug.cgi?id=2250000' },
      { category: 'external', summary: `https://nvd.nist.gov/vuln/detail/${s.cve}`, url: `https://nvd.nist.gov/vuln/detail/${s.cve}` },
    ],
    release_date: released,
    remediations,
    ...(s.cvss3 ? {
      scores: [{
        cvss_v3: { attackComplexity: 'LOW', baseScore: s.cvss3.score, baseSeverity: s.cvss3.severity, vectorString: s.cvss3.vector, version: s.cvss3.vector.slice(5, 8) },
        products: [...allIds],
      }],
    } : {}),
    ...(s.impact ? { threats: [{ category: 'impact', details: s.impact, product_ids: [...allIds] }] } : {}),
    title,
  };
  const notAffected = status['known_not_affected'] ?? [];
  if (notAffected.length > 0) vulnerability['flags'] = [{ label: 'vulnerable_code_not_present', product_ids: [...notAffected] }];
  return {
    document: {
      aggregate_severity: { namespace: 'https://access.redhat.com/security/updates/classification/', text: (s.impact ?? 'moderate').toLowerCase() },
      category: 'csaf_vex',
      csaf_version: '2.0',
      distribution: { text: 'Copyright © Red Hat, Inc. All rights reserved.', tlp: { label: 'WHITE', url: 'https://www.first.org/tlp/' } },
      lang: 'en',
      notes: [{ category: 'legal_disclaimer', text: 'This content is licensed under the Creative Commons Attribution 4.0 International License (https://creativecommons.org/licenses/by/4.0/).', title: 'Terms of Use' }],
      publisher: { category: 'vendor', contact_details: 'https://access.redhat.com/security/team/contact/', issuing_authority: 'Red Hat Product Security is responsible for vulnerability handling across all Red Hat offerings.', name: 'Red Hat Product Security', namespace: 'https://www.redhat.com' },
      references: [{ category: 'self', summary: 'Canonical URL', url: `https://security.access.redhat.com/data/csaf/v2/vex/${s.cve.slice(4, 8)}/${s.cve.toLowerCase()}.json` }],
      title,
      tracking: {
        current_release_date: current,
        generator: { date: current, engine: { name: 'Red Hat SDEngine', version: '4.2.1' } },
        id: s.cve,
        initial_release_date: released,
        revision_history: [{ date: released, number: '1', summary: 'Initial version' }, { date: current, number: '2', summary: 'Current version' }],
        status: s.status ?? 'final',
        version: '2',
      },
    },
    product_tree: { branches: [{ branches: [...familyBranches, ...unversioned, ...archBranches], category: 'vendor', name: 'Red Hat' }], relationships },
    vulnerabilities: [vulnerability],
  };
}

/** `2024/cve-2024-1001.json` for a CVE id. */
export function docPath(cve: string): string {
  return `${cve.slice(4, 8)}/${cve.toLowerCase()}.json`;
}

/** Writes documents as `YYYY/cve-….json` under `dir`. */
export async function writeDocs(dir: string, docs: readonly Record<string, unknown>[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of docs) {
    const id = ((d['document'] as { tracking: { id: string } }).tracking.id);
    const p = docPath(id);
    await fs.mkdir(path.join(dir, path.dirname(p)), { recursive: true });
    await fs.writeFile(path.join(dir, p), JSON.stringify(d, null, 2));
    out.push(p);
  }
  return out;
}

/** Packs documents into `dir/<name>` the way Red Hat packs its archive (a tar.zst of `YYYY/cve-….json`), with the system's tar and zstd. */
export async function writeArchive(dir: string, name: string, docs: readonly Record<string, unknown>[]): Promise<void> {
  const tmp = await fs.mkdtemp(path.join(dir, '.pack-'));
  try {
    const paths = await writeDocs(tmp, docs);
    const years = [...new Set(paths.map((p) => p.split('/')[0] as string))].sort();
    execFileSync('tar', ['--sort=name', '--mtime=2024-01-01 00:00Z', '--owner=0', '--group=0', '--numeric-owner', '-I', 'zstd -q -19', '-cf', path.join(dir, name), '-C', tmp, ...years]);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** A change list in Red Hat's form, newest first. */
export function changeList(entries: readonly { path: string; time: string }[]): string {
  return [...entries].sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0)).map((e) => `"${e.path}","${e.time}"\n`).join('');
}
