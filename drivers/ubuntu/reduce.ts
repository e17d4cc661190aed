/**
 * One pass over Canonical's OSV (the tarball, or the extracted `osv/` tree) that regroups it by
 * release: each CVE document names every release at once, and a USN document names the CVE records
 * it fixed, so each affected entry becomes one line led by its sort key
 * (`ubuntu:22.04\tCVE-2021-3782\t0\twayland\t000001\t{…}`), each USN fix one advisory line beside
 * the entries of the CVE it fixed (`…\tCVE-2021-3782\tu\twayland\t{…}`), and each document's shared
 * fields one line keyed by record id; all are sorted on disk (_framework/line-sort.ts). Memory holds
 * one document and one sort buffer, whatever the archive's size; `versions` lists and `binaries`,
 * the bulk of the archive, are reduced away here (osv.ts says when).
 *
 * Cached in `<workspace>/.cache/<key>/` as for the Debian driver: the key is a digest of the parser
 * version and the inputs, so listing the groups and parsing them reads the archive once.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { derivedCache } from '../_framework/derived-cache.ts';
import { AirfeedError } from '../_framework/errors.ts';
import { LineSorter } from '../_framework/line-sort.ts';
import { archiveEntries, readAll } from '../_framework/read/archive.ts';
import { decodeUtf8 } from '../_framework/read/utf8.ts';
import { parseWith } from '../_framework/read/validate.ts';
import { compareStrings } from '../_framework/strings.ts';
import { fingerprintFiles, sha256File } from '../_framework/workspace.ts';
import { placeEntry } from './ecosystem.ts';
import { TARBALL, treeFiles } from './layout.ts';
import { type AdvisoryLine, cveIdOf, entryLineOf, fixedOf, OsvDoc, recordIdOf } from './osv.ts';

/** The driver's parser version (Driver.parserVersion): bump it whenever parse output changes for the same input. */
export const PARSER_VERSION = 'ubuntu-parse-1';

const CACHE_DIR = '.cache';
/** Larger documents are refused rather than held (the largest real ones are well under 1 MB). */
const MAX_DOC_BYTES = 64 * 1024 * 1024;

/** The shared fields of a record, as a meta line carries them. */
export interface MetaLine {
  /** the document's own id (`UBUNTU-CVE-2021-3782`) */
  i: string;
  /** where it came from */
  f: string;
  d?: string;
  t?: string;
  sv?: { type: string; score: string }[];
  pub?: string;
  mod?: string;
  ref?: { type?: string; url: string }[];
  rel?: string[];
  al?: string[];
  /** a USN record of its own */
  usn?: true;
}

const Counts = z.record(z.string(), z.number());

export const Manifest = z.object({
  key: z.string(),
  inputs: z.string(),
  source: z.string(),
  groups: z.array(z.object({ name: z.string(), entries: z.number(), range: z.object({ start: z.number(), end: z.number() }) })),
  documents: z.object({ cve: z.number(), usn: z.number(), withdrawn: z.number() }),
  /** Entries of variant builds (FIPS, Realtime, …), by ecosystem: left out. */
  variants: Counts,
  /** Entries of ecosystems of an unknown shape, or of releases the names table lacks: reported, left out. */
  unknownEcosystems: Counts,
  /** Entries whose ranges do not fit OSV's event kinds: left out. */
  unreadable: z.number(),
});
export type Manifest = z.infer<typeof Manifest>;

export interface Prepared {
  dir: string;
  manifest: Manifest;
}

interface Doc {
  name: string;
  text: string;
}

/** The documents of the workspace: the tarball's entries, or the tree's files, in their order. */
async function* documents(workspace: string, tree: readonly string[] | undefined): AsyncGenerator<Doc> {
  if (tree === undefined) {
    const label = `ubuntu: ${TARBALL}`;
    for await (const entry of archiveEntries(path.join(workspace, TARBALL), { label })) {
      if (!/(^|\/)(cve|usn)\/.*\.json$/.test(entry.name)) continue;
      const where = `${label} entry "${entry.name}"`;
      yield { name: entry.name, text: decodeUtf8(await readAll(entry.body, MAX_DOC_BYTES, where), where) };
    }
    return;
  }
  for (const key of tree) {
    yield { name: key, text: decodeUtf8(await fs.readFile(path.join(workspace, key)), `ubuntu: ${key}`) };
  }
}

/** What the workspace holds: the tarball, or the tree's files (sorted), or nothing. */
async function inputsOf(workspace: string): Promise<{ source: string; tree?: string[] } | undefined> {
  if (existsSync(path.join(workspace, TARBALL))) return { source: TARBALL };
  const tree = await treeFiles(workspace);
  return tree.length > 0 ? { source: 'osv/', tree } : undefined;
}

/** Builds (or finds) the cache for the workspace's current inputs; undefined when the workspace holds none. */
export async function prepare(workspace: string): Promise<Prepared | undefined> {
  const found = await inputsOf(workspace);
  if (!found) return undefined;
  const inputs = found.tree ? await fingerprintFiles(workspace, found.tree) : `${TARBALL} ${await sha256File(path.join(workspace, TARBALL))}`;
  const key = createHash('sha256').update(`${PARSER_VERSION}\n${inputs}`).digest('hex').slice(0, 32);
  return derivedCache(path.join(workspace, CACHE_DIR), key, Manifest, (tmp) => build(workspace, tmp, { ...found, inputs: createHash('sha256').update(inputs).digest('hex'), key }));
}

