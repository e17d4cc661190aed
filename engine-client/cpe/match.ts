/**
 * CPE matching (`scan --match cpe`, off by default): SBOM components that carry CPEs are matched
 * against NVD's CPE applicability statements (record schema v2 `configurations`, NVD API 2.0's
 * `configurations[].nodes[].cpeMatch[]`) of the `nvdv2:cves` records that name their vendor:product.
 *
 * **Why off by default.** A CPE names a product by vendor and product words, not by a package
 * manager's coordinates, and SBOM tools guess CPEs from package names: a Python package `requests`,
 * an npm `request` and a Ruby gem `rest-client` get CPEs that collide with unrelated products of
 * the same name, and a distro package's version is the distro's (with backported fixes), not the
 * upstream version NVD's bounds are written in. Anchore's FAQ ("Why am I getting false
 * positives?") and false-positive documentation name this cause: a guessed CPE that does not line up
 * with how the vulnerability data names the component, across ecosystems (grype reported the C++
 * Protobuf's CVEs against Go's google.golang.org/protobuf). Package data (distro feeds, GitHub
 * advisories) is precise where it exists, so CPE matching is something to ask for where none covers
 * a component (binaries, vendored software), never the default.
 *
 * **What is matched.** Every component with a CPE except distro packages (apk, deb, rpm): those are
 * matched by their distro's own data, whose fixed versions account for backports.
 *
 * **How a configuration is judged.** The environment is every component CPE of the input, plus the
 * scanned system's own OS CPE when the distro is known (`cpe:2.3:o:alpinelinux:alpine_linux:3.20`,
 * `debian:debian_linux`, `canonical:ubuntu_linux`, `redhat:enterprise_linux`). A `cpeMatch` holds
 * when some environment CPE matches its criterion attribute by attribute (cpe/name.ts) and its
 * version lies within the bounds (`versionStart/EndIncluding/Excluding`; a criterion with a version
 * of its own needs that version exactly); a node is the OR or AND of its matches, inverted when
 * `negate`; a configuration is the AND (NVD's "running on/with") or OR of its nodes, inverted when
 * `negate`. A component is a match for the CVE when a configuration holds and the component
 * satisfies one of its `vulnerable: true` matches in a node that is not negated. Platform conditions
 * (`vulnerable: false`, e.g. "on Windows", "on hardware X") must be present in the input: airfeed
 * does not assume them, as grype does (its platform qualifier passes unless the distro contradicts
 * it) — a CPE match is opt-in precision, not a net. The OS CPE itself is never reported.
 *
 * Target software: a criterion whose `target_sw` names an ecosystem (`node.js`, `python`, `ruby`,
 * `java`, …) does not match a package of another ecosystem; a component CPE that leaves an
 * attribute ANY matches any criterion value there (cpe/name.ts).
 *
 * Versions are compared per component type (cpe/versions.ts); a version a comparator refuses is a
 * problem of the scan, reported with the CVE, never guessed.
 */
import { z } from 'zod';
import { CpeConfiguration } from '../../drivers/_framework/record.ts';
import { NVD_GROUP } from '../enrich/types.ts';
import type { CpeComponent, Distro, Inventory, PackageKind } from '../inputs/types.ts';
import { DISTRO_KINDS } from '../match/namespaces.ts';
import type { Match, Problem } from '../match/match.ts';
import type { StoredDoc } from '../store/docs.ts';
import { attributeMatches, type Cpe, CPE_ATTRIBUTES, CpeError, parseCpe, valueText, vendorProductKey } from './name.ts';
import { type VersionOrder, versionOrder } from './versions.ts';

/** Reads candidates and their documents (engine-client/store/docs.ts, or a stand-in in tests). */
export interface CpeReader {
  candidates(group: string, keys: readonly { vendor: string; product: string }[]): Promise<string[]>;
  docs(group: string, ids: readonly string[]): Promise<StoredDoc[]>;
}

export interface CpeMatchResult {
  matches: Match[];
  problems: Problem[];
  /** Components with CPEs that were matched (distro packages excepted). */
  components: number;
  /** Distro packages with CPEs left to their distro's data. */
  distroPackages: number;
}

/** How many candidate documents are read at once. */
const DOC_BATCH = 500;

/** The OS CPE (vendor, product) of the distros the names table knows. */
const OS_CPE: Readonly<Record<string, [string, string]>> = {
  alpine: ['alpinelinux', 'alpine_linux'],
  debian: ['debian', 'debian_linux'],
  ubuntu: ['canonical', 'ubuntu_linux'],
  rhel: ['redhat', 'enterprise_linux'],
};

