/**
 * The secdb layout shared by fetch and parse: `<branch>/<repo>.json` with branches `v3.20`, `edge`,
 * … and repos `main` and `community`. The workspace mirrors the upstream layout exactly.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { distroGroup, releaseOfCodename } from '../_framework/names.ts';
import { compareStrings } from '../_framework/strings.ts';

/** Branch directory names that become groups; anything else (`latest-stable`, files) is ignored. */
export const BRANCH_RE = /^(v\d+\.\d+|edge)$/;

/** Repos in sorted order; parse reads them in this order, so the order is part of determinism. */
export const REPOS = ['community', 'main'] as const;
export type Repo = (typeof REPOS)[number];

/** One branch directory and the repo files it holds (sorted). */
export interface BranchFiles {
  branch: string;
  repos: Repo[];
}

/** `v3.20` → `3.20`, `edge` → `edge` (the names table's Alpine branch rule). */
export function releaseOf(branch: string): string {
  const release = releaseOfCodename('alpine', branch);
  if (release === undefined) throw new Error(`alpine: ${branch} is not a branch name (BRANCH_RE lets only v<major>.<minor> and edge through)`);
  return release;
}

/** `v3.20` → `alpine:3.20`. */
export function groupName(branch: string): string {
  return distroGroup('alpine', releaseOf(branch));
}

/** The group's human description. */
export function groupDescription(branch: string): string {
  const release = releaseOf(branch);
  return release === 'edge' ? 'Alpine Linux edge security fixes (secdb)' : `Alpine Linux ${release} security fixes (secdb)`;
}

/** The mirror-relative path of one secdb file, also its state key: `v3.20/main.json`. */
export function fileKey(branch: string, repo: Repo): string {
  return `${branch}/${repo}.json`;
}

async function isFile(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isFile(), () => false);
}

/** Branch directories of `dir` (symlinks followed) holding at least one repo file, sorted by branch. */
export async function listBranches(dir: string): Promise<BranchFiles[]> {
  const entries = await fs.readdir(dir);
  const out: BranchFiles[] = [];
  for (const name of entries.filter((n) => BRANCH_RE.test(n)).sort(compareStrings)) {
    const isDir = await fs.stat(path.join(dir, name)).then((s) => s.isDirectory(), () => false);
    if (!isDir) continue;
    const repos: Repo[] = [];
    for (const repo of REPOS) if (await isFile(path.join(dir, fileKey(name, repo)))) repos.push(repo);
    if (repos.length > 0) out.push({ branch: name, repos });
  }
  return out;
}

/** True for workspace files the driver manages: anything under a branch directory. */
export function ownsKey(key: string): boolean {
  return BRANCH_RE.test(key.split('/')[0] ?? '');
}
