/**
 * Maven versions, ordered as Maven 3.9's `ComparableVersion`
 * (maven-artifact/src/main/java/org/apache/maven/artifact/versioning/ComparableVersion.java,
 * https://github.com/apache/maven/blob/maven-3.9.x/maven-artifact/src/main/java/org/apache/maven/artifact/versioning/ComparableVersion.java;
 * spec: https://maven.apache.org/pom.html#version-order-specification).
 *
 * The lower-cased version is split at `.`, at `-` (which opens a nested list) and at every switch
 * between digits and letters (which also opens a nested list, and a letter run followed by a digit
 * is a qualifier: `a1` = alpha-1, `b1` = beta-1, `m1` = milestone-1). Trailing "null" items
 * (0, "", ga/final/release, empty lists) are dropped from each list, so `1.0 == 1` and
 * `1-ga == 1`. Qualifiers order alpha < beta < milestone < rc (= cr) < snapshot < "" < sp, then
 * unknown qualifiers alphabetically; numbers beat qualifiers and nested lists; `1.0.X1 < 1.0-X2`
 * for a string X (MNG-7644). Numbers of any length compare exactly.
 *
 * Maven accepts every string, and so does airfeed, with Maven's Unicode rules (Maven 3.9 is Java):
 * the version is lower-cased with Java's `toLowerCase(Locale.ENGLISH)` (`1.É == 1.é`); any Unicode
 * decimal digit (`Character.isDigit`, e.g. `٨` U+0668) is a digit with its value (`1 < ٨`, Maven 4
 * reads it as a letter instead); spaces and other characters are qualifier text (`3.1.52 ` is
 * `3.1.52` followed by the qualifier " ", so it sorts above `3.1.52`); the empty string equals "0".
 * Such versions get warnings (mavenWarnings). Verified against Maven's own ComparableVersion with
 * scripts/vercmp-oracle.ts.
 */
import { acceptedBy, NO_WARNINGS } from './errors.ts';
import { asciiDigits, compareNum, compareStrings, digitValue, firstNonPrintable, isUnicodeDigitCode, parseNum } from './numeric.ts';
import type { Num } from './numeric.ts';
import type { Comparator, Ordering } from './types.ts';

const SCHEME = 'maven';

/** One item of a parsed Maven version: a number, a qualifier, or a nested list. */
export type MavenItem =
  /** `size`: Maven's IntItem (0), LongItem (1) or BigIntegerItem (2), chosen by digit count. */
  | { readonly kind: 'int'; readonly value: Num; readonly size: number }
  | { readonly kind: 'str'; readonly value: string; readonly rank: number }
  | { readonly kind: 'list'; readonly items: MavenItem[] };

/** A parsed Maven version: the top-level item list. */
export interface MavenVersion {
  readonly items: MavenItem[];
}

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const RELEASE_RANK = 5; // rank of "" (a release)
const UNKNOWN_RANK = QUALIFIERS.length;
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const ZERO: MavenItem = { kind: 'int', value: 0, size: 0 };

function strItem(raw: string, followedByDigit: boolean): MavenItem {
  let v = raw;
  if (followedByDigit && v.length === 1) {
    if (v === 'a') v = 'alpha';
    else if (v === 'b') v = 'beta';
    else if (v === 'm') v = 'milestone';
  }
  v = ALIASES[v] ?? v;
  const idx = QUALIFIERS.indexOf(v);
  return { kind: 'str', value: v, rank: idx >= 0 ? idx : UNKNOWN_RANK };
}

function parseItem(isDigit: boolean, buf: string): MavenItem {
  return isDigit ? intItem(buf) : strItem(buf, false);
}

/**
 * A number item. Maven strips leading ASCII zeros only, then picks int (up to 9 digits), long (up
 * to 18) or BigInteger by the remaining length, and every int sorts below every long, every long
 * below every BigInteger; only non-ASCII zeros (`٠٠٠٠٠٠٠٠٠٠1` > `5`) make that differ from the value.
 */
function intItem(buf: string): MavenItem {
  let i = 0;
  while (i < buf.length - 1 && buf.charCodeAt(i) === 48) i++;
  const len = buf.length - i;
  return { kind: 'int', value: parseNum(asciiDigits(buf)), size: len <= 9 ? 0 : len <= 18 ? 1 : 2 };
}

function isNull(item: MavenItem): boolean {
  if (item.kind === 'int') return item.value === 0;
  if (item.kind === 'str') return item.rank === RELEASE_RANK;
  return item.items.length === 0;
}

/** Removes trailing null items; a non-null nested list does not stop the scan (as in Maven). */
function normalize(items: MavenItem[]): void {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as MavenItem;
    if (isNull(item)) items.splice(i, 1);
    else if (item.kind !== 'list') break;
  }
}

