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
 * allowlist:
 *   - id: CVE-2024-0001
 *     package: openssl    # optional: installed or matched (source) name
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
  allowlist: AllowlistEntry[];
  /** Where it came from, for messages. */
  source: string;
}

/** The policy used when none is given: fail on High and Critical, nothing allowed. */
export function defaultPolicy(): Policy {
  return { failOn: 'High', failOnUnknown: false, allowlist: [], source: 'default' };
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
  const { failOn, failOnUnknown, ignoreWontFix, allowlist } = parsed.data;
  return {
    failOn,
    failOnUnknown,
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

export interface Verdict {
  pass: boolean;
  policy: { source: string; failOn: Severity | 'none'; failOnUnknown: boolean; ignoreWontFix: boolean };
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
  return entry.id === m.vulnId && (entry.package === undefined || entry.package === m.package || entry.package === m.matchedName);
}

/** Judges matches against a policy at time `now`. */
export function evaluatePolicy(matches: readonly Match[], policy: Policy, now: Date): Verdict {
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
  return {
    pass: violations.length === 0,
    policy: { source: policy.source, failOn: policy.failOn, failOnUnknown: policy.failOnUnknown, ignoreWontFix },
    violations,
    ignored,
    allowed,
    expired,
    unused: live.filter((e) => !used.has(e)),
  };
}
