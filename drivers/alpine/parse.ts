/**
 * Parse: workspace secdb files → one group per branch (`alpine:3.20`), one record per vulnerability
 * id, one fixedIn entry per package. Offline and deterministic: files are read in sorted order and
 * every output list is sorted by code unit. Rules for ids are in ids.ts; the rest:
 *
 * - A fixed version of `"0"` is upstream's way to say "this package on this branch never had the
 *   vulnerability": the entry is kept as `state: "not_affected"` (no version), so the engine never
 *   matches it while consumers still see Alpine's explicit statement (which lets them discard the
 *   same CVE found by other means, e.g. CPE matching), instead of silence. Every other version is
 *   `state: "fixed"` from that version on.
 * - When one id is fixed in one package at several versions (545 times in real data, e.g. a
 *   partial fix later completed) or in both main and community, the lowest version by apk-tools
 *   ordering is kept: the first version upstream declares as carrying a fix.
 * - `provenance.source` lists every file that mentions the id, sorted and comma-separated.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { readJsonFile } from '../_framework/read/validate.ts';
import { compareStrings } from '../_framework/strings.ts';
import { fingerprintFiles } from '../_framework/workspace.ts';
import { type FixedIn, RECORD_SCHEMA_VERSION, type VulnRecord } from '../_framework/record.ts';
import type { GroupInfo, ParseContext, ParsedGroup } from '../_framework/types.ts';
import { compareApkLenient as compareApk } from '../_framework/versions/apk.ts';
import { cleanIds, linkFor } from './ids.ts';
import { type BranchFiles, fileKey, groupDescription, groupName, listBranches, type Repo } from './layout.ts';

/** The driver's parser version (Driver.parserVersion): bump it whenever parse output changes for the same input. */
export const PARSER_VERSION = 'alpine-parse-2';

/** secdb's fixed version for "never affected". */
const NEVER_AFFECTED = '0';

/** The part of a secdb file we read; other keys (`apkurl`, `archs`, …) are ignored. */
const SecdbFile = z.object({
  distroversion: z.string().optional(),
  reponame: z.string().optional(),
  packages: z.array(
    z.object({
      pkg: z.object({
        name: z.string().min(1),
        // Absent or null in hand-edited mirrors (and `null` per version in the YAML source form).
        secfixes: z.record(z.string(), z.array(z.string()).nullable()).nullable().optional(),
      }),
    }),
  ),
});
type SecdbFile = z.infer<typeof SecdbFile>;

interface Accumulated {
  fixes: Map<string, string>;
  aliases: Set<string>;
  sources: Set<string>;
}

/** Reads and validates one secdb file (strict UTF-8); any defect is SOURCE_INVALID naming the file. */
export async function readSecdbFile(workspace: string, key: string): Promise<SecdbFile> {
  return readJsonFile(path.join(workspace, key), SecdbFile, { label: `alpine: ${key}`, what: 'not a secdb file' });
}

/** Folds one file's entries into `acc` (id → package → lowest fixed version). */
function accumulate(acc: Map<string, Accumulated>, doc: SecdbFile, key: string, log: Logger): void {
  for (const { pkg } of doc.packages) {
    for (const [rawVersion, list] of Object.entries(pkg.secfixes ?? {})) {
      const version = rawVersion.trim();
      for (const raw of list ?? []) {
        const { ids, aliases, unusable } = cleanIds(raw);
        for (const token of unusable) {
          log.warn({ file: key, package: pkg.name, version: rawVersion, raw, token }, 'alpine: ignoring a token that is not a vulnerability id');
        }
        if (ids.length > 0 && version === '') {
          log.warn({ file: key, package: pkg.name, raw }, 'alpine: ignoring ids listed under an empty fixed version');
          continue;
        }
        for (const id of ids) {
          let entry = acc.get(id);
          if (!entry) {
            entry = { fixes: new Map(), aliases: new Set(), sources: new Set() };
            acc.set(id, entry);
          }
          entry.sources.add(key);
          for (const alias of aliases) if (alias !== id) entry.aliases.add(alias);
          const current = entry.fixes.get(pkg.name);
          if (current === undefined || isLower(version, current)) entry.fixes.set(pkg.name, version);
        }
      }
    }
  }
}

