/**
 * The part of one CSAF VEX document the driver keeps, built from pieces (the `document` object,
 * each `product` of the product tree, each relationship, each vulnerability) so a document of any
 * size can be read in one streaming pass (vex-read.ts) and only what concerns RHEL rpm packages is
 * held: platforms with a CPE, source-level rpm and module components, the relationships between
 * them, and, per vulnerability, the product ids of those relationships.
 *
 * Red Hat writes `product_tree` (branches, then relationships) before `vulnerabilities`, so by the
 * time a product id list is read the ids worth keeping are known; should a document come in another
 * order, nothing is filtered and the result is the same (only more memory is used).
 */
import { z } from 'zod';
import { moduleComponent, rpmComponent, type RpmComponent, isSourceLevel } from './products.ts';

/** A RHEL-relevant component: an rpm source package, or a module definition. */
export type Component = { kind: 'rpm'; rpm: RpmComponent } | { kind: 'module'; stream: string };

export interface Relationship {
  /** The full product id itself: lists keep this one string instead of a copy per mention. */
  id: string;
  /** The component (`product_reference`). */
  component: string;
  /** The platform or module-in-platform it belongs to (`relates_to_product_reference`). */
  parent: string;
}

export interface Remediation {
  category: string;
  details: string | null;
  url: string | null;
  productIds: string[];
}

export interface Threat {
  category: string;
  details: string;
  /** Null: applies to every product (Red Hat writes an empty or absent list). */
  productIds: string[] | null;
}

export interface Score {
  cvss: { version: string; vectorString: string; baseScore: number | null; baseSeverity: string | null }[];
  productIds: string[] | null;
}

export interface Note {
  category: string;
  text: string;
  title: string | null;
}

export interface VexReference {
  category: string | null;
  summary: string | null;
  url: string;
}

export interface Vulnerability {
  cve: string;
  title: string | null;
  cwe: string | null;
  discoveryDate: string | null;
  releaseDate: string | null;
  notes: Note[];
  references: VexReference[];
  /** Product id → status (`fixed`, `known_affected`, `known_not_affected`, `under_investigation`, …). */
  status: Map<string, string>;
  remediations: Remediation[];
  threats: Threat[];
  scores: Score[];
}

export interface DocumentInfo {
  id: string | null;
  status: string | null;
  title: string | null;
  aggregateSeverity: string | null;
  initialReleaseDate: string | null;
  currentReleaseDate: string | null;
}

export interface VexModel {
  document: DocumentInfo;
  /** Product id → CPE, for every `product_name` with a CPE. */
  platforms: Map<string, string>;
  components: Map<string, Component>;
  /** Full product id → relationship, for relationships whose component was kept. */
  relationships: Map<string, Relationship>;
  vulnerabilities: Vulnerability[];
}

const text = z.string();
const optText = z.string().nullish().transform((v) => v ?? null);
const ids = z.array(z.string()).nullish().transform((v) => v ?? []);

/** `document`: only what records use. */
export const DocumentShape = z.looseObject({
  aggregate_severity: z.looseObject({ text: optText }).nullish(),
  title: optText,
  tracking: z.looseObject({
    id: optText,
    status: optText,
    initial_release_date: optText,
    current_release_date: optText,
  }).nullish(),
});

const CvssShape = z.looseObject({
  version: z.union([z.string(), z.number()]).transform(String),
  vectorString: text,
  baseScore: z.number().nullish().transform((v) => v ?? null),
  baseSeverity: optText,
});

export const VulnerabilityShape = z.looseObject({
  cve: text,
  title: optText,
  cwe: z.looseObject({ id: optText }).nullish(),
  discovery_date: optText,
  release_date: optText,
  notes: z.array(z.looseObject({ category: text, text: text, title: optText })).nullish(),
  references: z.array(z.looseObject({ category: optText, summary: optText, url: text })).nullish(),
  product_status: z.record(z.string(), z.array(z.string())).nullish(),
  remediations: z.array(z.looseObject({ category: text, details: optText, url: optText, product_ids: ids })).nullish(),
  threats: z.array(z.looseObject({ category: text, details: text, product_ids: z.array(z.string()).nullish() })).nullish(),
  scores: z.array(z.looseObject({
    cvss_v2: CvssShape.nullish(),
    cvss_v3: CvssShape.nullish(),
    cvss_v4: CvssShape.nullish(),
    products: z.array(z.string()).nullish(),
  })).nullish(),
});

/** Keys under a vulnerability whose arrays hold product ids, filtered while reading. */
export const PRODUCT_ID_ARRAYS: ReadonlySet<string> = new Set([
  'fixed', 'known_affected', 'known_not_affected', 'under_investigation', 'first_affected', 'first_fixed', 'last_affected',
  'recommended', 'product_ids', 'products',
]);

function shapeError(path: PropertyKey[], message: string): z.ZodError {
  return new z.ZodError([{ code: 'custom', path, message, input: undefined }]);
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw shapeError([], `a ${what} must be an object`);
  return value as Record<string, unknown>;
}

const RootShape = z.looseObject({
  document: z.unknown().optional(),
  product_tree: z.looseObject({ branches: z.array(z.unknown()).nullish(), relationships: z.array(z.unknown()).nullish() }).nullish(),
  vulnerabilities: z.array(z.unknown()).nullish(),
});

/** Collects a model from pieces; see the module doc. Validation errors are thrown as zod errors for the reader to wrap. */
export class ModelBuilder {
  readonly model: VexModel = {
    document: { id: null, status: null, title: null, aggregateSeverity: null, initialReleaseDate: null, currentReleaseDate: null },
    platforms: new Map(),
    components: new Map(),
    relationships: new Map(),
    vulnerabilities: [],
  };

