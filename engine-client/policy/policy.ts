/**
 * Policy: which matches fail a scan. A policy file (JSON or YAML) names the lowest failing severity
 * and an allowlist of accepted findings, each with a reason and an optional expiry; an expired
 * entry no longer applies and is reported, so an exception cannot silently outlive its review.
 *
 * ```yaml
 * failOn: High            # Unknown < Negligible < Low < Medium < High < Critical; "none" never fails
 * failOnUnknown: false    # also fail on matches whose severity the feed does not know
 * ignoreWontFix: false    # do not fail on matches the vendor will not fix or has deferred (Debian
 *                         # <ignored>/<postponed>, Ubuntu ignored/deferred): still reported, as "ignored"
 * failOnUnchecked: false  # also fail when a package could not be checked (see Coverage)
 * allowlist:
 *   - id: CVE-2024-0001
 *     package: openssl    # optional: installed or matched (source) name
 *                         # id: the reported id or any of its aliases (GHSA-…, CVE-…)
 *     reason: not reachable, see TICKET-12
 *     expires: 2027-01-31 # optional, UTC; the entry stops applying at this instant
 * ```
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { readInputFile } from '../../drivers/_framework/files.ts';
import { SEVERITIES, type Severity } from '../../drivers/_framework/record.ts';
import { type Match, SEVERITY_RANK } from '../match/match.ts';

const dateOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

const AllowEntry = z.strictObject({
  id: z.string().min(1),
  package: z.string().min(1).optional(),
  reason: z.string().min(1, 'every allowlist entry needs a reason'),
  expires: z.union([dateOrTime, z.date()]).optional(),
});

export const PolicyFile = z.strictObject({
  failOn: z.enum([...SEVERITIES, 'none']).default('High'),
  failOnUnknown: z.boolean().default(false),
  ignoreWontFix: z.boolean().default(false),
  failOnUnchecked: z.boolean().default(false),
  allowlist: z.array(AllowEntry).default([]),
});

export interface AllowlistEntry {
  id: string;
  package?: string;
  reason: string;
  /** ISO instant; absent = never expires. */
  expires?: string;
}

export interface Policy {
  failOn: Severity | 'none';
  failOnUnknown: boolean;
  /** Matches in state `will_not_fix` or `deferred` do not fail the policy (they are reported as ignored). */
  ignoreWontFix?: boolean;
  /** Fail when any package could not be checked (Coverage.unchecked > 0). */
  failOnUnchecked: boolean;
  allowlist: AllowlistEntry[];
  /** Where it came from, for messages. */
  source: string;
}

/** The policy used when none is given: fail on High and Critical, nothing allowed. */
export function defaultPolicy(): Policy {
  return { failOn: 'High', failOnUnknown: false, failOnUnchecked: false, allowlist: [], source: 'default' };
}

