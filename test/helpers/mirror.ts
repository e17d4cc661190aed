/** Writes small Alpine secdb mirrors (the real layout) into temp directories for sync tests. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** package name → fixed version → ids */
export type Secfixes = Record<string, Record<string, string[]>>;
/** branch (`v3.20`, `edge`) → repo (`main`, `community`) → packages */
export type MirrorSpec = Record<string, Record<string, Secfixes>>;

/** Writes `spec` into `dir` (created when missing) as `<branch>/<repo>.json`, replacing what was there. */
export async function writeMirror(dir: string, spec: MirrorSpec): Promise<string> {
  await fs.rm(dir, { recursive: true, force: true });
  for (const [branch, repos] of Object.entries(spec)) {
    await fs.mkdir(path.join(dir, branch), { recursive: true });
    for (const [repo, pkgs] of Object.entries(repos)) {
      const doc = {
        apkurl: '{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk',
        archs: ['x86_64'],
        reponame: repo,
        urlprefix: 'https://dl-cdn.alpinelinux.org/alpine',
        distroversion: branch,
        packages: Object.entries(pkgs).map(([name, secfixes]) => ({ pkg: { name, secfixes } })),
      };
      await fs.writeFile(path.join(dir, branch, `${repo}.json`), JSON.stringify(doc, null, '\t'));
    }
  }
  return dir;
}

/** A fresh temp directory. */
export async function tempDir(prefix = 'airfeed-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}
