/**
 * One VEX document → one record per CVE per RHEL major it speaks about (`rhel:9`), with one
 * `fixedIn` entry per source package and module stream. The rules (README.md "Records"):
 *
 * - Product ids resolve through `product_tree.relationships` to a component and a platform (through
 *   a module for modular packages: `AppStream-8.8.0.Z.MAIN.EUS:ruby:2.7:8080020230427102918:63b34585:ruby-0:2.7.8-139.module+el8.8.0+18745+f1bef313.src`),
 *   the platform's CPE to a major and a stream (products.ts).
 * - `product_status` → state: `fixed` → `fixed` from the component's EVR on (`0:7.76.1-26.el9_3.2`,
 *   with the RHSA of its `vendor_fix` remediation); `known_affected` → by remediation:
 *   `no_fix_planned` → `will_not_fix` ("Will not fix", "Out of support scope"), `none_available`
 *   with "Deferred" → `deferred`, otherwise `affected`; `known_not_affected` → `not_affected`;
 *   `under_investigation` → `under_investigation`.
 * - Per package and stream in a major, the main-stream products (`enterprise_linux` CPEs, which
 *   include `BaseOS-9.2.0.Z.MAIN.EUS`, the main stream while 9.2 was current) decide: a fix there
 *   wins, and of several the highest EVR (rpm order) — the fix of the latest minor release, since
 *   an older minor's fix (`7.76.1-23.el9_2.4`) is below the newer minor's unfixed build
 *   (`7.76.1-26.el9`); without a fix the most pressing state wins (affected > deferred >
 *   will_not_fix > under_investigation > not_affected).
 * - Only when no main-stream product mentions the package do the extended-support streams (EUS,
 *   AUS, E4S, TUS, ELS) speak; a fix there is kept with its `channel` (`eus`): a plain RHEL machine
 *   cannot install it, but below that version it certainly lacks the fix, so it is still a match
 *   whose fix is marked as published in that channel only.
 * - `threats` (category `impact`) → severity: Low → Low, Moderate → Medium, Important → High,
 *   Critical → Critical, the highest among the threats covering the major's products (else the
 *   document's `aggregate_severity`); the words themselves are kept as the vendor severity.
 * - Every `scores[]` CVSS covering the major's products, with Red Hat (`secalert@redhat.com`) as its
 *   source; sub-scores computed from the vector (scores.ts, drivers/_framework/cvss).
 */
import type { Logger } from 'pino';
import {
  type Cvss, type FixedIn, type FixState, RECORD_SCHEMA_VERSION, type Reference, type Severity, type VulnRecord,
} from '../_framework/record.ts';
import { compareStrings } from '../_framework/strings.ts';
import { getComparator } from '../_framework/versions/index.ts';
import type { Remediation, VexModel, Vulnerability } from './model.ts';
import { type ExtendedChannel, type RhelPlatform, rhelPlatform, type RpmComponent } from './products.ts';
import { RED_HAT_SOURCE, referenceType, toCvss, utc } from './scores.ts';

const rpmOrder = getComparator('rpm');

/** A product id resolved to its platform, component and module stream. */
export interface Resolved {
  productId: string;
  platform: RhelPlatform;
  rpm: RpmComponent;
  module: string | null;
}

/** Resolves a full product id; null when it is not a RHEL rpm source package. */
export function resolveProduct(model: VexModel, id: string): Resolved | null {
  const rel = model.relationships.get(id);
  if (!rel) return null;
  const comp = model.components.get(rel.component);
  if (comp?.kind !== 'rpm') return null;
  let parent = rel.parent;
  let module = comp.rpm.module;
  let cpe = model.platforms.get(parent);
  if (cpe === undefined) {
    // `{platform}:{module}` → the module's own relationship names the platform.
    const modRel = model.relationships.get(parent);
    if (!modRel) return null;
    const modComp = model.components.get(modRel.component);
    if (modComp?.kind === 'module') module ??= modComp.stream;
    parent = modRel.parent;
    cpe = model.platforms.get(parent);
    if (cpe === undefined) return null;
  }
  const platform = rhelPlatform(cpe);
  if (!platform) return null;
  return { productId: parent, platform, rpm: comp.rpm, module };
}

interface Observation {
  state: FixState;
  evr: string | null;
  productId: string;
  cpe: string;
  channel: ExtendedChannel | null;
  advisories: { id: string; link: string }[];
}

/** Non-fixed states from the most to the least pressing. */
const STATE_RANK: readonly FixState[] = ['affected', 'deferred', 'will_not_fix', 'under_investigation', 'not_affected'];

