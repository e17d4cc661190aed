/**
 * `airfeed-engine scan <input>`: read an SBOM or package database, match it against the store
 * (by package; with `--match cpe` also by CPE against NVD's configurations), enrich the matches
 * (severity from NVD where the record has none, CVSS, KEV, EPSS: engine-client/enrich), and judge
 * them by a policy. The input is parsed before the database starts, so a bad file fails fast; a
 * store without the data the input or the policy needs (a KEV or EPSS gate with no such data, CPE
 * matching with no NVD data) is an error (exit 2), never a clean result.
 */
import type { Command } from 'commander';
import { inputFile } from '../../drivers/_framework/cli/args.ts';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { SEVERITIES } from '../../drivers/_framework/record.ts';
import { INPUT_FORMATS, type InputFormat, isInputFormat, parseDistroFlag, parseInput, readOsRelease } from '../inputs/index.ts';
import type { Distro } from '../inputs/types.ts';
import type { Policy } from '../policy/policy.ts';
import type { ScanReport } from '../report/report.ts';
import { withEngine } from './context.ts';

interface ScanFlags {
  format: string;
  inputFormat?: string;
  distro?: string;
  osRelease?: string;
  policy?: string;
  failOn?: string;
  ubuntuPro?: boolean;
  ignoreWontFix?: boolean;
  failOnUnchecked?: boolean;
  failOnKev?: boolean;
  failOnEpss?: string;
  match?: string;
}

/** `--match`: `package` (the default) or `cpe`, which adds CPE matching to it. */
function matchModes(value: string | undefined): ('package' | 'cpe')[] {
  if (value === undefined || value === 'package') return ['package'];
  if (value === 'cpe' || value === 'package,cpe' || value === 'cpe,package') return ['package', 'cpe'];
  throw new AirfeedError('INPUT_INVALID', `--match ${value} is not one of package, cpe (cpe adds CPE matching to package matching)`);
}

function outputFormat(value: string): 'table' | 'json' {
  if (value === 'table' || value === 'json') return value;
  throw new AirfeedError('INPUT_INVALID', `--format ${value} is not one of table, json (the input's format is --input-format)`);
}

function inputFormat(value: string | undefined): InputFormat | undefined {
  if (value === undefined) return undefined;
  if (isInputFormat(value)) return value;
  throw new AirfeedError('INPUT_INVALID', `--input-format ${value} is not one of ${INPUT_FORMATS.join(', ')}`);
}

async function policyOf(flags: ScanFlags): Promise<Policy> {
  const { defaultPolicy, loadPolicy, parseEpssFlag } = await import('../policy/policy.ts');
  let policy = flags.policy ? await loadPolicy(flags.policy) : defaultPolicy();
  if (flags.ignoreWontFix === true) policy = { ...policy, ignoreWontFix: true, source: `${policy.source} with --ignore-wont-fix` };
  if (flags.failOnUnchecked === true) policy = { ...policy, failOnUnchecked: true, source: `${policy.source} with --fail-on-unchecked` };
  if (flags.failOn !== undefined) {
    const failOn = SEVERITIES.find((s) => s.toLowerCase() === flags.failOn?.toLowerCase()) ?? (flags.failOn.toLowerCase() === 'none' ? 'none' : undefined);
    if (failOn === undefined) throw new AirfeedError('INPUT_INVALID', `--fail-on ${flags.failOn} is not one of ${SEVERITIES.join(', ')}, none`);
    policy = { ...policy, failOn, source: `${policy.source} with --fail-on ${failOn}` };
  }
  if (flags.failOnKev) policy = { ...policy, failOnKev: true, source: `${policy.source} with --fail-on-kev` };
  if (flags.failOnEpss !== undefined) policy = { ...policy, failOnEpss: parseEpssFlag(flags.failOnEpss), source: `${policy.source} with --fail-on-epss ${flags.failOnEpss}` };
  return policy;
}

/** The error for an enrichment group a scan needs and the store lacks. */
function missingEnrichment(group: string, why: string): AirfeedError {
  return new AirfeedError('ENGINE_DB_EMPTY', `the engine holds no ${group}, which ${why}`, {
    hint: `Get ${group} into the engine: \`airfeed-engine sync --from <url> --groups ${group}\` from a feed service that serves it, or \`airfeed-engine import <bundle.tar>\` with a bundle that holds it.`,
  });
}