/** Parses a Maven version into ComparableVersion's item tree (Maven accepts every string). */
export function parseMaven(v: string): MavenVersion {
  // Java's toLowerCase(Locale.ENGLISH) and JavaScript's toLowerCase() apply the same Unicode mapping.
  const s = v.toLowerCase();
  const root: MavenItem[] = [];
  const stack: MavenItem[][] = [root];
  let list = root;
  const open = (): void => {
    const items: MavenItem[] = [];
    list.push({ kind: 'list', items });
    list = items;
    stack.push(items);
  };
  let isDigit = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 || c === 45) {
      // '.' or '-': close the current item ('-' also opens a nested list)
      list.push(i === start ? ZERO : parseItem(isDigit, s.slice(start, i)));
      start = i + 1;
      if (c === 45) open();
    } else if (isUnicodeDigitCode(c)) {
      if (!isDigit && i > start) {
        // letters then digits: "X1" becomes a qualifier in its own list (1.0.X1 < 1.0-X2)
        if (list.length > 0) open();
        list.push(strItem(s.slice(start, i), true));
        start = i;
        open();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(parseItem(true, s.slice(start, i)));
        start = i;
        open();
      }
      isDigit = false;
    }
  }
  if (s.length > start) {
    // a trailing ".X" qualifier is treated like "-X"
    if (!isDigit && list.length > 0) open();
    list.push(parseItem(isDigit, s.slice(start)));
  }
  for (let k = stack.length - 1; k >= 0; k--) normalize(stack[k] as MavenItem[]);
  return { items: root };
}

/** Orders two qualifiers: known ones by rank, then unknown ones alphabetically. */
function compareQualifiers(a: { value: string; rank: number }, b: { value: string; rank: number }): Ordering {
  if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
  return a.rank === UNKNOWN_RANK ? compareStrings(a.value, b.value) : 0;
}

/** `Item.compareTo(null)`: how an item compares with a missing one. */
function compareToMissing(item: MavenItem): Ordering {
  if (item.kind === 'int') return item.value === 0 ? 0 : 1;
  if (item.kind === 'str') return item.rank < RELEASE_RANK ? -1 : item.rank > RELEASE_RANK ? 1 : 0;
  // MNG-6964: the whole list is compared with "nothing", not just its first item.
  for (const sub of item.items) {
    const r = compareToMissing(sub);
    if (r !== 0) return r;
  }
  return 0;
}

/** `Item.compareTo(Item)` for two present items. */
function compareItems(a: MavenItem, b: MavenItem): Ordering {
  switch (a.kind) {
    case 'int':
      if (b.kind !== 'int') return 1;
      return a.size !== b.size ? (a.size < b.size ? -1 : 1) : compareNum(a.value, b.value);
    case 'str':
      return b.kind === 'str' ? compareQualifiers(a, b) : -1;
    case 'list':
      if (b.kind === 'int') return -1;
      if (b.kind === 'str') return 1;
      return compareLists(a.items, b.items);
  }
}

function compareLists(a: readonly MavenItem[], b: readonly MavenItem[]): Ordering {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const l = a[i];
    const r = b[i];
    const c = l === undefined ? (r === undefined ? 0 : -compareToMissing(r)) : r === undefined ? compareToMissing(l) : compareItems(l, r);
    if (c !== 0) return c as Ordering;
  }
  return 0;
}

/** Orders two parsed Maven versions. */
export function compareMavenParsed(a: MavenVersion, b: MavenVersion): Ordering {
  return compareLists(a.items, b.items);
}

/** What is odd about a Maven version (Maven itself accepts every string and never warns). */
export function mavenWarnings(v: string): readonly string[] {
  if (v === '') return ['empty version (Maven reads it as 0)'];
  const bad = firstNonPrintable(v);
  if (bad < 0) return NO_WARNINGS;
  const c = v.charCodeAt(bad);
  const ch = JSON.stringify(v[bad]);
  if (c >= 128 && digitValue(c) >= 0) return [`non-ASCII digit ${ch} at ${bad}: Maven reads it as the digit ${digitValue(c)}`];
  return [`character ${ch} at ${bad} is not printable ASCII: Maven compares it as part of a qualifier`];
}

/** The Maven comparator (registered as scheme `maven`). */
export const maven: Comparator<MavenVersion> = {
  scheme: SCHEME,
  parse: parseMaven,
  compare: (a, b) => compareMavenParsed(parseMaven(a), parseMaven(b)),
  compareParsed: compareMavenParsed,
  valid: acceptedBy(parseMaven),
  warnings: mavenWarnings,
};