/** `target_sw` values naming an ecosystem, and the package kinds of that ecosystem. */
const TARGET_SW_KINDS: Readonly<Record<string, readonly PackageKind[]>> = {
  'node.js': ['npm'], nodejs: ['npm'], npm: ['npm'], python: ['pypi'], pypi: ['pypi'], ruby: ['gem'], rails: ['gem'], rubygems: ['gem'],
  java: ['maven'], maven: ['maven'], '.net': ['nuget'], '.net_core': ['nuget'], nuget: ['nuget'], rust: ['cargo'], go: ['go'], golang: ['go'],
  php: ['composer'], composer: ['composer'],
};

/** One CPE of the environment: a component's (or the OS's, `component` undefined). */
interface Entry {
  cpe: Cpe;
  /** The version compared with NVD's bounds: the CPE's own, else the component's; undefined when neither gives one. */
  version: string | undefined;
  component: CpeComponent | undefined;
  order: VersionOrder;
}

const NvdRecord = z.looseObject({ configurations: z.array(CpeConfiguration).optional(), link: z.string().nullable().optional() });
type Configuration = z.infer<typeof CpeConfiguration>;
type CpeMatchEntry = Configuration['nodes'][number]['cpeMatch'][number];

interface Judge {
  index: Map<string, Entry[]>;
  all: Entry[];
  /** Comparison failures met while judging one CVE. */
  failures: { entry: Entry; message: string }[];
}

function entryVersion(cpe: Cpe, component: CpeComponent | undefined): string | undefined {
  return cpe.version.kind === 'value' && !cpe.version.pattern ? cpe.version.text : component?.version;
}

/** True when `v` is within the criterion's bounds (or equals its own version); records refused versions. */
function versionHolds(m: CpeMatchEntry, criterion: Cpe, e: Entry, judge: Judge): boolean {
  const own = criterion.version;
  const bounds: [keyof CpeMatchEntry, (c: number) => boolean][] = [
    ['versionStartIncluding', (c) => c >= 0],
    ['versionStartExcluding', (c) => c > 0],
    ['versionEndIncluding', (c) => c <= 0],
    ['versionEndExcluding', (c) => c < 0],
  ];
  const given = bounds.filter(([k]) => m[k] !== undefined);
  if (own.kind !== 'value' && given.length === 0) return true;
  if (e.version === undefined) {
    judge.failures.push({ entry: e, message: `${e.component?.name ?? 'the component'} has no version to compare with ${m.criteria}` });
    return false;
  }
  try {
    if (own.kind === 'value') return own.pattern ? own.pattern.test(e.version) : e.order.compare(e.version, own.text) === 0;
    for (const [k, holds] of given) if (!holds(e.order.compare(e.version, String(m[k])))) return false;
    return true;
  } catch (err) {
    judge.failures.push({ entry: e, message: `version ${e.version} cannot be compared with ${m.criteria} by ${e.order.name}: ${(err as Error).message}` });
    return false;
  }
}