/** apk order, with code-unit order breaking ties ("1.0" vs "1.00") so file order never matters. */
function isLower(a: string, b: string): boolean {
  const c = compareApk(a, b);
  return c < 0 || (c === 0 && compareStrings(a, b) < 0);
}

function toRecord(id: string, group: string, entry: Accumulated): VulnRecord {
  const fixedIn: FixedIn[] = [...entry.fixes.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([pkg, version]): FixedIn =>
      version === NEVER_AFFECTED ? { package: pkg, versionScheme: 'apk', state: 'not_affected' } : { package: pkg, versionScheme: 'apk', state: 'fixed', version },
    );
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id,
    namespace: group,
    severity: 'Unknown',
    description: '',
    link: linkFor(id),
    aliases: [...entry.aliases].sort(compareStrings),
    cvss: [],
    fixedIn,
    references: [],
    published: null,
    modified: null,
    withdrawn: null,
    metadata: {},
    provenance: { driver: 'alpine', source: [...entry.sources].sort(compareStrings).join(',') },
  };
}

/** Parses one branch's files and yields its records sorted by id. */
async function* branchRecords(workspace: string, b: BranchFiles, log: Logger): AsyncGenerator<VulnRecord> {
  const group = groupName(b.branch);
  const acc = new Map<string, Accumulated>();
  for (const repo of b.repos) {
    const key = fileKey(b.branch, repo);
    const doc = await readSecdbFile(workspace, key);
    checkHeader(doc, b.branch, repo, key, log);
    accumulate(acc, doc, key, log);
  }
  for (const id of [...acc.keys()].sort(compareStrings)) {
    const entry = acc.get(id);
    if (entry) yield toRecord(id, group, entry);
  }
}

/** A file whose header names another branch or repo was probably copied into the wrong place. */
function checkHeader(doc: SecdbFile, branch: string, repo: Repo, key: string, log: Logger): void {
  if ((doc.distroversion !== undefined && doc.distroversion !== branch) || (doc.reponame !== undefined && doc.reponame !== repo)) {
    log.warn({ file: key, distroversion: doc.distroversion, reponame: doc.reponame }, 'alpine: file header does not match its place in the mirror; using the place');
  }
}

/** sha256 over, per file in sorted order, its key, size and bytes (sync adds the parser version). */
export async function groupFingerprint(workspace: string, b: BranchFiles): Promise<string> {
  return fingerprintFiles(workspace, b.repos.map((repo) => fileKey(b.branch, repo)));
}

/** Branches of the workspace in group-name order (plain string order: `alpine:3.10` < `alpine:3.2` < `alpine:edge`). */
async function sortedBranches(workspace: string): Promise<BranchFiles[]> {
  const branches = await listBranches(workspace).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  });
  return branches.sort((a, b) => compareStrings(groupName(a.branch), groupName(b.branch)));
}

/** Lists the groups present in the workspace, sorted by name. */
export async function alpineGroups(workspace: string): Promise<GroupInfo[]> {
  return (await sortedBranches(workspace)).map((b) => ({ name: groupName(b.branch), description: groupDescription(b.branch) }));
}

/** Yields the workspace's groups (only `ctx.groups` when given), sorted by name; records parse lazily. */
export async function* parseAlpine(ctx: ParseContext): AsyncGenerator<ParsedGroup> {
  for (const b of await sortedBranches(ctx.workspace)) {
    const name = groupName(b.branch);
    if (ctx.groups && !ctx.groups.has(name)) continue;
    yield {
      name,
      description: groupDescription(b.branch),
      complete: true,
      fingerprint: await groupFingerprint(ctx.workspace, b),
      records: branchRecords(ctx.workspace, b, ctx.log.child({ group: name })),
    };
  }
}