/** Scans one input; returns the report (the caller prints it and sets the exit code). */
export async function scan(file: string, flags: ScanFlags, now: Date): Promise<ScanReport> {
  // Matching, policy and store modules load on use, so that `--help` and `--version` start fast.
  const [
    { checkDistro, matchInventory }, { coverageOf, evaluatePolicy, policyNeeds }, { groupStatus, listGroups, lookupAffected }, { lookupAdvisories },
    { lookupRecordFacts }, { enrichMatches }, docs, types,
  ] = await Promise.all([
    import('../match/match.ts'),
    import('../policy/policy.ts'),
    import('../store/status.ts'),
    import('../store/advisories.ts'),
    import('../store/records.ts'),
    import('../enrich/enrich.ts'),
    import('../store/docs.ts'),
    import('../enrich/types.ts'),
  ]);
  const modes = matchModes(flags.match);
  const format = inputFormat(flags.inputFormat);
  const inventory = await parseInput(file, format === undefined ? {} : { format });
  let distro: Distro | undefined;
  if (flags.distro !== undefined) distro = parseDistroFlag(flags.distro);
  else if (flags.osRelease !== undefined) distro = await readOsRelease(flags.osRelease);
  let distroSource: string | undefined;
  if (distro === undefined && inventory.distro === undefined) {
    const beside = await (await import('../inputs/root-os-release.ts')).osReleaseBeside(file, inventory.format);
    if (beside) ({ distro, file: distroSource } = beside);
  }
  checkDistro(inventory, distro ?? inventory.distro);
  const policy = await policyOf(flags);
  return withEngine(async (ctx) => {
    const sql = ctx.db.sql;
    const groups = await listGroups(sql);
    if (groups.length === 0) throw new AirfeedError('ENGINE_DB_EMPTY', `the engine database (${ctx.db.description}) holds no vulnerability data`);
    const available = new Set(groups.map((g) => g.name));
    for (const group of policyNeeds(policy)) {
      if (!available.has(group)) throw missingEnrichment(group, `policy ${policy.source} fails on (a gate with no data would pass every match)`);
    }
    if (modes.includes('cpe') && !available.has(types.NVD_GROUP)) throw missingEnrichment(types.NVD_GROUP, '--match cpe matches against');
    const result = await matchInventory(inventory, {
      lookup: (group, names) => lookupAffected(sql, group, names),
      records: (group, ids) => lookupRecordFacts(sql, group, ids),
      available,
      ...(distro ? { distro } : {}),
      ...(flags.ubuntuPro ? { ubuntuPro: true } : {}),
      advisories: (keys) => lookupAdvisories(sql, keys),
    });
    let matches = result.matches;
    const problems = [...result.problems];
    if (modes.includes('cpe')) {
      const { matchCpes } = await import('../cpe/match.ts');
      const cpe = await matchCpes(inventory, {
        reader: { candidates: (group, keys) => docs.cpeCandidates(sql, group, keys), docs: (group, ids) => docs.docsById(sql, [group], ids) },
        distro: distro ?? inventory.distro,
      });
      matches = [...matches, ...cpe.matches];
      problems.push(...cpe.problems);
      result.groups.push({ name: types.NVD_GROUP, packages: cpe.components });
    }
    const enriched = await enrichMatches(matches, {
      available,
      reader: { byRef: (refs) => docs.docsByRef(sql, refs), byId: (gs, ids) => docs.docsById(sql, gs, ids) },
    });
    const final = { ...result, matches: enriched.matches, problems: [...problems, ...enriched.problems] };
    const status = (g: (typeof groups)[number]): { group: string; updatedAt: string; stale: boolean } => {
      const s = groupStatus(g, { now, maxAgeMs: ctx.config.maxAgeMs });
      return { group: s.name, updatedAt: s.dataAsOf.toISOString(), stale: s.stale };
    };
    const consulted = new Set(final.groups.map((g) => g.name));
    const dataAge = groups.filter((g) => consulted.has(g.name)).map(status);
    const enrichment = [...types.ENRICHMENT_GROUPS].sort().map((name) => {
      const g = groups.find((x) => x.name === name);
      return g ? { ...status(g), held: true } : { group: name, held: false, updatedAt: null, stale: false };
    });
    return {
      input: { file, format: inventory.format },
      result: final,
      verdict: evaluatePolicy(final.matches, policy, now, coverageOf(result, inventory.skipped)),
      scannedAt: now.toISOString(),
      dataAge,
      enrichment,
      matchModes: modes,
      ...(inventory.skipped ? { skipped: inventory.skipped } : {}),
      ...(distroSource ? { distroSource } : {}),
    };
  });
}

