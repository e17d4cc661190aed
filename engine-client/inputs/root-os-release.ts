/**
 * The os-release of the system a package database belongs to, found beside it: a dpkg status file
 * at `<root>/var/lib/dpkg/status` (this machine's `/var/lib/dpkg/status`, or a mounted image's) has
 * its system's release in `<root>/etc/os-release`, else `<root>/usr/lib/os-release`
 * (https://www.freedesktop.org/software/systemd/man/latest/os-release.html). The scan uses it only
 * when neither `--distro` nor `--os-release` is given and the input names no release, and says so.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { readOsRelease } from './os-release.ts';
import type { Distro, InputFormat } from './types.ts';

const DATABASES: Partial<Record<InputFormat, string>> = { 'dpkg-status': path.join('var', 'lib', 'dpkg', 'status') };

/** The distro of the os-release beside a package database at its standard path, with the file read; undefined when there is none. */
export async function osReleaseBeside(file: string, format: InputFormat): Promise<{ distro: Distro; file: string } | undefined> {
  const suffix = DATABASES[format];
  const abs = path.resolve(file);
  if (suffix === undefined || !abs.endsWith(`${path.sep}${suffix}`)) return undefined;
  const root = abs.slice(0, abs.length - suffix.length);
  for (const candidate of [path.join(root, 'etc', 'os-release'), path.join(root, 'usr', 'lib', 'os-release')]) {
    const isFile = await fs.stat(candidate).then((s) => s.isFile(), () => false);
    if (isFile) return { distro: await readOsRelease(candidate), file: candidate };
  }
  return undefined;
}
