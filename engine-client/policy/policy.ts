/**
 * Policy: which matches fail a scan. A policy file (JSON or YAML) names the lowest failing severity,
 * whether known exploitation fails a scan whatever the severity (CISA KEV listing, an EPSS score or
 * percentile at or above a threshold), and an allowlist of accepted findings, each with a reason and
 * an optional expiry; an expired entry no longer applies and is reported, so an exception cannot
 * silently outlive its review. An allowed match never fails, whichever rule it would break.
 *
 * ```yaml
 * failOn: High            # Unknown < Negligible < Low < Medium < High < Critical; "none" never fails
 * failOnUnknown: false    # also fail on matches whose severity neither the feed nor NVD knows
 * failOnKev: true         # also fail on every match CISA lists as known exploited (kev:catalog)
 * failOnEpss: 0.5         # also fail when the EPSS score (probability of exploitation in 30 days) is >= 0.5
 * # failOnEpss: {percentile: 0.95}      # ... or on the percentile; with both keys, either one fails
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
import { EPSS_GROUP, KEV_GROUP } from '../enrich/types.ts';
import { type Match, SEVERITY_RANK } from '../match/match.ts';

const dateOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

const AllowEntry = z.strictObject({
  id: z.string().min(1),
  package: z.string().min(1).optional(),
  reason: z.string().min(1, 'every allowlist entry needs a reason'),
  expires: z.union([dateOrTime, z.date()]).optional(),
});

const probability = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

/** An EPSS threshold: a bare number is a score; an object names a score, a percentile, or both (either fails). */
const EpssThreshold = z.union([
  probability,
  z.strictObject({ score: probability.optional(), percentile: probability.optional() }).refine((t) => t.score !== undefined || t.percentile !== undefined, 'give a score, a percentile, or both'),
]);

export const PolicyFile = z.strictObject({
  failOn: z.enum([...SEVERITIES, 'none']).default('High'),
  failOnUnknown: z.boolean().default(false),
  failOnKev: z.boolean().default(false),
  failOnEpss: EpssThreshold.optional(),
  ignoreWontFix: z.boolean().default(false),
  failOnUnchecked: z.boolean().default(false),
  allowlist: z.array(AllowEntry).default([]),
});

/** The EPSS thresholds a policy fails at (each optional). */
export interface EpssGate {
  score?: number;
  percentile?: number;
}

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
  /** Fail on matches listed in CISA KEV. */
  failOnKev: boolean;
  /** Fail on matches whose EPSS score or percentile reaches these; null: EPSS does not fail a scan. */
  failOnEpss: EpssGate | null;
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
  return { failOn: 'High', failOnUnknown: false, failOnUnchecked: false, failOnKev: false, failOnEpss: null, allowlist: [], source: 'default' };
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
  const { failOn, failOnUnknown, failOnUnchecked, failOnKev, failOnEpss, ignoreWontFix, allowlist } = parsed.data;
  return {
    failOn,
    failOnUnknown,
    failOnUnchecked,
    failOnKev,
    failOnEpss: epssGate(failOnEpss),
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

function epssGate(t: z.infer<typeof EpssThreshold> | undefined): EpssGate | null {
  if (t === undefined) return null;
  if (typeof t === 'number') return { score: t };
  return { ...(t.score === undefined ? {} : { score: t.score }), ...(t.percentile === undefined ? {} : { percentile: t.percentile }) };
}

/**
 * Parses `--fail-on-epss`: `0.5` (a score), `score:0.5`, `percentile:0.95`, or both joined with a
 * comma; throws INPUT_INVALID naming the flag.
 */
export function parseEpssFlag(value: string): EpssGate {
  const gate: EpssGate = {};
  for (const part of value.split(',').map((p) => p.trim())) {
    const m = /^(?:(score|percentile):)?([0-9]*\.?[0-9]+)$/.exec(part);
    const n = m ? Number(m[2]) : NaN;
    if (!m || !(n >= 0 && n <= 1)) {
      throw new AirfeedError('INPUT_INVALID', `--fail-on-epss ${value}: "${part}" is not a number from 0 to 1, score:<n> or percentile:<n> (e.g. 0.5 or percentile:0.95)`);
    }
    gate[(m[1] ?? 'score') as keyof EpssGate] = n;
  }
  return gate;
}

/** The enrichment groups a policy cannot be judged without (a KEV or EPSS gate with no data would pass everything). */
export function policyNeeds(policy: Policy): string[] {
  return [...(policy.failOnEpss ? [EPSS_GROUP] : []), ...(policy.failOnKev ? [KEV_GROUP] : [])];
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
  policy: {
    source: string; failOn: Severity | 'none'; failOnUnknown: boolean; failOnUnchecked: boolean; failOnKev: boolean; failOnEpss: EpssGate | null; ignoreWontFix: boolean;
  };
  /** What was checked; absent when the caller gave no coverage. */
  coverage?: Coverage;
  /** True when the verdict fails because packages were unchecked and the policy says failOnUnchecked. */
  uncheckedFail: boolean;
  /** Matches that fail the policy. */
  violations: Match[];
  /** Why each violation fails (`severity High`, `KEV`, `EPSS score 0.61 >= 0.5`), in that order. */
  reasons: ReadonlyMap<Match, string[]>;
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

/** The rules a match breaks (none: it passes). */
function failures(m: Match, policy: Policy, threshold: number): string[] {
  const out: string[] = [];
  if (SEVERITY_RANK[m.severity] >= threshold) out.push(`severity ${m.severity}${m.severitySource === 'nvd' ? ' (NVD)' : ''}`);
  else if (policy.failOnUnknown && m.severity === 'Unknown') out.push('severity Unknown');
  if (policy.failOnKev && m.kev) out.push(`KEV (listed ${m.kev.dateAdded})`);
  const gate = policy.failOnEpss;
  if (gate && m.epss) {
    if (gate.score !== undefined && m.epss.score >= gate.score) out.push(`EPSS score ${m.epss.score} >= ${gate.score}`);
    if (gate.percentile !== undefined && m.epss.percentile >= gate.percentile) out.push(`EPSS percentile ${m.epss.percentile} >= ${gate.percentile}`);
  }
  return out;
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
  const reasons = new Map<Match, string[]>();
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
    const why = failures(m, policy, threshold);
    if (why.length > 0) {
      violations.push(m);
      reasons.set(m, why);
    }
  }
  const uncheckedFail = policy.failOnUnchecked && coverage !== undefined && coverage.unchecked > 0;
  return {
    pass: violations.length === 0 && !uncheckedFail,
    policy: {
      source: policy.source, failOn: policy.failOn, failOnUnknown: policy.failOnUnknown, failOnUnchecked: policy.failOnUnchecked,
      failOnKev: policy.failOnKev, failOnEpss: policy.failOnEpss, ignoreWontFix,
    },
    ...(coverage === undefined ? {} : { coverage }),
    uncheckedFail,
    violations,
    reasons,
    ignored,
    allowed,
    expired,
    unused: live.filter((e) => !used.has(e)),
  };
}
