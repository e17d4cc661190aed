/**
 * Parse: one group per Ubuntu release Canonical's OSV names (`ubuntu:22.04`; the names table,
 * _framework/names.ts), one record per CVE (osv.ts says how a document becomes records), one
 * `fixedIn` entry per affected entry: sorted by source package, then in the document's order, a Pro
 * entry with its `channel` (ecosystem.ts).
 *
 * A record: `id` the CVE (`CVE-2021-3782`; `UBUNTU-CVE-2021-3782` in `aliases`), or the USN id for a
 * USN that names no CVE; `severity` Canonical's priority (`severity[type=Ubuntu]`: negligible →
 * Negligible, low, medium, high, critical; `untriaged` or none → Unknown), kept as well in
 * `vendorSeverities` (`{source: "Ubuntu", value: "medium"}`); `cvss` the document's vectors, scored
 * by _framework/cvss (OSV publishes vectors only); `description` the details; `link`
 * `https://ubuntu.com/security/CVE-2021-3782` (a USN: `…/security/notices/USN-…`); `references`,
 * `related`, `published`, `modified` as given. Records are sorted by id (code-unit order).
 *
 * Every group's fingerprint is the digest of the whole archive (or tree): one archive feeds every
 * release. The regrouping pass and its cache are in reduce.ts.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { scoreCvss } from '../_framework/cvss/index.ts';
import { AirfeedError } from '../_framework/errors.ts';
import { type ByteRange, fileLines, KeyedLines } from '../_framework/line-sort.ts';
import { codenameOf, distroById, osvEcosystem } from '../_framework/names.ts';
import { type Cvss, type FixedIn, RECORD_SCHEMA_VERSION, REFERENCE_TYPES, type Reference, type Severity, type VulnRecord } from '../_framework/record.ts';
import { compareStrings } from '../_framework/strings.ts';
import type { GroupInfo, ParseContext, ParsedGroup } from '../_framework/types.ts';
import type { AdvisoryLine, EntryLine } from './osv.ts';
import { type Manifest, type MetaLine, prepare } from './reduce.ts';

export { PARSER_VERSION } from './reduce.ts';

const PRIORITY: Readonly<Record<string, Severity>> = { negligible: 'Negligible', low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };

/** `Ubuntu 22.04 LTS (jammy)`. */
function groupDescription(group: string): string {
  const release = group.slice(group.indexOf(':') + 1);
  const lts = distroById('ubuntu')?.releases.find((r) => r.release === release)?.lts ? ' LTS' : '';
  const codename = codenameOf('ubuntu', release);
  return `Ubuntu ${release}${lts}${codename ? ` (${codename})` : ''}: Canonical's OSV (CVEs, USNs; Ubuntu Pro fixes with their channel)`;
}

/** Lists the releases the archive names, sorted by group name. */
export async function ubuntuGroups(workspace: string): Promise<GroupInfo[]> {
  const prepared = await prepare(workspace);
  return (prepared?.manifest.groups ?? []).map((g) => ({ name: g.name, description: groupDescription(g.name) }));
}

/** The meta lines (`id\t{…}`), read forward in id order alongside a group's lines. */
class MetaCursor {
  readonly #lines: KeyedLines;

  constructor(file: string) {
    this.#lines = new KeyedLines(file);
  }

  /** The shared fields of `id` (ids asked in increasing order); two documents for one id are SOURCE_INVALID. */
  async get(id: string): Promise<MetaLine | undefined> {
    let found: MetaLine | undefined;
    for (const rest of await this.#lines.take(id)) {
      const meta = JSON.parse(rest) as MetaLine;
      if (found) throw new AirfeedError('SOURCE_INVALID', `ubuntu: ${found.f} and ${meta.f} are both record ${id}`);
      found = meta;
    }
    return found;
  }

  async close(): Promise<void> {
    await this.#lines.close();
  }
}

/** A UTC time as the record schema spells it (`…Z`), or null when the text is not a time. */
function utc(text: string | undefined): string | null {
  if (text === undefined || text === '') return null;
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text)) return text;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function cvssOf(type: string, vector: string): Cvss | undefined {
  if (!['CVSS_V2', 'CVSS_V3', 'CVSS_V4'].includes(type)) return undefined;
  try {
    const s = scoreCvss(vector);
    return {
      version: s.version, vector, baseScore: s.score, baseSeverity: s.severity.toUpperCase() as Cvss['baseSeverity'],
      exploitabilityScore: s.exploitabilityScore, impactScore: s.impactScore, source: null, type: null,
    };
  } catch {
    const version = type === 'CVSS_V2' ? '2.0' : type === 'CVSS_V4' ? '4.0' : vector.startsWith('CVSS:3.0/') ? '3.0' : '3.1';
    return { version, vector, baseScore: null, baseSeverity: null, exploitabilityScore: null, impactScore: null, source: null, type: null };
  }
}

interface Entry {
  pkg: string;
  line: EntryLine;
  advisories: Set<string>;
}

function fixedInOf(group: string, e: Entry): FixedIn {
  const { line } = e;
  const out: FixedIn = { package: e.pkg, versionScheme: 'dpkg', state: line.s };
  if (line.v !== undefined) out.version = line.v;
  if (line.rg) out.ranges = line.rg;
  if (line.vs) out.versions = line.vs;
  if (line.e !== osvEcosystem(group, { channel: line.c })) out.ecosystem = line.e;
  if (line.pu !== undefined) out.purl = line.pu;
  if (e.advisories.size > 0) {
    out.vendorAdvisory = { noAdvisory: false, advisories: [...e.advisories].sort(compareStrings).map((id) => ({ id, link: `https://ubuntu.com/security/notices/${id}` })) };
  }
  if (line.c !== undefined) out.channel = line.c;
  if (line.av !== undefined) out.ecosystemSpecific = { availability: line.av };
  return out;
}

