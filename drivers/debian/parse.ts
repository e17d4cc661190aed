/**
 * Parse: one group per Debian release the tracker JSON names (`debian:12` for `bookworm`,
 * `debian:unstable` for `sid`; the names table, _framework/names.ts), one record per issue of the
 * release, one `fixedIn` entry per source package (state rules in tracker.ts, advisories in
 * advisories.ts). Codenames the table does not know (`duke` before it is added) are reported with
 * their entry counts, never guessed.
 *
 * A record: `id` the tracker's issue name (`CVE-2024-0727`, `TEMP-0000000-2F6E3C`); `severity` the
 * highest urgency among its entries that are not `not_affected` (all entries when every one is);
 * `description` the issue's description; `link` its tracker page; `databaseSpecific.scope`
 * (`local`/`remote`) when the tracker gives one; `fixedIn` sorted by source package, each with
 * `versionScheme: "dpkg"` and, in `databaseSpecific`, the tracker's own words: `urgency` as given
 * (`high**`), `nodsa`, `nodsa_reason`, `debianbug`, `next_point_update`. `provenance.source` names
 * the JSON and the advisory lists the record's advisories came from. Records are sorted by id
 * (code-unit order), groups by name.
 *
 * Every group's fingerprint is the digest of all inputs (the JSON and the lists): one upstream file
 * feeds every release. The regrouping pass and its cache are in reduce.ts.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { AirfeedError } from '../_framework/errors.ts';
import { type ByteRange, fileLines, KeyedLines } from '../_framework/line-sort.ts';
import { codenameOf } from '../_framework/names.ts';
import { type FixedIn, RECORD_SCHEMA_VERSION, type Severity, type VulnRecord } from '../_framework/record.ts';
import type { GroupInfo, ParseContext, ParsedGroup } from '../_framework/types.ts';
import { type EntryLine, type Manifest, prepare } from './reduce.ts';
import { SEVERITY_RANK, trackerLink, urgencySeverity } from './tracker.ts';

export { PARSER_VERSION } from './reduce.ts';

/** `Debian 12 (bookworm)`. */
function groupDescription(group: string): string {
  const release = group.slice(group.indexOf(':') + 1);
  const codename = codenameOf('debian', release);
  return `Debian ${release === 'unstable' ? 'unstable' : release}${codename ? ` (${codename})` : ''}: the security tracker's issues and fixes`;
}

/** Lists the releases the tracker JSON names, sorted by group name. */
export async function debianGroups(workspace: string): Promise<GroupInfo[]> {
  const prepared = await prepare(workspace);
  return (prepared?.manifest.groups ?? []).map((g) => ({ name: g.name, description: groupDescription(g.name) }));
}

/** The shared text of issues (`meta.lines`: `id\t…\t[description, scope]`), read forward in id order alongside a group's lines. */
class MetaCursor {
  readonly #lines: KeyedLines;

  constructor(file: string) {
    this.#lines = new KeyedLines(file);
  }

  /** The first non-empty description and scope of `id` (ids asked in increasing order); a line's JSON is parsed only while one is missing. */
  async get(id: string): Promise<{ description: string; scope: string }> {
    let description = '';
    let scope = '';
    for (const rest of await this.#lines.take(id)) {
      if (description !== '' && scope !== '') continue;
      const [d = '', sc = ''] = JSON.parse(rest.slice(rest.indexOf('\t') + 1)) as string[];
      if (description === '') description = d;
      if (scope === '') scope = sc;
    }
    return { description, scope };
  }

  async close(): Promise<void> {
    await this.#lines.close();
  }
}

interface Entry {
  source: string;
  line: EntryLine;
}

function fixedInOf(e: Entry): FixedIn {
  const { line } = e;
  const out: FixedIn = { package: e.source, versionScheme: 'dpkg', state: line.s as FixedIn['state'] };
  if (line.v !== undefined) out.version = line.v;
  if (line.a && line.a.length > 0) out.vendorAdvisory = { noAdvisory: false, advisories: line.a.map((id) => ({ id, link: trackerLink(id) })) };
  else if (line.x) out.vendorAdvisory = { noAdvisory: true, advisories: [] };
  const ds: Record<string, unknown> = {};
  if (line.u !== undefined) ds['urgency'] = line.u;
  if (line.n !== undefined) ds['nodsa'] = line.n;
  if (line.r !== undefined) ds['nodsa_reason'] = line.r;
  if (line.b !== undefined) ds['debianbug'] = line.b;
  if (line.p) ds['next_point_update'] = true;
  if (Object.keys(ds).length > 0) out.databaseSpecific = ds;
  return out;
}

