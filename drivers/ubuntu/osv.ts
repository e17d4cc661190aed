/**
 * Canonical's OSV documents (https://ossf.github.io/osv-schema/, as published in
 * https://security-metadata.canonical.com/osv/osv-all.tar.xz) and what one of them contributes to
 * the groups. Two kinds:
 *
 * - `osv/cve/<year>/UBUNTU-CVE-2021-3782.json`: one CVE for every release and channel at once
 *   (`upstream: ["CVE-2021-3782"]`, `related: ["USN-5614-1", …]`, `severity` with CVSS vectors and
 *   `{"type": "Ubuntu", "score": "medium"}`, one `affected` entry per (ecosystem, source package)
 *   that is affected; `ranges` `introduced: "0"` then `fixed` when a fix is published, `versions`
 *   the affected versions the archive held, `ecosystem_specific.binaries` and `availability`);
 * - `osv/usn/USN-5614-1.json`: one Ubuntu Security Notice, `upstream` naming the CVE records it
 *   fixed (`UBUNTU-CVE-2021-3782`), `affected` the fixed packages per release.
 *
 * Rules:
 * - a CVE document becomes, in each release group it names, the record `CVE-2021-3782` (the id
 *   every other source and scanner uses; `UBUNTU-CVE-2021-3782` becomes an alias). `withdrawn`
 *   documents (~6% of the archive) are left out, so a record withdrawn upstream becomes a
 *   tombstone;
 * - an affected entry is `fixed` when a range has a `fixed` event, else `affected` (Canonical's OSV
 *   lists affected packages only: not-affected packages are absent, and it does not say "won't fix");
 *   the usual range `introduced: "0"`, `fixed: X` becomes `version: X`, other ranges are kept as
 *   given; `versions` is dropped when every listed version lies in the ranges (it then adds nothing
 *   to the match, and it is the bulk of the archive), else kept; `binaries` are dropped,
 *   `availability` kept;
 * - a USN document adds itself as an advisory (`https://ubuntu.com/security/notices/USN-5614-1`)
 *   to the fixed entry of the same release and source package in each CVE record it names (the
 *   entry with the same fixed version; else those of the same channel kind); a USN that names no
 *   CVE is a record of its own;
 * - where entries go (release, Pro channel, variant builds) is ecosystem.ts.
 */
import { z } from 'zod';
import type { Range } from '../_framework/record.ts';
import { compareDpkgParsed, parseDpkg } from '../_framework/versions/dpkg.ts';

const Obj = z.record(z.string(), z.unknown());

export const OsvAffected = z.looseObject({
  package: z.looseObject({ ecosystem: z.string().min(1), name: z.string().min(1), purl: z.string().optional() }),
  ranges: z.array(z.looseObject({ type: z.string(), repo: z.string().optional(), events: z.array(z.record(z.string(), z.string())) })).optional(),
  versions: z.array(z.string()).optional(),
  ecosystem_specific: Obj.optional(),
  database_specific: Obj.optional(),
});
export type OsvAffected = z.infer<typeof OsvAffected>;

export const OsvDoc = z.looseObject({
  id: z.string().min(1),
  summary: z.string().optional(),
  details: z.string().optional(),
  aliases: z.array(z.string()).nullable().optional(),
  upstream: z.array(z.string()).optional(),
  related: z.array(z.string()).optional(),
  severity: z.array(z.looseObject({ type: z.string(), score: z.string() })).nullable().optional(),
  published: z.string().optional(),
  modified: z.string().optional(),
  withdrawn: z.string().optional(),
  affected: z.array(OsvAffected).nullable().optional(),
  references: z.array(z.looseObject({ type: z.string().optional(), url: z.string() })).nullable().optional(),
});
export type OsvDoc = z.infer<typeof OsvDoc>;

/** A CVE id named by a document: `CVE-2021-3782` from itself, `UBUNTU-CVE-2021-3782`, or an `upstream` entry. */
export function cveIdOf(id: string): string | undefined {
  const m = /^(?:UBUNTU-)?(CVE-\d{4}-\d{4,})$/.exec(id);
  return m?.[1];
}

/** The record id of a CVE document: its upstream CVE, else its own id without `UBUNTU-`, else its id. */
export function recordIdOf(doc: OsvDoc): string {
  for (const u of doc.upstream ?? []) {
    const id = cveIdOf(u);
    if (id) return id;
  }
  return cveIdOf(doc.id) ?? doc.id;
}

