/**
 * What the lockfile parsers share: a collector of the packages a lockfile pins, and of the entries
 * the engine cannot check (with the reason), so that every format reports them the same way.
 *
 * - A package is added once per name and version: a lockfile may list it several times (NuGet per
 *   target framework, pnpm per peer-dependency variant, Bundler per platform, yarn berry for a
 *   package and its builtin patch), and the first place it appears is where it is reported.
 *   Names are compared as the ecosystem compares them (PyPI PEP 503, NuGet case-insensitively;
 *   store/package-key.ts).
 * - The project itself (the root package, workspace members) is not a dependency and is left out.
 * - Code that is part of the project (path, link and directory dependencies, local tarballs) is
 *   reported as skipped and `local`: no advisory names it.
 * - Third-party code that is not a registry release (git, URL tarballs, development branches) is
 *   reported as skipped and not local: it is an unchecked package (policy `failOnUnchecked`).
 */
import { ecosystemByKind } from '../../drivers/_framework/names.ts';
import { packageKey } from '../store/package-key.ts';
import type { InputFormat, InstalledPackage, Inventory, PackageKind, SkippedEntry } from './types.ts';

/** What a skipped entry is: part of the project (`local`), or third-party code the engine cannot check. */
export type SkipKind = 'local' | 'unchecked';

/** Collects the packages and skipped entries of one lockfile. */
export class LockCollector {
  readonly packages: InstalledPackage[] = [];
  readonly skipped: SkippedEntry[] = [];
  private readonly seen = new Set<string>();
  private readonly group: string;

  constructor(
    readonly file: string,
    readonly kind: PackageKind,
  ) {
    this.group = ecosystemByKind(kind)?.group ?? kind;
  }

  /** Adds a pinned registry package found at `location`, unless the same name and version came before. */
  add(name: string, version: string, location: string): void {
    const key = `${packageKey(this.group, name)}\0${version}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.packages.push({ name, version, kind: this.kind, location });
  }

  /** Records an entry at `location` the engine cannot check, and why. */
  skip(location: string, kind: SkipKind, reason: string, pkg: { name?: string | undefined; version?: string | undefined } = {}): void {
    const entry: SkippedEntry = { location, reason };
    if (pkg.name !== undefined && pkg.name !== '') entry.package = pkg.name;
    if (pkg.version !== undefined && pkg.version !== '') entry.version = pkg.version;
    if (kind === 'local') entry.local = true;
    this.skipped.push(entry);
  }

  /** The inventory of what was collected. */
  inventory(format: InputFormat): Inventory {
    const inv: Inventory = { file: this.file, format, packages: this.packages };
    if (this.skipped.length > 0) inv.skipped = this.skipped;
    return inv;
  }
}

/** The name and the rest of `name@rest`, where a scoped name (`@scope/name@rest`) keeps its first `@`. */
export function splitAt(spec: string): { name: string; rest: string } | undefined {
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  if (at <= 0) return undefined;
  return { name: spec.slice(0, at), rest: spec.slice(at + 1) };
}
