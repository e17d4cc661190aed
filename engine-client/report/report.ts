/**
 * Scan output: a table for people and one JSON document for machines. Both carry the same facts:
 * what was scanned, which groups were consulted (and their data's age), which enrichment groups
 * (NVD, KEV, EPSS) the engine holds, every match with the name and version that matched, its
 * severity and where that came from, its CVSS metric, KEV listing and EPSS score, problems the scan
 * could not decide, versions it compared with a warning, and the policy verdict with each violation's
 * reasons.
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
  /** The enrichment groups (nvdv2:cves, kev:catalog, epss:scores) and whether the engine holds them. */
  enrichment?: { group: string; held: boolean; updatedAt: string | null; stale: boolean }[];
  /** How packages were matched: by package (always), and by CPE when `--match cpe` asked for it. */
  matchModes?: ('package' | 'cpe')[];
  /** Where the distro release came from when the scan found it itself (`/etc/os-release` beside the scanned dpkg database). */
  distroSource?: string;
}

/** The JSON document `scan --format json` prints (stable field names; see README "Scan output"). */
export function reportJson(r: ScanReport): Record<string, unknown> {
  const allowedKeys = new Set(r.verdict.allowed.map((a) => a.match));
  const failing = new Set(r.verdict.violations);
  const ignored = new Set(r.verdict.ignored);
  return {
    input: r.input,
    scannedAt: r.scannedAt,
    distro: r.result.distro ? `${r.result.distro.id}:${r.result.distro.release}` : null,
    ...(r.result.distro?.rebuild ? { distroMatchedAs: rebuildNote(r.result.distro.rebuild, r.result.distro.id, r.result.distro.release) } : {}),
    ...(r.distroSource ? { distroSource: r.distroSource } : {}),
    ...(r.result.ubuntuPro ? { ubuntuPro: r.result.ubuntuPro } : {}),
    packages: r.result.packages,
    checked: r.result.checked,
    groups: r.result.groups,
    unchecked: r.result.unchecked,
    ...(r.dataAge ? { dataAge: r.dataAge } : {}),
    enrichment: r.enrichment ?? [],
    matchModes: r.matchModes ?? ['package'],
    skipped: r.skipped ?? [],
    matches: r.result.matches.map((m) => ({
      ...m,
      aliases: m.aliases ?? [],
      policy: failing.has(m) ? 'fail' : allowedKeys.has(m) ? 'allowed' : ignored.has(m) ? 'ignored' : 'pass',
      policyReasons: r.verdict.reasons.get(m) ?? [],
    })),
    problems: r.result.problems,
    warnings: r.result.warnings,
    verdict: {
      pass: r.verdict.pass,
      ...r.verdict.policy,
      ...(r.verdict.coverage ? { packages: r.verdict.coverage.packages, checked: r.verdict.coverage.checked, unchecked: r.verdict.coverage.unchecked } : {}),
      uncheckedFail: r.verdict.uncheckedFail,
      violations: r.verdict.violations.length,
      ignored: r.verdict.ignored.length,
      allowed: r.verdict.allowed.map((a) => ({ id: a.match.vulnId, package: a.match.package, reason: a.entry.reason, expires: a.entry.expires ?? null })),
      expiredAllowlist: r.verdict.expired,
      unusedAllowlist: r.verdict.unused,
    },
  };
}

/** `rocky 9 is matched against Red Hat's data for RHEL 9 (rhel:9)`: a rebuild matched against its upstream's advisories. */
export function rebuildNote(rebuild: string, id: string, release: string): string {
  const upstream = id === 'rhel' ? `Red Hat's data for RHEL ${release}` : `the data of ${id} ${release}`;
  return `${rebuild} ${release} is matched against ${upstream} (${id}:${release}); fixes ${rebuild} ships later or differently are not known to it`;
}

function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)];
}

const ENRICHMENT_NOTES: Readonly<Record<string, string>> = {
  'nvdv2:cves': 'matches whose record rates no severity (Alpine secdb) stay Unknown',
  'kev:catalog': 'no match can show a KEV listing',
  'epss:scores': 'no match can show an EPSS score',
};

/** `7.8 v3.1` (NVD's when the record has none of its own: `5.9 v3.1 NVD`). */
function cvssCell(m: Match): string {
  if (!m.cvss) return '';
  const score = m.cvss.baseScore === null ? '?' : m.cvss.baseScore.toFixed(1);
  return `${score} v${m.cvss.version}${m.cvss.from === 'nvd' && m.group !== 'nvdv2:cves' ? ' NVD' : ''}`;
}

/** `94.2% (99th)`: the score as a percentage, the percentile as grype shows it. */
function epssCell(m: Match): string {
  if (!m.epss) return '';
  const pct = Math.floor(m.epss.percentile * 100);
  const suffix = pct % 100 >= 11 && pct % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][pct % 10] ?? 'th');
  return `${(m.epss.score * 100).toFixed(m.epss.score < 0.001 ? 3 : 1)}% (${pct}${suffix})`;
}

function advisoryText(m: Match): string {
  const ids = (m.advisories ?? []).map((a) => a.id);
  return ids.length <= 2 ? ids.join(',') : `${ids.slice(0, 2).join(',')},+${ids.length - 2}`;
}

/** The id column: the reported id, with the flaw's other ids after it. */
function ids(m: Match): string {
  return m.aliases && m.aliases.length > 0 ? `${m.vulnId} (${m.aliases.join(', ')})` : m.vulnId;
}