/** The environment entries that satisfy one cpeMatch. */
function satisfying(m: CpeMatchEntry, judge: Judge): Entry[] {
  let criterion: Cpe;
  try {
    criterion = parseCpe(m.criteria);
  } catch (err) {
    if (err instanceof CpeError) return [];
    throw err;
  }
  const k = vendorProductKey(criterion);
  const pool = k === undefined ? judge.all : (judge.index.get(k) ?? []);
  const out: Entry[] = [];
  for (const e of pool) {
    let ok = true;
    for (const a of CPE_ATTRIBUTES) {
      if (a !== 'version' && !attributeMatches(criterion[a], e.cpe[a])) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    const kind = e.component?.kind;
    const targetSw = criterion.targetSw.kind === 'value' ? TARGET_SW_KINDS[criterion.targetSw.text] : undefined;
    if (kind !== undefined && targetSw !== undefined && !targetSw.includes(kind)) continue;
    if (versionHolds(m, criterion, e, judge)) out.push(e);
  }
  return out;
}

/** The components a configuration makes vulnerable, with the criterion each satisfied; empty when it does not hold. */
function judgeConfiguration(conf: Configuration, judge: Judge): { entry: Entry; match: CpeMatchEntry }[] {
  const nodes = conf.nodes.map((node) => {
    const hits = node.cpeMatch.map((m) => ({ m, entries: satisfying(m, judge) }));
    const inner = node.operator === 'AND' ? hits.every((h) => h.entries.length > 0) : hits.some((h) => h.entries.length > 0);
    return { node, hits, holds: node.negate ? !inner : inner };
  });
  const holds = conf.operator === 'AND' ? nodes.every((n) => n.holds) : nodes.some((n) => n.holds);
  // A negated configuration says where the flaw is not; it makes no component vulnerable.
  if (conf.negate || !holds) return [];
  const out: { entry: Entry; match: CpeMatchEntry }[] = [];
  for (const n of nodes) {
    if (n.node.negate || !n.holds) continue;
    for (const h of n.hits) if (h.m.vulnerable) for (const entry of h.entries) if (entry.component) out.push({ entry, match: h.m });
  }
  return out;
}

function problemOf(c: CpeComponent | undefined, vulnId: string | undefined, message: string): Problem {
  return {
    package: c?.name ?? '', version: c?.version ?? '', location: c?.location ?? '', ...(vulnId === undefined ? {} : { vulnId, group: NVD_GROUP }), message,
  };
}

/** Matches an inventory's CPE components against NVD's configurations; see the module comment. */
export async function matchCpes(inv: Inventory, options: { reader: CpeReader; distro?: Distro | undefined }): Promise<CpeMatchResult> {
  const problems: Problem[] = [];
  const components = (inv.cpeComponents ?? []).filter((c) => c.kind === undefined || !DISTRO_KINDS.has(c.kind));
  const distroPackages = (inv.cpeComponents ?? []).length - components.length;
  const judge: Judge = { index: new Map(), all: [], failures: [] };
  const add = (e: Entry): void => {
    judge.all.push(e);
    const k = vendorProductKey(e.cpe);
    if (k === undefined) return;
    const list = judge.index.get(k);
    if (list) list.push(e);
    else judge.index.set(k, [e]);
  };
  for (const component of components) {
    const order = versionOrder(component.kind);
    for (const text of component.cpes) {
      let cpe: Cpe;
      try {
        cpe = parseCpe(text);
      } catch (err) {
        if (!(err instanceof CpeError)) throw err;
        problems.push(problemOf(component, undefined, `${err.message}; the component was not CPE-matched by it`));
        continue;
      }
      add({ cpe, version: entryVersion(cpe, component), component, order });
    }
  }
  const os = options.distro ? OS_CPE[options.distro.id] : undefined;
  if (os && options.distro) {
    const cpe = parseCpe(`cpe:2.3:o:${os[0]}:${os[1]}:${options.distro.release}:*:*:*:*:*:*:*`);
    add({ cpe, version: options.distro.release, component: undefined, order: versionOrder(undefined) });
  }
  const keys = [...judge.index.keys()].map((k) => {
    const e = judge.index.get(k)?.[0];
    return { vendor: e?.cpe.vendor.kind === 'value' ? e.cpe.vendor.text : '', product: e?.cpe.product.kind === 'value' ? e.cpe.product.text : '' };
  });
  const ids = await options.reader.candidates(NVD_GROUP, keys);
  const matches: Match[] = [];
  // In slices: a product such as the Linux kernel names thousands of CVEs, some with huge configurations.
  for (let start = 0; start < ids.length; start += DOC_BATCH) {
    for (const doc of await options.reader.docs(NVD_GROUP, ids.slice(start, start + DOC_BATCH))) judgeDoc(doc);
  }
  return { matches: matches.sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : a.vulnId < b.vulnId ? -1 : a.vulnId > b.vulnId ? 1 : 0)), problems: dedupe(problems), components: components.length, distroPackages };

  function judgeDoc(doc: StoredDoc): void {
    let parsed;
    try {
      parsed = NvdRecord.safeParse(JSON.parse(doc.doc));
    } catch (err) {
      problems.push(problemOf(undefined, doc.id, `the stored NVD record is not JSON (${(err as Error).message}); it was not CPE-matched`));
      return;
    }
    if (!parsed.success) {
      problems.push(problemOf(undefined, doc.id, `the stored NVD record's configurations do not read (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`));
      return;
    }
    judge.failures = [];
    const found = new Map<string, { entry: Entry; match: CpeMatchEntry }>();
    for (const conf of parsed.data.configurations ?? []) {
      for (const hit of judgeConfiguration(conf, judge)) {
        const loc = hit.entry.component?.location ?? '';
        if (!found.has(loc)) found.set(loc, hit);
      }
    }
    for (const f of judge.failures) if (f.entry.component) problems.push(problemOf(f.entry.component, doc.id, f.message));
    for (const { entry, match } of found.values()) {
      const c = entry.component;
      if (!c) continue;
      matches.push({
        package: c.name,
        installedVersion: c.version ?? valueText(entry.cpe.version),
        kind: c.kind ?? 'cpe',
        matchedBy: 'cpe',
        matchedName: match.criteria,
        matchedVersion: entry.version ?? '',
        vulnId: doc.id,
        // Rated by enrichment (engine-client/enrich) from the record itself.
        severity: 'Unknown',
        severitySource: null,
        cvss: null,
        kev: null,
        epss: null,
        // NVD names a fix when its bound excludes a version (versionEndExcluding); otherwise none is known.
        state: match.versionEndExcluding === undefined ? 'affected' : 'fixed',
        fixedVersion: match.versionEndExcluding ?? null,
        group: NVD_GROUP,
        link: parsed.data.link ?? null,
        location: c.location,
      });
    }
  }
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.location}\0${p.vulnId ?? ''}\0${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