/** Registers `scan` on the program. */
export function registerScan(program: Command): void {
  program
    .command('scan')
    .summary('match an SBOM, package database or lockfile and judge it by a policy (exit 0 pass, 1 fail, 2 error)')
    .description(
      'match an SBOM, package database or language lockfile against the vulnerability data and judge it by a policy. ' +
        'Distro packages are matched by their source package (Alpine origin, dpkg Source:, source rpm) ' +
        "with the distro's own version rules; language packages by their ecosystem's OSV ranges, one match per flaw " +
        'with its aliases (GHSA-…, CVE-…, PYSEC-…, GO-…).\n\n' +
        'Exit code: 0 the policy passes, 1 it fails, 2 error (bad input, no data for the distro, …).',
    )
    .argument('<input>', `input file: ${INPUT_FORMATS.join(', ')} (detected from the content)`, inputFile('input'))
    .option('--format <format>', 'output: table (for people) or json (for machines)', 'table')
    .option('--input-format <format>', `say what the input is instead of detecting it: ${INPUT_FORMATS.join(', ')}`)
    .option('--distro <id:release>', 'the distro release the packages come from (alpine:3.20, debian:12, ubuntu:22.04, rhel:9); overrides the input')
    .option('--os-release <file>', "read the distro release from an os-release file (the scanned system's /etc/os-release)", inputFile('os-release file'))
    .option('--policy <file>', 'policy file, JSON or YAML (failOn, failOnUnknown, failOnKev, failOnEpss, allowlist); default: fail on High and above', inputFile('policy'))
    .option('--fail-on <severity>', `override the policy's failOn: ${SEVERITIES.join(', ')}, none`)
    .option('--fail-on-kev', "also fail on matches listed in CISA's Known Exploited Vulnerabilities (needs kev:catalog)")
    .option('--fail-on-epss <threshold>', 'also fail on EPSS at or above a threshold: 0.5 (score), percentile:0.95, or score:0.2,percentile:0.9 (needs epss:scores)')
    .option('--match <mode>', 'package (default), or cpe: also match SBOM components that carry CPEs against NVD configurations (off by default: see README "CPE matching")')
    .option('--ubuntu-pro', 'the scanned machine has Ubuntu Pro: fixes published in its ESM channels count as available (default: only when the input holds an ESM package)')
    .option('--ignore-wont-fix', "do not fail on matches the vendor will not fix or has deferred (the policy's ignoreWontFix); they are still reported")
    .option('--fail-on-unchecked', "also fail when a package could not be checked (no data for its ecosystem, a version that cannot be compared, a git or unpinned dependency); the policy's failOnUnchecked")
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  airfeed-engine scan /lib/apk/db/installed --distro alpine:3.20\n' +
        '  airfeed-engine scan sbom.cdx.json --policy policy.yaml --format json > result.json\n' +
        '  airfeed-engine scan package-lock.json --fail-on-unchecked   (also yarn.lock, pnpm-lock.yaml, poetry.lock, go.mod, Cargo.lock, …)\n' +
        '  airfeed-engine scan status --input-format dpkg-status --os-release os-release --fail-on critical\n' +
        '  airfeed-engine scan /var/lib/dpkg/status          (the release from /etc/os-release beside it)\n' +
        '  airfeed-engine scan sbom.cdx.json --match cpe --fail-on-kev --fail-on-epss percentile:0.95',
    )
    .action(async (file: string, flags: ScanFlags) => {
      const output = outputFormat(flags.format);
      const { reportJson, reportTable } = await import('../report/report.ts');
      const report = await scan(file, flags, new Date());
      console.log(output === 'json' ? JSON.stringify(reportJson(report), null, 2) : reportTable(report));
      if (!report.verdict.pass) process.exitCode = 1;
    });
}
