/**
 * NuGet package versions, as NuGet.Versioning's `NuGetVersion.TryParse` and
 * `VersionComparer.Default` (https://github.com/NuGet/NuGet.Client, src/NuGet.Core/NuGet.Versioning,
 * NuGetVersionFactory.cs and SemanticVersionFactory.cs): SemVer 2.0 extended to 1-4 numeric parts
 * (`1.0 == 1.0.0 == 1.0.0.0`, leading zeros allowed in them: `1.01 == 1.1`). Release labels compare
 * case-insensitively (`1.0.0-BETA == 1.0.0-beta`); a label is numeric only when it parses as an
 * Int32 (larger digit strings compare as text, as in NuGet); build metadata is ignored.
 *
 * Parsing follows NuGet step by step: the string is trimmed of .NET white space (`Char.IsWhiteSpace`,
 * which includes U+0085 and the Unicode spaces but not U+FEFF); it is cut at the first `-` or `+`
 * (`ParseSections`; a `-` or `+` as the very last character stays in the part before it, which then
 * fails); the numeric part goes through .NET's `Version.TryParse`, whose `Int32` components may carry
 * white space (` \t\n\v\f\r`) around their ASCII digits (`1. 0` is 1.0) and trailing NULs;
 * release labels must be non-empty `[0-9A-Za-z-]` without a leading zero on a numeric one, metadata
 * identifiers non-empty `[0-9A-Za-z-]`. Invalid: anything else, more than 4 numeric parts, a part
 * beyond Int32. The warnings name the white space NuGet silently ignores.
 */
import { acceptedBy, InvalidVersionError, NO_WARNINGS } from './errors.ts';
import { allDigits, isIdentCode } from './numeric.ts';
import type { Comparator, Ordering } from './types.ts';

const SCHEME = 'nuget';
const INT32_MAX = 2147483647;

/** A parsed NuGet version: four numbers, release labels, metadata. */
export interface NugetVersion {
  readonly parts: readonly [number, number, number, number];
  readonly labels: readonly string[];
  readonly metadata: string;
}

function fail(v: string, reason: string): never {
  throw new InvalidVersionError(SCHEME, v, reason);
}

