/**
 * The workspace layout fetch writes and parse reads, one directory per OSV ecosystem named exactly
 * as osv.dev names it (`npm`, `PyPI`, `Maven`, `crates.io`, …), which is also the upstream layout
 * of https://osv-vulnerabilities.storage.googleapis.com/:
 *
 *   npm/modified_id.csv          osv.dev's change index (`2024-08-15T19:51:20.929Z,GHSA-xxxx-xxxx-xxxx`)
 *   npm/all.zip                  the ecosystem's snapshot: one `<ID>.json` entry per OSV record
 *   npm/updates/GHSA-….json      a record fetched one by one since the snapshot (upstream `npm/<ID>.json`)
 *   npm/updates/GHSA-….gone      an id the change index listed whose `npm/<ID>.json` answered 404
 *   PyPI/tree/<path in mirror>   loose OSV files of a mirror directory (JSON or YAML), copied as they
 *                                are under every ecosystem their `affected[]` names
 *
 * An ecosystem directory maps to its group through the names table (drivers/_framework/names.ts:
 * `PyPI` ↔ `github:python`); only the eight language ecosystems there have directories. A group's
 * records come from its `all.zip` (with `updates/` laid over it) when it has one, else from `tree/`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ECOSYSTEMS, type EcosystemEntry } from '../_framework/names.ts';
import { compareStrings } from '../_framework/strings.ts';

export const ZIP_FILE = 'all.zip';
export const CSV_FILE = 'modified_id.csv';
export const UPDATES_DIR = 'updates';
export const TREE_DIR = 'tree';

/** The ecosystems this driver reads: the names table's language ecosystems, by OSV name. */
export const MAPPED: readonly EcosystemEntry[] = [...ECOSYSTEMS].sort((a, b) => compareStrings(a.osv, b.osv));

/** The ecosystem whose osv.dev directory is `dir` (exact OSV name), or undefined. */
export function ecosystemOfDir(dir: string): EcosystemEntry | undefined {
  return MAPPED.find((e) => e.osv === dir);
}

export const zipKey = (eco: string): string => `${eco}/${ZIP_FILE}`;
export const csvKey = (eco: string): string => `${eco}/${CSV_FILE}`;
export const updateKey = (eco: string, id: string, kind: 'json' | 'gone'): string => `${eco}/${UPDATES_DIR}/${id}.${kind}`;
export const treeKey = (eco: string, rel: string): string => `${eco}/${TREE_DIR}/${rel}`;

/** One update file: the record `id` fetched (`json`) or answered 404 (`gone`). */
export interface UpdateFile {
  id: string;
  kind: 'json' | 'gone';
  key: string;
}

/** What the workspace holds for one ecosystem. */
export interface EcosystemFiles {
  ecosystem: EcosystemEntry;
  zip: boolean;
  /** Update files, sorted by id. */
  updates: UpdateFile[];
  /** Workspace keys of the loose files under `tree/`, sorted. */
  tree: string[];
}

async function isFile(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isFile(), () => false);
}

/** Files under `dir` (relative, `/`-separated, sorted); empty when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort(compareStrings);
}

/** The update files of an ecosystem directory, sorted by id (then kind). */
async function updateFiles(workspace: string, eco: string): Promise<UpdateFile[]> {
  const out: UpdateFile[] = [];
  for (const name of await filesUnder(path.join(workspace, eco, UPDATES_DIR))) {
    const m = /^([^/]+)\.(json|gone)$/.exec(name);
    if (m?.[1] !== undefined) out.push({ id: m[1], kind: m[2] as 'json' | 'gone', key: updateKey(eco, m[1], m[2] as 'json' | 'gone') });
  }
  return out.sort((a, b) => compareStrings(a.id, b.id) || compareStrings(a.kind, b.kind));
}

/** The ecosystems present in the workspace (a snapshot or loose files), sorted by group name. */
export async function workspaceEcosystems(workspace: string): Promise<EcosystemFiles[]> {
  const out: EcosystemFiles[] = [];
  for (const ecosystem of MAPPED) {
    const dir = path.join(workspace, ecosystem.osv);
    const zip = await isFile(path.join(dir, ZIP_FILE));
    const tree = (await filesUnder(path.join(dir, TREE_DIR))).map((rel) => treeKey(ecosystem.osv, rel));
    if (!zip && tree.length === 0) continue;
    out.push({ ecosystem, zip, updates: zip ? await updateFiles(workspace, ecosystem.osv) : [], tree });
  }
  return out.sort((a, b) => compareStrings(a.ecosystem.group, b.ecosystem.group));
}

/** The group's human description. */
export function groupDescription(e: EcosystemEntry): string {
  return `${e.osv} package advisories (OSV: GitHub Advisory Database and the ecosystem's own database)`;
}