/** One affected entry as a group line carries it. */
export interface EntryLine {
  /** OSV ecosystem as given */
  e: string;
  /** channel (Pro) */
  c?: string;
  /** state */
  s: 'fixed' | 'affected';
  /** fixed version of the usual range */
  v?: string;
  /** ranges kept as given */
  rg?: Range[];
  /** versions kept (not covered by the ranges) */
  vs?: string[];
  /** purl */
  pu?: string;
  /** availability */
  av?: string;
}

/** A USN's fix of one package, as an advisory line carries it. */
export interface AdvisoryLine {
  /** the USN id */
  n: string;
  /** fixed version */
  v?: string;
  c?: string;
}

/** Whether `v` (dpkg) lies in the ranges (introduced/fixed/last_affected/limit, OSV rules); undefined when a version does not parse. */
function inRanges(v: string, ranges: readonly Range[]): boolean | undefined {
  try {
    const x = parseDpkg(v);
    for (const r of ranges) {
      if (r.type === 'GIT') continue;
      let affected = false;
      const events = r.events
        .map((e) => ({ kind: Object.keys(e)[0] ?? '', at: Object.values(e)[0] ?? '' }))
        .filter((e) => e.kind !== 'limit');
      const parsed = events.map((e) => ({ ...e, p: e.kind === 'introduced' && e.at === '0' ? null : parseDpkg(e.at) }));
      parsed.sort((a, b) => (a.p === null ? (b.p === null ? 0 : -1) : b.p === null ? 1 : compareDpkgParsed(a.p, b.p)));
      for (const e of parsed) {
        const c = e.p === null ? -1 : compareDpkgParsed(e.p, x);
        if (e.kind === 'introduced' && c <= 0) affected = true;
        else if (e.kind === 'fixed' && c <= 0) affected = false;
        else if (e.kind === 'last_affected' && c < 0) affected = false;
      }
      if (affected) return true;
    }
    return false;
  } catch {
    return undefined;
  }
}

/** OSV ranges as the record schema spells them, or undefined when one does not fit it (kept out, and counted by the caller). */
function rangesOf(a: OsvAffected): Range[] | undefined {
  const out: Range[] = [];
  for (const r of a.ranges ?? []) {
    if (r.type !== 'ECOSYSTEM' && r.type !== 'SEMVER' && r.type !== 'GIT') return undefined;
    const events: Range['events'] = [];
    for (const e of r.events) {
      const [k, v] = Object.entries(e)[0] ?? [];
      if (v === undefined || v === '' || !['introduced', 'fixed', 'last_affected', 'limit'].includes(k ?? '')) return undefined;
      events.push({ [k as string]: v } as Range['events'][number]);
    }
    out.push({ type: r.type, ...(r.repo !== undefined ? { repo: r.repo } : {}), events });
  }
  return out;
}

/** The entry line of an affected entry (rules in the module doc); undefined when its ranges cannot be read. */
export function entryLineOf(a: OsvAffected, channel: string | undefined): EntryLine | undefined {
  const ranges = rangesOf(a);
  if (ranges === undefined) return undefined;
  const fixed = ranges.some((r) => r.events.some((e) => 'fixed' in e));
  const line: EntryLine = { e: a.package.ecosystem, s: fixed ? 'fixed' : 'affected' };
  if (channel !== undefined) line.c = channel;
  const only = ranges.length === 1 ? ranges[0] : undefined;
  const ev = only?.type === 'ECOSYSTEM' ? only.events : undefined;
  const simple = ev !== undefined && 'introduced' in (ev[0] ?? {}) && (ev[0] as { introduced: string }).introduced === '0'
    && (ev.length === 1 || (ev.length === 2 && 'fixed' in (ev[1] ?? {})));
  if (simple && ev?.[1] && 'fixed' in ev[1]) line.v = ev[1].fixed;
  else if (!simple && ranges.length > 0) line.rg = ranges;
  const versions = a.versions ?? [];
  const covered = ranges.length > 0 && versions.every((v) => inRanges(v, ranges) === true);
  if (versions.length > 0 && !covered) line.vs = [...versions];
  // No ranges and no versions: OSV says nothing is affected; kept as an affected entry would be wrong.
  if (ranges.length === 0 && versions.length === 0) return undefined;
  if (a.package.purl !== undefined) line.pu = a.package.purl;
  const av = a.ecosystem_specific?.['availability'];
  if (typeof av === 'string' && av !== '') line.av = av;
  return line;
}

/** The fixed version of a USN's affected entry: the first `fixed` event. */
export function fixedOf(a: OsvAffected): string | undefined {
  for (const r of a.ranges ?? []) for (const e of r.events) if (typeof e['fixed'] === 'string' && e['fixed'] !== '') return e['fixed'];
  return undefined;
}