/** .NET `Char.IsWhiteSpace`. */
function isDotnetSpace(c: number): boolean {
  if (c < 256) return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x85;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** .NET `String.Trim()`. */
function dotnetTrim(v: string): string {
  let a = 0;
  let b = v.length;
  while (a < b && isDotnetSpace(v.charCodeAt(a))) a++;
  while (b > a && isDotnetSpace(v.charCodeAt(b - 1))) b--;
  return a === 0 && b === v.length ? v : v.slice(a, b);
}

const isNumberSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/** `int.TryParse(s[from..to), NumberStyles.Integer, InvariantCulture)` for a component without signs; -1 when it fails. */
function component(s: string, from: number, to: number): number {
  let i = from;
  let e = to;
  while (e > i && s.charCodeAt(e - 1) === 0) e--; // .NET accepts trailing NULs
  while (i < e && isNumberSpace(s.charCodeAt(i))) i++;
  while (e > i && isNumberSpace(s.charCodeAt(e - 1))) e--;
  if (i === e) return -1;
  let n = 0;
  for (; i < e; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
    if (n > INT32_MAX) return -1;
  }
  return n;
}

/** `IsValidPart`: non-empty `[0-9A-Za-z-]`, and (for labels) no leading zero on an all-digit part. */
function validPart(p: string, allowLeadingZeros: boolean): boolean {
  if (p === '') return false;
  if (!allowLeadingZeros && p.length > 1 && p.charCodeAt(0) === 48 && allDigits(p, 1)) return false;
  for (let i = 0; i < p.length; i++) if (!isIdentCode(p.charCodeAt(i))) return false;
  return true;
}

/** Parses like `NuGetVersion.TryParse` (see the module comment); throws InvalidVersionError. */
export function parseNuget(v: string): NugetVersion {
  const s = dotnetTrim(v);
  if (s === '') fail(v, 'empty version');
  // ParseSections: the version part ends at the first '-' or '+' (or includes the last character).
  let cut = 0;
  while (cut < s.length - 1 && s.charCodeAt(cut) !== 45 && s.charCodeAt(cut) !== 43) cut++;
  const lastIsCut = cut === s.length - 1;
  const versionPart = lastIsCut ? s : s.slice(0, cut);
  let labels: string[] = [];
  let metadata = '';
  if (!lastIsCut) {
    let rest = cut + 1;
    if (s.charCodeAt(cut) === 45) {
      // Labels end at the first '+', or at the end (which then includes a final '+').
      let plus = rest;
      while (plus < s.length - 1 && s.charCodeAt(plus) !== 43) plus++;
      const labelsEnd = plus === s.length - 1 ? s.length : plus;
      labels = s.slice(rest, labelsEnd).split('.');
      for (const l of labels) if (!validPart(l, false)) fail(v, `release label ${JSON.stringify(l)} is not a non-empty [0-9A-Za-z-] identifier without a leading zero`);
      rest = labelsEnd === s.length ? s.length : plus + 1;
    }
    if (rest < s.length) {
      metadata = s.slice(rest);
      for (const m of metadata.split('.')) if (!validPart(m, true)) fail(v, `metadata identifier ${JSON.stringify(m)} is not a non-empty [0-9A-Za-z-] identifier`);
    }
  }
  if (versionPart === '') fail(v, 'no version number before the label');
  // System.Version: 2-4 dot-separated Int32 components (NuGet appends ".0" to a single number).
  const parts: [number, number, number, number] = [0, 0, 0, 0];
  let k = 0;
  let start = 0;
  for (let i = 0; i <= versionPart.length; i++) {
    if (i < versionPart.length && versionPart.charCodeAt(i) !== 46) continue;
    if (k === 4) fail(v, 'more than 4 version parts');
    const n = component(versionPart, start, i);
    if (n < 0) fail(v, `version part ${k + 1} ${JSON.stringify(versionPart.slice(start, i))} is not a number within Int32`);
    parts[k++] = n;
    start = i + 1;
  }
  return { parts, labels, metadata };
}

/** The white space NuGet ignores: around the version, and inside its numeric parts. */
export function nugetWarnings(v: string): readonly string[] {
  parseNuget(v);
  const s = dotnetTrim(v);
  let out: string[] | null = null;
  if (s.length !== v.length) (out ??= []).push('surrounding white space is ignored (NuGet trims it)');
  const cut = s.search(/[-+]/);
  if (/[\s\0]/.test(cut < 0 ? s : s.slice(0, cut))) (out ??= []).push('white space inside the numeric part is ignored (.NET Version.TryParse allows it)');
  return out ?? NO_WARNINGS;
}

/** `Int32.TryParse` on a label: optional '-' and digits within the Int32 range. */
function int32(label: string): number | null {
  const neg = label.charCodeAt(0) === 45;
  if (!allDigits(label, neg ? 1 : 0)) return null;
  const n = Number(label);
  return n >= -2147483648 && n <= INT32_MAX ? n : null;
}

/** `StringComparer.OrdinalIgnoreCase` on ASCII labels. */
function compareIgnoreCase(a: string, b: string): Ordering {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x >= 97 && x <= 122) x -= 32;
    if (y >= 97 && y <= 122) y -= 32;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareLabels(a: readonly string[], b: readonly string[]): Ordering {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    const xn = int32(x);
    const yn = int32(y);
    let r: Ordering;
    if (xn !== null && yn !== null) r = xn === yn ? 0 : xn < yn ? -1 : 1;
    else if (xn !== null) return -1;
    else if (yn !== null) return 1;
    else r = compareIgnoreCase(x, y);
    if (r !== 0) return r;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** `VersionComparer.Default`: four numbers, release above pre-release, then labels. */
export function compareNugetParsed(a: NugetVersion, b: NugetVersion): Ordering {
  for (let k = 0; k < 4; k++) {
    const x = a.parts[k] as number;
    const y = b.parts[k] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  if (a.labels.length === 0 || b.labels.length === 0) {
    return a.labels.length === b.labels.length ? 0 : a.labels.length === 0 ? 1 : -1;
  }
  return compareLabels(a.labels, b.labels);
}

/** The NuGet comparator (registered as scheme `nuget`). */
export const nuget: Comparator<NugetVersion> = {
  scheme: SCHEME,
  parse: parseNuget,
  compare: (a, b) => compareNugetParsed(parseNuget(a), parseNuget(b)),
  compareParsed: compareNugetParsed,
  valid: acceptedBy(parseNuget),
  warnings: nugetWarnings,
};