/** Puts a USN's fix on the entries it fixed (osv.ts); false when none fits. */
function attach(entries: readonly Entry[], pkg: string, adv: AdvisoryLine): boolean {
  const fixed = entries.filter((e) => e.pkg === pkg && e.line.s === 'fixed');
  const exact = fixed.filter((e) => adv.v !== undefined && e.line.v === adv.v);
  const targets = exact.length > 0 ? exact : fixed.filter((e) => (e.line.c !== undefined) === (adv.c !== undefined));
  for (const t of targets) t.advisories.add(adv.n);
  return targets.length > 0;
}

function recordOf(group: string, id: string, entries: readonly Entry[], meta: MetaLine): VulnRecord {
  const sv = meta.sv ?? [];
  const priority = sv.find((s) => s.type === 'Ubuntu')?.score.trim().toLowerCase();
  const vendor = sv.filter((s) => !s.type.startsWith('CVSS_')).map((s) => ({ source: s.type, value: s.score }));
  const cvss = sv.map((s) => cvssOf(s.type, s.score)).filter((c): c is Cvss => c !== undefined);
  const aliases = [...new Set([meta.i, ...(meta.al ?? [])])].filter((a) => a !== id && a !== '').sort(compareStrings);
  const references: Reference[] = (meta.ref ?? []).map((r) =>
    r.type !== undefined && (REFERENCE_TYPES as readonly string[]).includes(r.type) ? { url: r.url, type: r.type as Reference['type'] } : { url: r.url },
  );
  const related = (meta.rel ?? []).filter((r) => r !== '');
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id,
    namespace: group,
    severity: (priority !== undefined ? PRIORITY[priority] : undefined) ?? 'Unknown',
    ...(vendor.length > 0 ? { vendorSeverities: vendor } : {}),
    ...(meta.t !== undefined ? { title: meta.t } : {}),
    description: meta.d ?? '',
    link: meta.usn ? `https://ubuntu.com/security/notices/${id}` : `https://ubuntu.com/security/${id}`,
    aliases,
    ...(related.length > 0 ? { related } : {}),
    cvss,
    fixedIn: entries.map((e) => fixedInOf(group, e)),
    references,
    published: utc(meta.pub),
    modified: utc(meta.mod),
    withdrawn: null,
    metadata: {},
    provenance: { driver: 'ubuntu', source: meta.f },
  };
}

/** The records of one group, from its byte range of the sorted lines. */
async function* groupRecords(dir: string, group: string, range: ByteRange, log: Logger): AsyncGenerator<VulnRecord> {
  const metas = new MetaCursor(path.join(dir, 'meta.lines'));
  let id: string | undefined;
  let entries: Entry[] = [];
  let count = 0;
  let orphans = 0;
  const finish = async (): Promise<VulnRecord | undefined> => {
    if (id === undefined || entries.length === 0) return undefined;
    const meta = await metas.get(id);
    if (!meta) throw new AirfeedError('SOURCE_INVALID', `ubuntu: record ${id} of ${group} has affected entries but no document (internal line files out of step)`);
    count++;
    return recordOf(group, id, entries, meta);
  };
  try {
    for await (const text of fileLines(path.join(dir, 'groups.lines'), range)) {
      const parts = text.split('\t');
      const lineId = parts[1] ?? '';
      if (lineId !== id) {
        const r = await finish();
        if (r) yield r;
        id = lineId;
        entries = [];
      }
      if (parts[2] === '0') {
        entries.push({ pkg: parts[3] ?? '', line: JSON.parse(parts[5] ?? '{}') as EntryLine, advisories: new Set() });
      } else if (!attach(entries, parts[3] ?? '', JSON.parse(parts[4] ?? '{}') as AdvisoryLine)) {
        orphans++;
      }
    }
    const r = await finish();
    if (r) yield r;
    log.info({ records: count, advisoriesWithoutEntry: orphans }, 'ubuntu: group parsed');
  } finally {
    await metas.close();
  }
}

function reportOddities(m: Manifest, log: Logger): void {
  if (m.documents.withdrawn > 0) log.info({ withdrawn: m.documents.withdrawn }, 'ubuntu: withdrawn documents left out (their records become tombstones)');
  if (Object.keys(m.variants).length > 0) log.info({ variants: m.variants }, 'ubuntu: entries of variant builds (FIPS, Realtime, …) left out');
  if (Object.keys(m.unknownEcosystems).length > 0) {
    log.warn(
      { ecosystems: m.unknownEcosystems },
      `ubuntu: entries of ecosystems the driver or the names table (drivers/_framework/names.ts) does not know were left out: ${Object.keys(m.unknownEcosystems).join(', ')}`,
    );
  }
  if (m.unreadable > 0) log.warn({ entries: m.unreadable }, 'ubuntu: entries whose ranges do not fit OSV left out');
}

/** Yields the workspace's groups (only `ctx.groups` when given), sorted by name; records are read lazily. */
export async function* parseUbuntu(ctx: ParseContext): AsyncGenerator<ParsedGroup> {
  const prepared = await prepare(ctx.workspace);
  if (!prepared) return;
  const { dir, manifest } = prepared;
  reportOddities(manifest, ctx.log);
  for (const g of manifest.groups) {
    if (ctx.groups && !ctx.groups.has(g.name)) continue;
    yield {
      name: g.name,
      description: groupDescription(g.name),
      complete: true,
      fingerprint: manifest.inputs,
      records: groupRecords(dir, g.name, g.range, ctx.log.child({ group: g.name })),
    };
  }
}