function matchedAs(m: Match): string {
  if (m.matchedName === m.package && m.matchedVersion === m.installedVersion) return '';
  return m.matchedName === m.package ? `@${m.matchedVersion}` : `${m.matchedName} ${m.matchedVersion}`;
}

/** What the FIXED IN column says: the fix to install, or why there is none. */
export function fixText(m: Match): string {
  if (m.fixedVersion !== null) return m.fixedVersion;
  if (m.unavailableFix) return `(${m.unavailableFix.version} needs ${m.unavailableFix.channel.startsWith('esm') ? 'Ubuntu Pro' : 'the subscription channel'} ${m.unavailableFix.channel})`;
  switch (m.state) {
    case 'will_not_fix':
      return "(won't fix)";
    case 'deferred':
      return '(deferred)';
    case 'under_investigation':
      return '(under investigation)';
    default:
      return '(no fix)';
  }
}

/** The table `scan` prints for people, with a summary and the verdict. */
export function reportTable(r: ScanReport): string {
  const out: string[] = [];
  const failing = new Set(r.verdict.violations);
  const allowed = new Map(r.verdict.allowed.map((a) => [a.match, a.entry]));
  const ignored = new Set(r.verdict.ignored);
  const distro = r.result.distro ? `${r.result.distro.id}:${r.result.distro.release}` : 'no distro';
  const n = r.result.matches.length;
  out.push(`${r.input.file} (${r.input.format}, ${distro}${r.distroSource ? ` from ${r.distroSource}` : ''}): ${r.result.packages} packages, ${n} ${n === 1 ? 'vulnerability' : 'vulnerabilities'}`);
  const pro = r.result.ubuntuPro;
  if (pro) {
    out.push(pro.enabled
      ? `Ubuntu Pro: assumed (${pro.reason}): fixes in its ESM channels count as available`
      : `Ubuntu Pro: not assumed (${pro.reason}): fixes published only in Ubuntu Pro are shown as needing it; pass --ubuntu-pro if this machine has it`);
  }
  if (r.result.matches.length > 0) {
    out.push('');
    const rows = r.result.matches.map((m) => [
      m.package,
      m.installedVersion,
      matchedAs(m),
      ids(m),
      m.severitySource === 'nvd' && m.group !== 'nvdv2:cves' ? `${m.severity} (NVD)` : m.severity,
      cvssCell(m),
      m.kev ? 'KEV' : '',
      epssCell(m),
      fixText(m),
      advisoryText(m),
      m.module ? `${m.group} [${m.module}]` : m.group,
      failing.has(m) ? 'FAIL' : allowed.has(m) ? 'allowed' : ignored.has(m) ? 'ignored' : '',
    ]);
    out.push(...table(['PACKAGE', 'INSTALLED', 'MATCHED AS', 'VULNERABILITY', 'SEVERITY', 'CVSS', 'KEV', 'EPSS', 'FIXED IN', 'ADVISORY', 'GROUP', 'POLICY'], rows));
  }
  for (const e of r.enrichment ?? []) {
    if (!e.held) out.push(`note: the engine holds no ${e.group}: ${ENRICHMENT_NOTES[e.group] ?? 'its data is missing from the matches'}`);
    else if (e.stale) out.push(`warning: data for ${e.group} is stale (last update ${e.updatedAt ?? 'never'}); sync or import a newer bundle`);
  }
  if (r.result.distro?.rebuild) out.push(`note: ${rebuildNote(r.result.distro.rebuild, r.result.distro.id, r.result.distro.release)}`);
  if (ignored.size > 0) out.push(`note: ${ignored.size} will-not-fix or deferred ${ignored.size === 1 ? 'finding is' : 'findings are'} ignored by the policy (ignoreWontFix)`);
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
  const gates = [
    (v.policy.failOn === 'none' ? 'never fails on severity' : `fails on ${v.policy.failOn} and above${v.policy.failOnUnknown ? ' and on Unknown' : ''}`) +
      (v.policy.failOnUnchecked ? ' and on unchecked packages' : ''),
  ];
  if (v.policy.failOnKev) gates.push('on KEV listings');
  const epss = v.policy.failOnEpss;
  if (epss) gates.push(`on EPSS ${[epss.score === undefined ? '' : `score >= ${epss.score}`, epss.percentile === undefined ? '' : `percentile >= ${epss.percentile}`].filter(Boolean).join(' or ')}`);
  const gate = gates.join(', ');
  const failures = [...(v.violations.length > 0 || !v.uncheckedFail ? [`${v.violations.length} violations`] : []), ...(v.uncheckedFail ? [`${v.coverage?.unchecked ?? 0} unchecked`] : [])];
  const checked = v.coverage ? `, ${v.coverage.checked} of ${v.coverage.packages} packages checked` : '';
  const ignoring = v.policy.ignoreWontFix ? ", ignoring won't-fix and deferred" : '';
  out.push('', `policy ${v.policy.source} ${gate}${ignoring}${checked}: ${v.pass ? 'PASS' : `FAIL (${failures.join(', ')})`}${v.allowed.length > 0 ? `, ${v.allowed.length} allowed` : ''}${v.ignored.length > 0 ? `, ${v.ignored.length} ignored` : ''}`);
  return out.join('\n');
}