const bump = (m: Map<string, number>, k: string): void => {
  m.set(k, (m.get(k) ?? 0) + 1);
};
const sorted = (m: Map<string, number>): Record<string, number> => Object.fromEntries([...m].sort(([a], [b]) => compareStrings(a, b)));

/** True when `s` holds a control character (U+0000–U+001F): it would break the line format. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 0x20) return true;
  return false;
}

/** A line field: no control characters (they would break the line format), never empty. */
function field(value: string, what: string, where: string): string {
  if (value === '' || hasControl(value)) {
    throw new AirfeedError('SOURCE_INVALID', `${where}: ${what} ${JSON.stringify(value)} is empty or holds a control character`);
  }
  return value;
}

async function build(workspace: string, tmp: string, inputs: { source: string; tree?: string[]; inputs: string; key: string }): Promise<Manifest> {
  const groupLines = new LineSorter({ dir: path.join(tmp, 'runs-groups') });
  const metaLines = new LineSorter({ dir: path.join(tmp, 'runs-meta') });
  const variants = new Map<string, number>();
  const unknown = new Map<string, number>();
  const entries = new Map<string, number>();
  const counts = { cve: 0, usn: 0, withdrawn: 0 };
  let unreadable = 0;

  const place = (ecosystem: string, purl: string | undefined): { group: string; channel?: string } | undefined => {
    const p = placeEntry(ecosystem, purl);
    if (p.kind === 'release') return p.channel === undefined ? { group: p.group } : { group: p.group, channel: p.channel };
    bump(p.kind === 'variant' ? variants : unknown, ecosystem);
    return undefined;
  };

  for await (const { name, text } of documents(workspace, inputs.tree)) {
    const where = inputs.tree ? `ubuntu: ${name}` : `ubuntu: ${TARBALL} entry "${name}"`;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new AirfeedError('SOURCE_INVALID', `${where}: malformed JSON: ${(err as Error).message}`, { cause: err });
    }
    const doc = parseWith(OsvDoc, json, { label: where, what: 'not an OSV document' });
    const isUsn = /(^|\/)usn\//.test(name);
    if (isUsn) counts.usn++;
    else counts.cve++;
    if (doc.withdrawn !== undefined) {
      counts.withdrawn++;
      continue;
    }
    const upstreamCves = isUsn ? [...new Set((doc.upstream ?? []).map(cveIdOf).filter((x): x is string => x !== undefined))].sort(compareStrings) : [];
    const ownRecord = !isUsn || upstreamCves.length === 0;
    const id = field(isUsn ? doc.id : recordIdOf(doc), 'record id', where);
    const touched = new Set<string>();
    for (const [i, a] of (doc.affected ?? []).entries()) {
      const placed = place(a.package.ecosystem, a.package.purl);
      if (!placed) continue;
      const pkg = field(a.package.name, 'package name', where);
      if (ownRecord) {
        const line = entryLineOf(a, placed.channel);
        if (!line) {
          unreadable++;
          continue;
        }
        touched.add(placed.group);
        bump(entries, placed.group);
        await groupLines.add(`${placed.group}\t${id}\t0\t${pkg}\t${String(i).padStart(6, '0')}\t${JSON.stringify(line)}`);
      }
      if (isUsn) {
        const adv: AdvisoryLine = { n: doc.id };
        const fixed = fixedOf(a);
        if (fixed !== undefined) adv.v = fixed;
        if (placed.channel !== undefined) adv.c = placed.channel;
        for (const target of ownRecord ? [id] : upstreamCves) await groupLines.add(`${placed.group}\t${target}\tu\t${pkg}\t${JSON.stringify(adv)}`);
      }
    }
    if (ownRecord && touched.size > 0) {
      const meta: MetaLine = { i: doc.id, f: inputs.tree ? name : `${TARBALL}:${name}` };
      if (doc.details !== undefined && doc.details !== '') meta.d = doc.details;
      if (doc.summary !== undefined && doc.summary !== '') meta.t = doc.summary;
      if (doc.severity && doc.severity.length > 0) meta.sv = doc.severity.map((s) => ({ type: s.type, score: s.score }));
      if (doc.published !== undefined) meta.pub = doc.published;
      if (doc.modified !== undefined) meta.mod = doc.modified;
      if (doc.references && doc.references.length > 0) meta.ref = doc.references.map((r) => (r.type !== undefined ? { type: r.type, url: r.url } : { url: r.url }));
      if (doc.related && doc.related.length > 0) meta.rel = [...doc.related];
      if (doc.aliases && doc.aliases.length > 0) meta.al = [...doc.aliases];
      if (isUsn) meta.usn = true;
      await metaLines.add(`${id}\t${JSON.stringify(meta)}`);
    }
  }
  const ranges = await groupLines.finish(path.join(tmp, 'groups.lines'), { partition: (l) => l.slice(0, l.indexOf('\t')) });
  await metaLines.finish(path.join(tmp, 'meta.lines'));
  return {
    key: inputs.key,
    inputs: inputs.inputs,
    source: inputs.source,
    // A release with only advisory lines (a USN for CVEs whose records it lacks) has no records: not a group.
    groups: [...ranges]
      .filter(([name]) => (entries.get(name) ?? 0) > 0)
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([name, range]) => ({ name, entries: entries.get(name) ?? 0, range })),
    documents: counts,
    variants: sorted(variants),
    unknownEcosystems: sorted(unknown),
    unreadable,
  };
}
