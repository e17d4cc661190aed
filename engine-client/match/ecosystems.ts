/**
 * Ecosystem rules the matcher applies on top of the comparators (drivers/_framework/versions), where
 * an ecosystem's advisories and its lockfiles spell the same version differently:
 *
 * - Go. go.mod and go.sum write module versions with x/mod's `v` (`v1.8.0`,
 *   `v0.0.0-20220225172249-27dd8689420f`, `v24.0.7+incompatible`); OSV writes them without it,
 *   because its SEMVER range type is SemVer 2.0 without a prefix
 *   (https://ossf.github.io/osv-schema/#affectedrangestype-field): govulndb's GO-2022-0493 has
 *   `{"fixed": "0.0.0-20220314234659-1baeb1ce4c0b"}` and `{"fixed": "2.8.6+incompatible"}`. The
 *   standard library is `go1.22.4` in a Go build's own metadata (syft's `stdlib` component) and
 *   `1.22.4` in OSV. All of them are compared as the `v`-version x/mod compares: `1.8.0` as
 *   `v1.8.0`, `go1.22.4` as `v1.22.4`. Pseudo-versions are pre-releases of the version they derive
 *   from, and `+incompatible` is build metadata that orders nothing (x/mod/semver).
 * - Range types. Every range of a package is compared with its ecosystem's comparator. The
 *   ecosystems whose records use SEMVER ranges (npm, Go, crates.io: 7,331 SEMVER ranges in
 *   govulndb and RustSec) compare by SemVer 2.0 precedence already (node-semver, x/mod/semver, the
 *   semver crate), which is what SEMVER means; ECOSYSTEM ranges mean the ecosystem's own order
 *   (PEP 440, Maven, RubyGems, NuGet), which is that comparator. GIT ranges name commits and are
 *   passed over (ranges.ts).
 * - OSV's explicit `versions` list names versions as the ecosystem's registry published them, some
 *   of which its comparator rejects (PyPA lists legacy releases such as `0.7.10p1`, which PEP 440
 *   does not parse). Such a version can only be the installed one by being the same string, so it
 *   is matched by identity, and the record is not refused for it: `listedVersionIs`.
 */
import { type Comparator, getComparator, InvalidVersionError } from '../../drivers/_framework/versions/index.ts';
import type { PackageKind } from '../inputs/types.ts';

/** A Go version as x/mod spells it: `v` added to OSV's `1.2.3`, `go1.22.4` (the toolchain's spelling) as `v1.22.4`. */
export function goVersion(v: string): string {
  if (v.startsWith('v')) return v;
  if (v.startsWith('go') && v.charCodeAt(2) >= 48 && v.charCodeAt(2) <= 57) return `v${v.slice(2)}`;
  return `v${v}`;
}

const go = getComparator('go');

/** The `go` comparator over both spellings (see the module comment). */
const goEitherSpelling: Comparator = {
  scheme: 'go',
  parse: (v) => go.parse(goVersion(v)),
  compare: (a, b) => go.compare(goVersion(a), goVersion(b)),
  compareParsed: (a, b) => go.compareParsed(a, b),
  valid: (v) => go.valid(goVersion(v)),
  warnings: (v) => go.warnings(goVersion(v)),
};

/** The comparator for versions of a package of `kind` compared in `scheme` (schemeFor's answer). */
export function comparatorFor(kind: PackageKind, scheme: string): Comparator {
  if (kind === 'go' && scheme === 'go') return goEitherSpelling;
  return getComparator(scheme);
}

/**
 * True when a version of an OSV `versions` list is the installed version (`installed` parsed with
 * `cmp`, `installedText` as written): equal by the comparator, or, for a listed version the
 * comparator rejects, the same string. Returns `invalid` set when it was the latter case.
 */
export function listedVersionIs(cmp: Comparator, installed: unknown, installedText: string, listed: string): { equal: boolean; invalid?: InvalidVersionError } {
  let parsed: unknown;
  try {
    parsed = cmp.parse(listed);
  } catch (err) {
    if (!(err instanceof InvalidVersionError)) throw err;
    return { equal: listed === installedText, invalid: err };
  }
  return { equal: cmp.compareParsed(installed, parsed) === 0 };
}