/** The highest urgency of the entries that can match (all of them when none can). */
function severityOf(entries: readonly Entry[]): Severity {
  const live = entries.filter((e) => e.line.s !== 'not_affected');
  let best: Severity = 'Unknown';
  for (const e of live.length > 0 ? live : entries) {
    const s = urgencySeverity(e.line.u);
    if (SEVERITY_RANK[s] > SEVERITY_RANK[best]) best = s;
  }
  return best;
}

function recordOf(group: string, id: string, entries: readonly Entry[], meta: { description: string; scope: string }, manifest: Manifest): VulnRecord {
  const sources = new Set<string>([manifest.json]);
  for (const e of entries) for (const a of e.line.a ?? []) sources.add(a.startsWith('DLA-') ? 'data/DLA/list' : 'data/DSA/list');
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id,
    namespace: group,
    severity: severityOf(entries),
    description: meta.description,
    link: trackerLink(id),
    aliases: [],
    cvss: [],
    fixedIn: entries.map(fixedInOf),
    references: [],
    published: null,
    modified: null,
    withdrawn: null,
    ...(meta.scope !== '' ? { databaseSpecific: { scope: meta.scope } } : {}),
    metadata: {},
    provenance: { driver: 'debian', source: [...sources].sort().join(',') },
  };
}

/** The records of one group, from its byte range of the sorted lines. */
async function* groupRecords(dir: string, group: string, range: ByteRange, manifest: Manifest, log: Logger): AsyncGenerator<VulnRecord> {
  const meta = new MetaCursor(path.join(dir, 'meta.lines'));
  let id: string | undefined;
  let entries: Entry[] = [];
  let count = 0;
  try {
    for await (const text of fileLines(path.join(dir, 'groups.lines'), range)) {
      const t1 = text.indexOf('\t');
      const t2 = text.indexOf('\t', t1 + 1);
      const t3 = text.indexOf('\t', t2 + 1);
      const lineId = text.slice(t1 + 1, t2);
      const source = text.slice(t2 + 1, t3);
      if (lineId !== id) {
        if (id !== undefined) {
          count++;
          yield recordOf(group, id, entries, await meta.get(id), manifest);
        }
        id = lineId;
        entries = [];
      } else if (entries.at(-1)?.source === source) {
        throw new AirfeedError('SOURCE_INVALID', `debian: ${manifest.json}: source package ${source} appears twice with issue ${lineId}`);
      }
      entries.push({ source, line: JSON.parse(text.slice(t3 + 1)) as EntryLine });
    }
    if (id !== undefined) {
      count++;
      yield recordOf(group, id, entries, await meta.get(id), manifest);
    }
    log.info({ records: count }, 'debian: group parsed');
  } finally {
    await meta.close();
  }
}

/** Yields the workspace's groups (only `ctx.groups` when given), sorted by name; records are read lazily. */
export async function* parseDebian(ctx: ParseContext): AsyncGenerator<ParsedGroup> {
  const prepared = await prepare(ctx.workspace);
  if (!prepared) return;
  const { dir, manifest } = prepared;
  const unknown = Object.entries(manifest.unknownCodenames);
  if (unknown.length > 0) {
    ctx.log.warn(
      { codenames: manifest.unknownCodenames },
      `debian: the tracker names releases the names table (drivers/_framework/names.ts) does not know: ${unknown.map(([c, n]) => `${c} (${n} entries)`).join(', ')}; they are left out`,
    );
  }
  if (manifest.lists.length === 0) ctx.log.warn('debian: no advisory list (data/DSA/list, data/DLA/list) in the workspace: fixed entries carry no DSA/DLA');
  for (const g of manifest.groups) {
    if (ctx.groups && !ctx.groups.has(g.name)) continue;
    yield {
      name: g.name,
      description: groupDescription(g.name),
      complete: true,
      fingerprint: manifest.inputs,
      records: groupRecords(dir, g.name, g.range, manifest, ctx.log.child({ group: g.name })),
    };
  }
}
