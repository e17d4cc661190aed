/**
 * NuGet package versions, as NuGet.Versioning's `NuGetVersion.TryParse` and
 * `VersionComparer.Default` (https://github.com/NuGet/NuGet.Client, src/NuGet.Core/NuGet.Versioning):
 * SemVer 2.0 extended to 1-4 numeric parts (`1.0 == 1.0.0 == 1.0.0.0`, leading zeros allowed in
 * them: `1.01 == 1.1`), surrounding whitespace ignored. Release labels compare case-insensitively
 * (`1.0.0-BETA == 1.0.0-beta`); a label is numeric only when it parses as an Int32 (larger digit
 * strings compare as text, as in NuGet); build metadata is ignored.
 *
 * Invalid: no numeric part, more than 4 parts, a part that is not plain ASCII digits or exceeds
 * Int32, an empty label or metadata identifier, a numeric label with a leading zero, or a character
 * outside `[0-9A-Za-z-]` in a label or in metadata. (.NET's Version parser would also accept
 * signs and spaces inside the numeric parts; airfeed does not.)
 */
import { acceptedBy, parsedWithoutWarnings, InvalidVersionError } from './errors.ts';
import { allDigits, isDigitCode } from './numeric.ts';
import { scanIdentifiers } from './semver2.ts';
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

/** Parses like `NuGetVersion.TryParse` (with the stricter numeric parts noted above). */
export function parseNuget(v: string): NugetVersion {
  const s = v.trim();
  if (s === '') fail(v, 'empty version');
  let i = 0;
  const parts: number[] = [];
  for (;;) {
    const start = i;
    while (isDigitCode(s.charCodeAt(i))) i++;
    if (i === start) fail(v, `version part ${parts.length + 1} is not a number`);
    const n = Number(s.slice(start, i));
    if (n > INT32_MAX) fail(v, `version part ${parts.length + 1} exceeds Int32`);
    parts.push(n);
    if (s.charCodeAt(i) !== 46) break;
    i++;
  }
  if (parts.length > 4) fail(v, 'more than 4 version parts');
  let labels: string[] = [];
  if (s.charCodeAt(i) === 45) {
    const end = scanIdentifiers(s, i + 1);
    if (end < 0) fail(v, 'empty release label');
    labels = s.slice(i + 1, end).split('.');
    for (const l of labels) {
      if (l.length > 1 && l.charCodeAt(0) === 48 && allDigits(l)) fail(v, `numeric release label "${l}" has a leading zero`);
    }
    i = end;
  }
  let metadata = '';
  if (s.charCodeAt(i) === 43) {
    const end = scanIdentifiers(s, i + 1);
    if (end < 0) fail(v, 'empty metadata identifier');
    metadata = s.slice(i + 1, end);
    i = end;
  }
  if (i !== s.length) fail(v, `unexpected text ${JSON.stringify(s.slice(i))}`);
  return { parts: [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 0], labels, metadata };
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
  warnings: parsedWithoutWarnings(parseNuget),
};