function toInstant(v: string | Date): string {
  if (v instanceof Date) return v.toISOString();
  return /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00.000Z` : new Date(v).toISOString();
}

/** Parses policy text (JSON or YAML, chosen by content); throws POLICY_INVALID naming the field. */
export function parsePolicy(text: string, source: string): Policy {
  let raw: unknown;
  try {
    raw = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new AirfeedError('POLICY_INVALID', `${source}: not valid JSON or YAML: ${(err as Error).message}`, { cause: err });
  }
  const parsed = PolicyFile.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? issue.path.join('.') : '(top level)';
    throw new AirfeedError('POLICY_INVALID', `${source}: ${at}: ${issue?.message ?? 'invalid'}`, { cause: parsed.error });
  }
  const { failOn, failOnUnknown, failOnUnchecked, ignoreWontFix, allowlist } = parsed.data;
  return {
    failOn,
    failOnUnknown,
    failOnUnchecked,
    ...(ignoreWontFix ? { ignoreWontFix } : {}),
    source,
    allowlist: allowlist.map((e) => ({
      id: e.id,
      reason: e.reason,
      ...(e.package === undefined ? {} : { package: e.package }),
      ...(e.expires === undefined ? {} : { expires: toInstant(e.expires) }),
    })),
  };
}

/** Reads and parses a policy file. */
export async function loadPolicy(file: string): Promise<Policy> {
  const text = (await readInputFile('policy', file, 'POLICY_INVALID')).toString('utf8');
  return parsePolicy(text, file);
}

/**
 * How much of the input the scan could check. `packages` counts what the engine was asked about:
 * the input's packages and the entries it had to skip as third-party code it cannot match (a git
 * dependency, an unpinned requirement, an unknown purl type); local code (path and workspace
 * dependencies) is no package of anyone's and is not counted. `checked` packages were compared
 * against their group's data without a problem; the others are `unchecked`: their group is not in
 * the store, a version could not be compared, or they were skipped.
 */
export interface Coverage {
  packages: number;
  checked: number;
  unchecked: number;
}

export interface Verdict {
  pass: boolean;
  policy: { source: string; failOn: Severity | 'none'; failOnUnknown: boolean; failOnUnchecked: boolean; ignoreWontFix: boolean };
  /** What was checked; absent when the caller gave no coverage. */
  coverage?: Coverage;
  /** True when the verdict fails because packages were unchecked and the policy says failOnUnchecked. */
  uncheckedFail: boolean;
  /** Matches that fail the policy. */
  violations: Match[];
  /** Matches the vendor will not fix or has deferred, left out by `ignoreWontFix` (reported, never failing). */
  ignored: Match[];
  /** Matches an allowlist entry accepted, with the entry. */
  allowed: { match: Match; entry: AllowlistEntry }[];
  /** Allowlist entries past their expiry (they no longer apply). */
  expired: AllowlistEntry[];
  /** Allowlist entries that matched nothing (maybe fixed, or mistyped). */
  unused: AllowlistEntry[];
}

function covers(entry: AllowlistEntry, m: Match): boolean {
  const id = entry.id === m.vulnId || (m.aliases?.includes(entry.id) ?? false);
  return id && (entry.package === undefined || entry.package === m.package || entry.package === m.matchedName);
}

/** The coverage of a scan: its match result's counts, and the input entries it skipped (local code not counted). */
export function coverageOf(result: { packages: number; checked: number }, skipped: readonly { local?: true }[] = []): Coverage {
  const thirdParty = skipped.filter((s) => s.local !== true).length;
  const packages = result.packages + thirdParty;
  return { packages, checked: result.checked, unchecked: packages - result.checked };
}

/** Judges matches (and, when given, the coverage of the scan) against a policy at time `now`. */
export function evaluatePolicy(matches: readonly Match[], policy: Policy, now: Date, coverage?: Coverage): Verdict {
  const live: AllowlistEntry[] = [];
  const expired: AllowlistEntry[] = [];
  for (const e of policy.allowlist) (e.expires !== undefined && Date.parse(e.expires) <= now.getTime() ? expired : live).push(e);
  const used = new Set<AllowlistEntry>();
  const violations: Match[] = [];
  const allowed: { match: Match; entry: AllowlistEntry }[] = [];
  const ignored: Match[] = [];
  const ignoreWontFix = policy.ignoreWontFix === true;
  const threshold = policy.failOn === 'none' ? Infinity : SEVERITY_RANK[policy.failOn];
  for (const m of matches) {
    const entry = live.find((e) => covers(e, m));
    if (entry) {
      used.add(entry);
      allowed.push({ match: m, entry });
      continue;
    }
    if (ignoreWontFix && (m.state === 'will_not_fix' || m.state === 'deferred')) {
      ignored.push(m);
      continue;
    }
    const rank = SEVERITY_RANK[m.severity];
    if (rank >= threshold || (policy.failOnUnknown && m.severity === 'Unknown')) violations.push(m);
  }
  const uncheckedFail = policy.failOnUnchecked && coverage !== undefined && coverage.unchecked > 0;
  return {
    pass: violations.length === 0 && !uncheckedFail,
    policy: { source: policy.source, failOn: policy.failOn, failOnUnknown: policy.failOnUnknown, failOnUnchecked: policy.failOnUnchecked, ignoreWontFix },
    ...(coverage === undefined ? {} : { coverage }),
    uncheckedFail,
    violations,
    ignored,
    allowed,
    expired,
    unused: live.filter((e) => !used.has(e)),
  };
}
