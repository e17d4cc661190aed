/**
 * The Debian security tracker's JSON (https://security-tracker.debian.org/tracker/data/json), read
 * one source package at a time, and the rules that turn one release entry into a record's package
 * state. The document, as bin/tracker_service.py of the security-tracker repository writes it:
 *
 * ```json
 * {"openssl": {"CVE-2024-0727": {"description": "Issue summary: …", "scope": "local", "debianbug": 1061582,
 *   "releases": {"bookworm": {"status": "resolved", "repositories": {"bookworm": "3.0.11-1~deb12u2",
 *     "bookworm-security": "3.0.13-1~deb12u1"}, "fixed_version": "3.0.13-1~deb12u1", "urgency": "not yet assigned"},
 *   "sid": {…}}}, "TEMP-0000000-2F6E3C": {…}}, …}
 * ```
 *
 * Keys of a source are the tracker's bug names: CVE ids and, for issues without one, `TEMP-<bug or
 * 0000000>-<hash>` (the tracker exports only those two kinds; any other id is kept as the tracker
 * gives it). Absent values are left out (the tracker deletes nulls), `releases` may be `[]` when
 * empty (a PHP-style dump, seen in real mirrors: `"chromium-browser": {"CVE-2022-0358": {"releases": []}}`),
 * and release keys are codenames of the releases the tracker supports today (`bookworm`, `sid`, …;
 * older dumps carry `stretch`, `jessie`).
 *
 * States (record-fixed.ts), per source and release:
 *
 * | tracker | state |
 * |---|---|
 * | `resolved`, `fixed_version` `"1.2-3"` | `fixed`, version `1.2-3` |
 * | `resolved`, `fixed_version` `"0"` (`<not-affected>`) | `not_affected`: never a match |
 * | `resolved`, no `fixed_version` | `not_affected`: the tracker judges the release's version not vulnerable and names no fix to compare with |
 * | `open` | `affected` (no fix) |
 * | `open` with `nodsa` and `nodsa_reason` `""` (`<no-dsa>`: minor, maybe fixed in a point release) | `affected` |
 * | `open` with `nodsa_reason` `"ignored"` (`<ignored>`) | `will_not_fix` |
 * | `open` with `nodsa_reason` `"postponed"` (`<postponed>`) | `deferred` |
 * | `undetermined` | `under_investigation` |
 *
 * Every `nodsa` entry also says `vendorAdvisory.noAdvisory: true` (Anchore's "no advisory", which
 * Anchore and grype show as "won't fix" whatever the reason). `urgency` → severity: `unimportant`
 * Negligible, `low` Low, `medium` Medium, `high` High; `not yet assigned`, `end-of-life` and any
 * other value Unknown; a `**` suffix (the tracker's mark for an urgency taken from NVD: `low**`) is
 * stripped first. The raw urgency, the `nodsa` comment and reason, `debianbug` and
 * `next_point_update` stay on the package entry (`databaseSpecific`).
 *
 * A `status` or `nodsa_reason` outside those values, or a value of the wrong type, is
 * SOURCE_INVALID naming the JSON path (`openssl.CVE-2024-0727.releases.bookworm.status`): guessing
 * a state would turn into a wrong verdict.
 */
import { z } from 'zod';
import type { FixState, Severity } from '../_framework/record.ts';

/** One release entry of one source and issue. Unknown keys are kept out (the tracker may add some). */
export const ReleaseEntry = z.looseObject({
  status: z.enum(['resolved', 'open', 'undetermined']),
  fixed_version: z.string().optional(),
  urgency: z.string().optional(),
  nodsa: z.string().optional(),
  nodsa_reason: z.enum(['', 'ignored', 'postponed']).optional(),
  repositories: z.record(z.string(), z.string()).optional(),
  next_point_update: z.boolean().optional(),
});
export type ReleaseEntry = z.infer<typeof ReleaseEntry>;

/** One issue of one source package. */
export const IssueEntry = z.looseObject({
  description: z.string().nullable().optional(),
  scope: z.string().nullable().optional(),
  debianbug: z.number().int().nullable().optional(),
  /** Checked entry by entry (`releasesOf`), so an error names the release. */
  releases: z.unknown().optional(),
});
export type IssueEntry = z.infer<typeof IssueEntry>;

/** All issues of one source package. */
export const SourceEntry = z.record(z.string(), IssueEntry);

/** The release entries of an issue, unchecked: `[]` is an empty dump of `{}`; null when the value is neither an object nor `[]`. */
export function releasesOf(value: unknown): Record<string, unknown> | null {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return value as Record<string, unknown>;
}

/** What one release entry says about the package, before it becomes a `fixedIn` entry. */
export interface PackageFact {
  state: FixState;
  /** The fixed version of a `fixed` state. */
  version?: string;
  /** True for `nodsa` entries: the security team issues no advisory for it. */
  noAdvisory: boolean;
  severity: Severity;
}

const URGENCY: Readonly<Record<string, Severity>> = { unimportant: 'Negligible', low: 'Low', medium: 'Medium', high: 'High' };

/** The severity of a tracker urgency (see the module doc): `high**` → High, `end-of-life` → Unknown. */
export function urgencySeverity(urgency: string | undefined): Severity {
  if (urgency === undefined) return 'Unknown';
  return URGENCY[urgency.replace(/\*+$/, '').trim()] ?? 'Unknown';
}

/** The state of one release entry (table in the module doc). */
export function packageFact(e: ReleaseEntry): PackageFact {
  const severity = urgencySeverity(e.urgency);
  const noAdvisory = e.nodsa !== undefined || (e.nodsa_reason !== undefined && e.status === 'open');
  if (e.status === 'resolved') {
    const v = e.fixed_version?.trim() ?? '';
    if (v === '' || v === '0') return { state: 'not_affected', noAdvisory: false, severity };
    return { state: 'fixed', version: v, noAdvisory: false, severity };
  }
  if (e.status === 'undetermined') return { state: 'under_investigation', noAdvisory, severity };
  if (e.nodsa_reason === 'ignored') return { state: 'will_not_fix', noAdvisory: true, severity };
  if (e.nodsa_reason === 'postponed') return { state: 'deferred', noAdvisory: true, severity };
  return { state: 'affected', noAdvisory, severity };
}

/** Severity order, Anchore's: Unknown lowest. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { Unknown: 0, Negligible: 1, Low: 2, Medium: 3, High: 4, Critical: 5 };

/** The tracker's page of an issue (CVE or TEMP id) or advisory. */
export function trackerLink(id: string): string {
  return `https://security-tracker.debian.org/tracker/${encodeURIComponent(id)}`;
}