  /** False until the relationships were read; then product ids not among them are dropped. */
  #relationshipsRead = false;
  /** False until the branches were read; relationships read before them are all kept. */
  #branchesRead = false;

  document(value: unknown): void {
    const d = DocumentShape.parse(value);
    this.model.document = {
      id: d.tracking?.id ?? null,
      status: d.tracking?.status ?? null,
      title: d.title,
      aggregateSeverity: d.aggregate_severity?.text ?? null,
      initialReleaseDate: d.tracking?.initial_release_date ?? null,
      currentReleaseDate: d.tracking?.current_release_date ?? null,
    };
  }

  /** One `product` object of the product tree (any depth); checked by hand, being the hot path. */
  product(value: unknown): void {
    const p = asObject(value, 'product');
    const id = p['product_id'];
    if (typeof id !== 'string') throw shapeError(['product_id'], 'expected a string');
    const name = typeof p['name'] === 'string' ? p['name'] : id;
    const helper = p['product_identification_helper'];
    const h = helper !== null && typeof helper === 'object' && !Array.isArray(helper) ? (helper as Record<string, unknown>) : {};
    const cpe = typeof h['cpe'] === 'string' ? h['cpe'] : undefined;
    const purl = typeof h['purl'] === 'string' ? h['purl'] : undefined;
    if (cpe !== undefined) {
      this.model.platforms.set(id, cpe);
      return;
    }
    const stream = moduleComponent(purl);
    if (stream !== null) {
      this.model.components.set(id, { kind: 'module', stream });
      return;
    }
    const rpm = rpmComponent(name, purl);
    if (rpm !== null && isSourceLevel(rpm)) this.model.components.set(id, { kind: 'rpm', rpm });
  }

  /** One element of `product_tree.relationships`. */
  relationship(value: unknown): void {
    const r = asObject(value, 'relationship');
    const full = r['full_product_name'];
    const fullId = full !== null && typeof full === 'object' ? (full as Record<string, unknown>)['product_id'] : undefined;
    const ref = r['product_reference'];
    const to = r['relates_to_product_reference'];
    if (typeof fullId !== 'string') throw shapeError(['full_product_name', 'product_id'], 'expected a string');
    if (typeof ref !== 'string') throw shapeError(['product_reference'], 'expected a string');
    if (typeof to !== 'string') throw shapeError(['relates_to_product_reference'], 'expected a string');
    if (this.#branchesRead && !this.model.components.has(ref)) return;
    this.model.relationships.set(fullId, { id: fullId, component: ref, parent: to });
  }

  /** Called when `product_tree.branches` ends: relationships to components it did not keep can be dropped. */
  branchesDone(): void {
    this.#branchesRead = true;
  }

  /** Called when `product_tree` ends: product ids can be filtered from now on. */
  relationshipsDone(): void {
    this.#relationshipsRead = true;
  }

  /** The product id to keep for one in a vulnerability's lists (the relationship's own string), or null to drop it. */
  keep(id: string): string | null {
    if (!this.#relationshipsRead) return id;
    return this.model.relationships.get(id)?.id ?? null;
  }

  #kept(list: readonly string[]): string[] {
    const out: string[] = [];
    for (const id of list) {
      const k = this.keep(id);
      if (k !== null) out.push(k);
    }
    return out;
  }

  /** One element of `vulnerabilities` (its product id lists possibly already filtered). */
  vulnerability(value: unknown): void {
    const v = VulnerabilityShape.parse(value);
    const status = new Map<string, string>();
    for (const [name, list] of Object.entries(v.product_status ?? {})) for (const id of this.#kept(list)) status.set(id, name);
    this.model.vulnerabilities.push({
      cve: v.cve,
      title: v.title,
      cwe: v.cwe?.id ?? null,
      discoveryDate: v.discovery_date,
      releaseDate: v.release_date,
      notes: (v.notes ?? []).map((n) => ({ category: n.category, text: n.text, title: n.title })),
      references: (v.references ?? []).map((r) => ({ category: r.category, summary: r.summary, url: r.url })),
      status,
      remediations: (v.remediations ?? []).map((r) => ({ category: r.category, details: r.details, url: r.url, productIds: this.#kept(r.product_ids) })),
      threats: (v.threats ?? []).map((t) => ({
        category: t.category, details: t.details, productIds: t.product_ids && t.product_ids.length > 0 ? this.#kept(t.product_ids) : null,
      })),
      scores: (v.scores ?? []).map((s) => ({
        cvss: [s.cvss_v2, s.cvss_v3, s.cvss_v4].filter((c) => c != null),
        productIds: s.products && s.products.length > 0 ? this.#kept(s.products) : null,
      })),
    });
  }
}

/** Builds the model of an already parsed document (the same pieces, in document order). */
export function modelOfParsed(doc: unknown): VexModel {
  const b = new ModelBuilder();
  const root = RootShape.parse(doc);
  if (root.document !== undefined) b.document(root.document);
  const walk = (branches: readonly unknown[]): void => {
    for (const br of branches) {
      const o = asObject(br, 'branch');
      if (o['product'] !== undefined) b.product(o['product']);
      if (Array.isArray(o['branches'])) walk(o['branches']);
    }
  };
  walk(root.product_tree?.branches ?? []);
  b.branchesDone();
  for (const r of root.product_tree?.relationships ?? []) b.relationship(r);
  if (root.product_tree) b.relationshipsDone();
  for (const v of root.vulnerabilities ?? []) b.vulnerability(v);
  return b.model;
}
