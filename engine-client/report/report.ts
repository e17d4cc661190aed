/**
 * Scan output: a table for people and one JSON document for machines. Both carry the same facts:
 * what was scanned, which groups were consulted (and their data's age), every match with the name
 * and version that matched, problems the scan could not decide, versions it compared with a
 * warning, and the policy verdict.
 */
import type { SkippedEntry } from '../inputs/types.ts';
import type { Match, MatchResult } from '../match/match.ts';
import type { Verdict } from '../policy/policy.ts';

export interface ScanReport {
  input: { file: string; format: string };
  result: MatchResult;
  verdict: Verdict;
  /** When the scan ran (ISO). */
  scannedAt: string;
  /** Data age per consulted group, for the reader's trust in a clean result. */
  dataAge?: { group: string; updatedAt: string | null; stale: boolean }[];
  /** Input entries that could not be matched (unknown package type, no version). */
  skipped?: SkippedEntry[];
}

/** The JSON document `scan --format json` prints (stable field names; see README "Scan output"). */
export function reportJson(r: ScanReport): Record<string, unknown> {
  const allowedKeys = new Set(r.verdict.allowed.map((a) => a.match));
  const failing = new Set(r.verdict.violations);
  return {
    input: r.input,
    scannedAt: r.scannedAt,
    distro: r.result.distro ? `${r.result.distro.id}:${r.result.distro.release}` : null,
    packages: r.result.packages,
    checked: r.result.checked,
    groups: r.result.groups,
    unchecked: r.result.unchecked,
    ...(r.dataAge ? { dataAge: r.dataAge } : {}),
    skipped: r.skipped ?? [],
    matches: r.result.matches.map((m) => ({
      ...m,
      aliases: m.aliases ?? [],
      policy: failing.has(m) ? 'fail' : allowedKeys.has(m) ? 'allowed' : 'pass',
    })),
    problems: r.result.problems,
    warnings: r.result.warnings,
    verdict: {
      pass: r.verdict.pass,
      ...r.verdict.policy,
      ...(r.verdict.coverage ? { packages: r.verdict.coverage.packages, checked: r.verdict.coverage.checked, unchecked: r.verdict.coverage.unchecked } : {}),
      uncheckedFail: r.verdict.uncheckedFail,
      violations: r.verdict.violations.length,
      allowed: r.verdict.allowed.map((a) => ({ id: a.match.vulnId, package: a.match.package, reason: a.entry.reason, expires: a.entry.expires ?? null })),
      expiredAllowlist: r.verdict.expired,
      unusedAllowlist: r.verdict.unused,
    },
  };
}

function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** The id column: the reported id, with the flaw's other ids after it. */
function ids(m: Match): string {
  return m.aliases && m.aliases.length > 0 ? `${m.vulnId} (${m.aliases.join(', ')})` : m.vulnId;
}

function matchedAs(m: Match): string {
  if (m.matchedName === m.package && m.matchedVersion === m.installedVersion) return '';
  return m.matchedName === m.package ? `@${m.matchedVersion}` : `${m.matchedName} ${m.matchedVersion}`;
}

/** The table `scan` prints for people, with a summary and the verdict. */
export function reportTable(r: ScanReport): string {
  const out: string[] = [];
  const failing = new Set(r.verdict.violations);
  const allowed = new Map(r.verdict.allowed.map((a) => [a.match, a.entry]));
  const distro = r.result.distro ? `${r.result.distro.id}:${r.result.distro.release}` : 'no distro';
  const n = r.result.matches.length;
  out.push(`${r.input.file} (${r.input.format}, ${distro}): ${r.result.packages} packages, ${n} ${n === 1 ? 'vulnerability' : 'vulnerabilities'}`);
  if (r.result.matches.length > 0) {
    out.push('');
    const rows = r.result.matches.map((m) => [
      m.package,
      m.installedVersion,
      matchedAs(m),
      ids(m),
      m.severity,
      m.fixedVersion ?? '(no fix)',
      m.group,
      failing.has(m) ? 'FAIL' : allowed.has(m) ? 'allowed' : '',
    ]);
    out.push(...table(['PACKAGE', 'INSTALLED', 'MATCHED AS', 'VULNERABILITY', 'SEVERITY', 'FIXED IN', 'GROUP', 'POLICY'], rows));
  }
  const skipped = (r.skipped ?? []).filter((s) => s.local !== true);
  const local = (r.skipped ?? []).filter((s) => s.local === true);
  if (skipped.length > 0) out.push(`note: ${skipped.length} input entries not scanned (${skipped[0]?.reason ?? ''}${skipped.length > 1 ? ', …' : ''}); --format json lists them`);
  if (local.length > 0) out.push(`note: ${local.length} local ${local.length === 1 ? 'package' : 'packages'} not scanned, being the project's own code (${local[0]?.reason ?? ''}${local.length > 1 ? ', …' : ''})`);
  for (const u of r.result.unchecked) out.push(`note: ${u.packages} ${u.packages === 1 ? 'package' : 'packages'} not checked: the engine holds no data for ${u.group}`);
  for (const a of r.dataAge ?? []) if (a.stale) out.push(`warning: data for ${a.group} is stale (last update ${a.updatedAt ?? 'never'}); sync or import a newer bundle`);
  if (r.result.problems.length > 0) {
    out.push('', `${r.result.problems.length} problems (not decided, not counted as matches):`);
    for (const p of r.result.problems) out.push(`  ${p.package} ${p.version} (${p.location})${p.vulnId ? ` vs ${p.vulnId}` : ''}: ${p.message}`);
  }
  if (r.result.warnings.length > 0) {
    out.push('', `${r.result.warnings.length} version warnings (compared anyway, as the ecosystem's own tool does):`);
    for (const w of r.result.warnings) out.push(`  ${w.package} ${w.version} (${w.location})${w.vulnId ? ` vs ${w.vulnId}` : ''}: ${w.message}`);
  }
  for (const e of r.verdict.expired) out.push(`warning: allowlist entry ${e.id}${e.package ? ` (${e.package})` : ''} expired at ${e.expires ?? ''} and no longer applies`);
  const v = r.verdict;
  const gate =
    (v.policy.failOn === 'none' ? 'never fails on severity' : `fails on ${v.policy.failOn} and above${v.policy.failOnUnknown ? ' and on Unknown' : ''}`) +
    (v.policy.failOnUnchecked ? ' and on unchecked packages' : '');
  const failures = [...(v.violations.length > 0 || !v.uncheckedFail ? [`${v.violations.length} violations`] : []), ...(v.uncheckedFail ? [`${v.coverage?.unchecked ?? 0} unchecked`] : [])];
  const checked = v.coverage ? `, ${v.coverage.checked} of ${v.coverage.packages} packages checked` : '';
  out.push('', `policy ${v.policy.source} ${gate}${checked}: ${v.pass ? 'PASS' : `FAIL (${failures.join(', ')})`}${v.allowed.length > 0 ? `, ${v.allowed.length} allowed` : ''}`);
  return out.join('\n');
}
