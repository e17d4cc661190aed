/**
 * One pass over the tracker JSON that regroups it by release: the JSON is keyed source → issue →
 * release, a group is one release's records by issue, so each release entry becomes one line led by
 * its sort key (`debian:12\tCVE-2024-0727\topenssl\t{…}`) and each (issue, source) one line of
 * shared text (`CVE-2024-0727\topenssl\t["Issue summary: …","local"]`), and both are sorted on disk
 * (_framework/line-sort.ts). Memory holds one source package's issues and one sort buffer, whatever
 * the size of the JSON; the disk holds about the JSON's size again.
 *
 * The result is cached in `<workspace>/.cache/<key>/` (`groups.lines`, `meta.lines`,
 * `manifest.json`), where the key is a digest of the parser version and of every input file, so
 * listing the groups, then parsing them, reads the JSON once, and an unchanged workspace is not read
 * again. A failure leaves no cache behind.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { derivedCache } from '../_framework/derived-cache.ts';
import { AirfeedError } from '../_framework/errors.ts';
import { type ByteRange, LineSorter } from '../_framework/line-sort.ts';
import { distroGroup, releaseOfCodename } from '../_framework/names.ts';
import { openDecoded } from '../_framework/read/decompress.ts';
import { parseWith } from '../_framework/read/validate.ts';
import { compareStrings } from '../_framework/strings.ts';
import { sha256File } from '../_framework/workspace.ts';
import { AdvisoryIndex } from './advisories.ts';
import { JSON_KEYS, type JsonKey, LIST_KEYS } from './layout.ts';
import { topLevelMembers } from './members.ts';
import { packageFact, ReleaseEntry, releasesOf, SourceEntry } from './tracker.ts';

/** The driver's parser version (Driver.parserVersion): bump it whenever parse output changes for the same input. */
export const PARSER_VERSION = 'debian-parse-1';

const CACHE_DIR = '.cache';

/** One release entry as a group line carries it (short keys: there are ~10⁶ of them). */
export interface EntryLine {
  /** state */
  s: string;
  /** fixed version */
  v?: string;
  /** raw urgency */
  u?: string;
  /** nodsa comment */
  n?: string;
  /** nodsa reason */
  r?: string;
  /** Debian bug */
  b?: number;
  /** next point update */
  p?: true;
  /** no advisory (nodsa) */
  x?: true;
  /** advisories */
  a?: string[];
}

export const Manifest = z.object({
  key: z.string(),
  /** Digest of the inputs without the parser version: every group's fingerprint. */
  inputs: z.string(),
  json: z.enum(JSON_KEYS),
  lists: z.array(z.string()),
  groups: z.array(z.object({ name: z.string(), codename: z.string(), entries: z.number(), range: z.object({ start: z.number(), end: z.number() }) })),
  /** Codenames the names table does not know, with their entry counts: reported, not guessed. */
  unknownCodenames: z.record(z.string(), z.number()),
  sources: z.number(),
  issues: z.number(),
  advisories: z.record(z.string(), z.number()),
});
export type Manifest = z.infer<typeof Manifest>;

export interface Prepared {
  dir: string;
  manifest: Manifest;
}

/** The tracker JSON the workspace holds (plain first), or undefined. */
export function jsonKeyOf(workspace: string): JsonKey | undefined {
  return JSON_KEYS.find((k) => existsSync(path.join(workspace, k)));
}

/** The advisory lists the workspace holds. */
function listKeysOf(workspace: string): string[] {
  return LIST_KEYS.filter((k) => existsSync(path.join(workspace, k)));
}

/** Digests of the inputs: without and with the parser version. */
async function inputDigests(workspace: string, json: JsonKey, lists: readonly string[]): Promise<{ inputs: string; key: string }> {
  const h = createHash('sha256');
  for (const k of [json, ...lists].sort(compareStrings)) h.update(`${k}\n${await sha256File(path.join(workspace, k))}\n`);
  const inputs = h.digest('hex');
  return { inputs, key: createHash('sha256').update(`${PARSER_VERSION}\n${inputs}`).digest('hex').slice(0, 32) };
}

/** True when `s` holds a control character (U+0000–U+001F): it would break the line format. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return true;
  return false;
}

/** A tab- and newline-free, non-empty name, or SOURCE_INVALID naming where it was found. */
function cleanName(name: string, what: string, where: string): string {
  if (name === '' || hasControl(name)) {
    throw new AirfeedError('SOURCE_INVALID', `debian: ${where}: ${what} ${JSON.stringify(name)} is empty or holds a control character (tab, line break, …)`);
  }
  return name;
}

