/**
 * `airfeed-engine scan <input>`: read an SBOM or package database, match it against the store, and
 * judge the matches by a policy. The input is parsed before the database starts, so a bad file fails
 * fast; a store without the data the input needs is an error (exit 2), never a clean result.
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
  const { defaultPolicy, loadPolicy } = await import('../policy/policy.ts');
  let policy = flags.policy ? await loadPolicy(flags.policy) : defaultPolicy();
  if (flags.ignoreWontFix === true) policy = { ...policy, ignoreWontFix: true, source: `${policy.source} with --ignore-wont-fix` };
  if (flags.failOnUnchecked === true) policy = { ...policy, failOnUnchecked: true, source: `${policy.source} with --fail-on-unchecked` };
  if (flags.failOn === undefined) return policy;
  const failOn = SEVERITIES.find((s) => s.toLowerCase() === flags.failOn?.toLowerCase()) ?? (flags.failOn.toLowerCase() === 'none' ? 'none' : undefined);
  if (failOn === undefined) throw new AirfeedError('INPUT_INVALID', `--fail-on ${flags.failOn} is not one of ${SEVERITIES.join(', ')}, none`);
  return { ...policy, failOn, source: `${policy.source} with --fail-on ${failOn}` };
}

/** Scans one input; returns the report (the caller prints it and sets the exit code). */
export async function scan(file: string, flags: ScanFlags, now: Date): Promise<ScanReport> {
  // Matching, policy and store modules load on use, so that `--help` and `--version` start fast.
  const [{ checkDistro, matchInventory }, { coverageOf, evaluatePolicy }, { groupStatus, listGroups, lookupAffected }, { lookupAdvisories }, { lookupRecordFacts }] = await Promise.all([
    import('../match/match.ts'),
    import('../policy/policy.ts'),
    import('../store/status.ts'),
    import('../store/advisories.ts'),
    import('../store/records.ts'),
  ]);
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
    const result = await matchInventory(inventory, {
      lookup: (group, names) => lookupAffected(sql, group, names),
      records: (group, ids) => lookupRecordFacts(sql, group, ids),
      available: new Set(groups.map((g) => g.name)),
      ...(distro ? { distro } : {}),
      ...(flags.ubuntuPro ? { ubuntuPro: true } : {}),
      advisories: (keys) => lookupAdvisories(sql, keys),
    });
    const consulted = new Set(result.groups.map((g) => g.name));
    const dataAge = groups
      .filter((g) => consulted.has(g.name))
      .map((g) => groupStatus(g, { now, maxAgeMs: ctx.config.maxAgeMs }))
      .map((s) => ({ group: s.name, updatedAt: s.dataAsOf.toISOString(), stale: s.stale }));
    return {
      input: { file, format: inventory.format },
      result,
      verdict: evaluatePolicy(result.matches, policy, now, coverageOf(result, inventory.skipped)),
      scannedAt: now.toISOString(),
      dataAge,
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
    .option('--policy <file>', 'policy file, JSON or YAML (failOn, failOnUnknown, allowlist); default: fail on High and above', inputFile('policy'))
    .option('--fail-on <severity>', `override the policy's failOn: ${SEVERITIES.join(', ')}, none`)
    .option('--ubuntu-pro', 'the scanned machine has Ubuntu Pro: fixes published in its ESM channels count as available (default: only when the input holds an ESM package)')
    .option('--ignore-wont-fix', "do not fail on matches the vendor will not fix or has deferred (the policy's ignoreWontFix); they are still reported")
    .option('--fail-on-unchecked', "also fail when a package could not be checked (no data for its ecosystem, a version that cannot be compared, a git or unpinned dependency); the policy's failOnUnchecked")
    .addHelpText(
      'after',
      '\nExamples: ' +
        '  airfeed-engine scan /lib/apk/db/installed --distro alpine:3.20 ' +
        '  airfeed-engine scan sbom.cdx.json --policy policy.yaml --format json > result.json\n' +
        '  airfeed-engine scan package-lock.json --fail-on-unchecked   (also yarn.lock, pnpm-lock.yaml, poetry.lock, go.mod, Cargo.lock, …)\n' +
        '  airfeed-engine scan status --input-format dpkg-status --os-release os-release --fail-on critical\n' +
        '  airfeed-engine scan /var/lib/dpkg/status          (the release from /etc/os-release beside it)',
    )
    .action(async (file: string, flags: ScanFlags) => {
      const output = outputFormat(flags.format);
      const { reportJson, reportTable } = await import('../report/report.ts');
      const report = await scan(file, flags, new Date());
      console.log(output === 'json' ? JSON.stringify(reportJson(report), null, 2) : reportTable(report));
      if (!report.verdict.pass) process.exitCode = 1;
    });
}