const IMPACTS: Readonly<Record<string, { severity: Severity; word: string; rank: number }>> = {
  low: { severity: 'Low', word: 'Low', rank: 1 },
  moderate: { severity: 'Medium', word: 'Moderate', rank: 2 },
  important: { severity: 'High', word: 'Important', rank: 3 },
  critical: { severity: 'Critical', word: 'Critical', rank: 4 },
};

/** `RHSA-2023:6745` from `https://access.redhat.com/errata/RHSA-2023:6745`. */
export function advisoryOf(url: string): { id: string; link: string } {
  const last = url.replace(/[?#].*$/, '').split('/').filter((s) => s !== '').pop() ?? url;
  return { id: /^RH[SBE]A-\d{4}:\d+$/.test(last) ? last : url, link: url };
}

function stateOf(status: string, remediations: readonly Remediation[]): FixState | null {
  switch (status) {
    case 'fixed':
      return 'fixed';
    case 'known_not_affected':
      return 'not_affected';
    case 'under_investigation':
      return 'under_investigation';
    case 'known_affected': {
      if (remediations.some((r) => r.category === 'no_fix_planned')) return 'will_not_fix';
      if (remediations.some((r) => r.category === 'none_available' && /defer/i.test(r.details ?? ''))) return 'deferred';
      if (remediations.some((r) => r.category === 'fix_deferred')) return 'deferred';
      return 'affected';
    }
    default:
      return null;
  }
}

/** The entry for one package and stream from its observations (see the module doc). */
function entryOf(name: string, module: string | null, observations: Observation[]): FixedIn {
  const main = observations.filter((o) => o.channel === null);
  const deciding = main.length > 0 ? main : observations;
  const sorted = [...deciding].sort((a, b) => compareStrings(a.productId, b.productId));
  const fixes = sorted.filter((o) => o.state === 'fixed' && o.evr !== null);
  const base = { package: name, versionScheme: 'rpm' as const, ...(module ? { moduleStream: module } : {}) };
  if (fixes.length > 0) {
    let best = fixes[0] as Observation;
    for (const f of fixes) if (rpmOrder.compare(f.evr as string, best.evr as string) > 0) best = f;
    const advisories = new Map<string, { id: string; link: string }>();
    for (const f of fixes) if (f.evr === best.evr) for (const a of f.advisories) advisories.set(a.id, a);
    const entry: FixedIn = {
      ...base,
      state: 'fixed',
      version: best.evr as string,
      product: { id: best.productId, cpe: best.cpe },
      ...(best.channel !== null ? { channel: best.channel } : {}),
    };
    if (advisories.size > 0) {
      entry.vendorAdvisory = { noAdvisory: false, advisories: [...advisories.values()].sort((a, b) => compareStrings(a.id, b.id)).map((a) => ({ id: a.id, link: a.link })) };
    }
    return entry;
  }
  const states = new Set(sorted.map((o) => o.state));
  const state = STATE_RANK.find((s) => states.has(s)) ?? 'affected';
  const first = sorted.find((o) => o.state === state) as Observation;
  return { ...base, state, product: { id: first.productId, cpe: first.cpe } };
}

/** Per major, the observations of one vulnerability by `package\0module`. */
function observe(model: VexModel, v: Vulnerability, log: Logger, where: string): Map<number, Map<string, Observation[]>> {
  const remediationsOf = new Map<string, Remediation[]>();
  for (const r of v.remediations) {
    for (const id of r.productIds) {
      const list = remediationsOf.get(id);
      if (list) list.push(r);
      else remediationsOf.set(id, [r]);
    }
  }
  const out = new Map<number, Map<string, Observation[]>>();
  for (const [id, status] of v.status) {
    const r = resolveProduct(model, id);
    if (!r) continue;
    const rems = remediationsOf.get(id) ?? [];
    const state = stateOf(status, rems);
    if (state === null) continue;
    if (state === 'fixed' && r.rpm.evr === null) {
      log.warn({ doc: where, product: id }, 'redhat: a product is "fixed" without a versioned package; left out');
      continue;
    }
    const advisories = state === 'fixed' ? rems.filter((x) => x.category === 'vendor_fix' && x.url).map((x) => advisoryOf(x.url as string)) : [];
    const obs: Observation = {
      state, evr: state === 'fixed' ? r.rpm.evr : null, productId: r.productId, cpe: r.platform.cpe, channel: r.platform.channel, advisories,
    };
    let byPkg = out.get(r.platform.major);
    if (!byPkg) out.set(r.platform.major, (byPkg = new Map<string, Observation[]>()));
    const key = `${r.rpm.name}\0${r.module ?? ''}`;
    const list = byPkg.get(key);
    if (list) list.push(obs);
    else byPkg.set(key, [obs]);
  }
  return out;
}

/** Whether a threat or score covering `ids` (null: everything) covers any of `major`'s product ids. */
function covers(ids: readonly string[] | null, majorIds: ReadonlySet<string>): boolean {
  return ids === null || ids.some((id) => majorIds.has(id));
}

/** The records of one document, by major; `where` is its path (`2023/cve-2023-38545.json`), the records' provenance. */
export function recordsOf(model: VexModel, where: string, log: Logger): Map<number, VulnRecord[]> {
  const out = new Map<number, VulnRecord[]>();
  for (const v of model.vulnerabilities) {
    const byMajor = observe(model, v, log, where);
    for (const [major, byPkg] of byMajor) {
      const majorIds = new Set<string>();
      for (const id of v.status.keys()) if (resolveProduct(model, id)?.platform.major === major) majorIds.add(id);
      const fixedIn = [...byPkg.entries()]
        .sort(([a], [b]) => compareStrings(a, b))
        .map(([key, obs]) => {
          const [name, module] = key.split('\0') as [string, string];
          return entryOf(name, module === '' ? null : module, obs);
        });
      out.set(major, [...(out.get(major) ?? []), recordOf(model, v, major, majorIds, fixedIn, where, log)]);
    }
  }
  return out;
}

function recordOf(model: VexModel, v: Vulnerability, major: number, majorIds: ReadonlySet<string>, fixedIn: FixedIn[], where: string, log: Logger): VulnRecord {
  let impact: (typeof IMPACTS)[string] | undefined;
  for (const t of v.threats) {
    if (t.category !== 'impact' || !covers(t.productIds, majorIds)) continue;
    const i = IMPACTS[t.details.trim().toLowerCase()];
    if (i && (!impact || i.rank > impact.rank)) impact = i;
  }
  impact ??= IMPACTS[(model.document.aggregateSeverity ?? '').trim().toLowerCase()];

  const cvss = new Map<string, Cvss>();
  // Scores listed for other products only still describe the CVE: they are kept when none covers the major.
  const scores = v.scores.some((s) => covers(s.productIds, majorIds)) ? v.scores.filter((s) => covers(s.productIds, majorIds)) : v.scores;
  for (const s of scores) {
    for (const c of s.cvss) {
      const x = toCvss(c, log, where);
      if (x) cvss.set(`${x.version}\0${x.vector}`, x);
    }
  }

  const references = new Map<string, Reference>();
  let link: string | null = null;
  for (const r of v.references) {
    if (r.category === 'self' && link === null) link = r.url;
    if (!references.has(r.url)) references.set(r.url, { url: r.url, type: referenceType(r.category, r.url) });
  }
  const advisoryLinks = fixedIn.flatMap((f) => f.vendorAdvisory?.advisories ?? []).map((a) => a.link).filter((l): l is string => l !== null);
  for (const url of [...new Set(advisoryLinks)].sort(compareStrings)) if (!references.has(url)) references.set(url, { url, type: 'ADVISORY' });

  const description = v.notes.find((n) => n.category === 'description')?.text ?? '';
  const title = v.title ?? v.notes.find((n) => n.category === 'summary')?.text ?? model.document.title;
  const cwes = [...new Set((v.cwe ?? '').match(/CWE-\d+/g) ?? [])];

  const record: VulnRecord = {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id: v.cve,
    namespace: `rhel:${major}`,
    severity: impact?.severity ?? 'Unknown',
    description,
    link: link ?? `https://access.redhat.com/security/cve/${v.cve}`,
    aliases: [],
    cvss: [...cvss.values()].sort((a, b) => compareStrings(a.version, b.version) || compareStrings(a.vector, b.vector)),
    fixedIn,
    references: [...references.values()],
    published: utc(v.releaseDate) ?? utc(model.document.initialReleaseDate),
    modified: utc(model.document.currentReleaseDate),
    withdrawn: null,
    metadata: {},
    provenance: { driver: 'redhat', source: where },
  };
  if (impact) record.vendorSeverities = [{ source: 'Red Hat', value: impact.word }];
  if (title !== null && title !== '') record.title = title;
  if (cwes.length > 0) record.weaknesses = cwes.map((id) => ({ id, source: RED_HAT_SOURCE, type: null }));
  return record;
}

/** The CVE ids a document speaks about (its records' ids, whatever the majors). */
export function idsOf(model: VexModel): string[] {
  return [...new Set(model.vulnerabilities.map((v) => v.cve))].sort(compareStrings);
}