/** Builds (or finds) the cache for the workspace's current inputs; see the module doc. */
export async function prepare(workspace: string): Promise<Prepared | undefined> {
  const json = jsonKeyOf(workspace);
  if (json === undefined) return undefined;
  const lists = listKeysOf(workspace);
  const { inputs, key } = await inputDigests(workspace, json, lists);
  return derivedCache(path.join(workspace, CACHE_DIR), key, Manifest, (tmp) => build(workspace, tmp, { json, lists, inputs, key }));
}

async function build(
  workspace: string, tmp: string, inputs: { json: JsonKey; lists: string[]; inputs: string; key: string },
): Promise<Manifest> {
  const index = new AdvisoryIndex();
  for (const list of inputs.lists) await index.addList(path.join(workspace, list), list.split('/')[1] ?? list);
  const groups = new LineSorter({ dir: path.join(tmp, 'runs-groups') });
  const meta = new LineSorter({ dir: path.join(tmp, 'runs-meta') });
  const unknown = new Map<string, number>();
  const codenames = new Map<string, string>();
  const entries = new Map<string, number>();
  const label = `debian: ${inputs.json}`;
  let sources = 0;
  let issues = 0;
  const { stream } = await openDecoded(path.join(workspace, inputs.json), { label });
  for await (const { key: source, value } of topLevelMembers(stream, label)) {
    sources++;
    cleanName(source, 'source package', inputs.json);
    const entry = parseWith(SourceEntry, value, { label: `${label}: ${source}`, what: 'not a tracker source entry' });
    for (const id of Object.keys(entry).sort(compareStrings)) {
      const issue = entry[id];
      if (!issue) continue;
      issues++;
      cleanName(id, 'issue id', `${inputs.json}: ${source}`);
      const description = issue.description ?? '';
      const scope = issue.scope ?? '';
      if (description !== '' || scope !== '') await meta.add(`${id}\t${source}\t${JSON.stringify([description, scope])}`);
      const releases = releasesOf(issue.releases);
      if (releases === null) {
        throw new AirfeedError('SOURCE_INVALID', `${label}: ${source}.${id}.releases: not an object of release entries`);
      }
      for (const codename of Object.keys(releases).sort(compareStrings)) {
        const release = releaseOfCodename('debian', codename);
        if (release === undefined) {
          unknown.set(codename, (unknown.get(codename) ?? 0) + 1);
          continue;
        }
        const group = distroGroup('debian', release);
        codenames.set(group, codename);
        entries.set(group, (entries.get(group) ?? 0) + 1);
        const e = parseWith(ReleaseEntry, releases[codename], { label: `${label}: ${source}.${id}.releases.${codename}`, what: 'not a tracker release entry' });
        const fact = packageFact(e);
        const line: EntryLine = { s: fact.state };
        if (fact.version !== undefined) line.v = fact.version;
        if (e.urgency !== undefined) line.u = e.urgency;
        if (e.nodsa !== undefined) line.n = e.nodsa;
        if (e.nodsa_reason !== undefined) line.r = e.nodsa_reason;
        if (typeof issue.debianbug === 'number') line.b = issue.debianbug;
        if (e.next_point_update === true) line.p = true;
        if (fact.noAdvisory) line.x = true;
        if (fact.state === 'fixed') {
          const advisories = index.get(codename, source, id);
          if (advisories.length > 0) line.a = [...advisories];
        }
        await groups.add(`${group}\t${id}\t${source}\t${JSON.stringify(line)}`);
      }
    }
  }
  const ranges = await groups.finish(path.join(tmp, 'groups.lines'), { partition: (l) => l.slice(0, l.indexOf('\t')) });
  await meta.finish(path.join(tmp, 'meta.lines'));
  return {
    key: inputs.key,
    inputs: inputs.inputs,
    json: inputs.json,
    lists: inputs.lists,
    groups: [...ranges.entries()]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([name, range]: [string, ByteRange]) => ({ name, codename: codenames.get(name) ?? '', entries: entries.get(name) ?? 0, range })),
    unknownCodenames: Object.fromEntries([...unknown].sort(([a], [b]) => compareStrings(a, b))),
    sources,
    issues,
    advisories: index.counts,
  };
}
