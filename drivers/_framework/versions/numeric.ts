/**
 * Small allocation-free helpers shared by the comparators: ASCII character classes and exact
 * comparison of arbitrarily long digit runs (version components routinely exceed 2^53, e.g.
 * `20191002222144` in apk or `v1.2.99999999999999999` in Go).
 */
import type { Ordering } from './types.ts';

/** True for the ASCII digits 0-9 (given a char code; NaN is false). */
export function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** True for ASCII letters A-Z and a-z. */
export function isAlphaCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** True for ASCII letters, digits and '-' (the SemVer identifier alphabet). */
export function isIdentCode(c: number): boolean {
  return isDigitCode(c) || isAlphaCode(c) || c === 45;
}

/** True when every character of s (from..to) is an ASCII digit and the run is non-empty. */
export function allDigits(s: string, from = 0, to = s.length): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) if (!isDigitCode(s.charCodeAt(i))) return false;
  return true;
}

/** Sign of a number, as an Ordering. */
export function sign(n: number): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/**
 * Compares the digit runs a[as..ae) and b[bs..be) as unbounded non-negative integers: leading
 * zeros are skipped, then the longer run wins, then the first differing digit decides.
 */
export function compareDigitRuns(a: string, as: number, ae: number, b: string, bs: number, be: number): Ordering {
  while (as < ae && a.charCodeAt(as) === 48) as++;
  while (bs < be && b.charCodeAt(bs) === 48) bs++;
  const la = ae - as;
  const lb = be - bs;
  if (la !== lb) return la < lb ? -1 : 1;
  for (let i = 0; i < la; i++) {
    const d = a.charCodeAt(as + i) - b.charCodeAt(bs + i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Compares two whole digit strings as unbounded integers (see compareDigitRuns). */
export function compareDigits(a: string, b: string): Ordering {
  return compareDigitRuns(a, 0, a.length, b, 0, b.length);
}

/** Byte-wise (UTF-16 code unit) string order, like C's strcmp on ASCII. */
export function compareStrings(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An exact integer: a JS number while it is exactly representable, a bigint beyond that. */
export type Num = number | bigint;

/** Parses a run of ASCII digits exactly (number up to 15 significant digits, else bigint). */
export function parseNum(digits: string): Num {
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  return digits.length - i <= 15 ? Number(digits) : BigInt(digits);
}

/** Parses the digit run s[start..end) exactly without slicing when it fits in a double. */
export function numAt(s: string, start: number, end: number): Num {
  let i = start;
  while (i < end - 1 && s.charCodeAt(i) === 48) i++;
  if (end - i > 15) return BigInt(s.slice(start, end));
  let n = 0;
  for (; i < end; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

/** Orders two exact integers (number and bigint may be mixed; JS relational operators allow it). */
export function compareNum(a: Num, b: Num): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True for the C `isspace` set: space, \t, \n, \v, \f, \r. */
export function isCSpaceCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Strips the C `isspace` characters from both ends (what dpkg and Ruby's String#strip do). */
export function trimCSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isCSpaceCode(s.charCodeAt(a))) a++;
  while (b > a && isCSpaceCode(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Index of the first character outside printable ASCII (0x21-0x7e), or -1. */
export function firstNonPrintable(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return i;
  }
  return -1;
}

const ND = /^\p{Nd}$/u;
const digitValues = new Map<number, number>();

/**
 * True for a UTF-16 code unit that is a Unicode decimal digit (general category Nd), like Java's
 * `Character.isDigit(char)`: ASCII 0-9, and e.g. Arabic-Indic `١` (U+0661) or fullwidth `１`.
 */
export function isUnicodeDigitCode(c: number): boolean {
  if (c < 128) return isDigitCode(c);
  return digitValue(c) >= 0;
}

/** The value 0-9 of a decimal-digit code unit (Java's `Character.digit(c, 10)`), or -1. */
export function digitValue(c: number): number {
  if (c < 128) return isDigitCode(c) ? c - 48 : -1;
  let v = digitValues.get(c);
  if (v === undefined) {
    v = -1;
    if (ND.test(String.fromCharCode(c))) {
      // Nd characters come in runs of ten from a zero; no two runs in the BMP touch.
      let zero = c;
      while (c - zero < 9 && ND.test(String.fromCharCode(zero - 1))) zero--;
      v = c - zero;
    }
    digitValues.set(c, v);
  }
  return v;
}

/** A run of Unicode decimal digits with every digit replaced by its ASCII twin. */
export function asciiDigits(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c < 128 ? s[i] : String.fromCharCode(48 + digitValue(c));
  }
  return out;
}
