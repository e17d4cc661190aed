/**
 * apk version ordering, ported from apk-tools 2.14 `src/version.c` (the semantics the secdb data was
 * written against). The parser only needs it to pick the lowest of several fixed versions; the
 * engine has its own comparator for matching.
 */

// Token kinds in apk-tools order; the order matters (a later kind sorts lower when values tie).
const DIGIT_OR_ZERO = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NO = 4;
const REVISION_NO = 5;
const END = 6;
const INVALID = -1;

const PRE_SUFFIXES = ['alpha', 'beta', 'pre', 'rc'];
const POST_SUFFIXES = ['cvs', 'svn', 'git', 'hg', 'p'];

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';

/** A cursor over one version string, mirroring apk-tools' (blob, token type) pair. */
class Cursor {
  pos = 0;
  type = DIGIT;
  constructor(private readonly s: string) {}

  private get left(): number {
    return this.s.length - this.pos;
  }

  /** Decides the kind of the next token from the separator at the cursor (apk `next_token`). */
  private next(): void {
    let n = INVALID;
    const c = this.s[this.pos];
    if (this.left <= 0 || c === '\0') {
      n = END;
    } else if ((this.type === DIGIT || this.type === DIGIT_OR_ZERO) && isLower(c)) {
      n = LETTER;
    } else if (this.type === LETTER && isDigit(c)) {
      n = DIGIT;
    } else if (this.type === SUFFIX && isDigit(c)) {
      n = SUFFIX_NO;
    } else {
      if (c === '.') n = DIGIT_OR_ZERO;
      else if (c === '_') n = SUFFIX;
      else if (c === '-') {
        if (this.left > 1 && this.s[this.pos + 1] === 'r') {
          n = REVISION_NO;
          this.pos++;
        }
      }
      this.pos++;
    }
    if (n < this.type) {
      const allowed =
        (n === DIGIT_OR_ZERO && this.type === DIGIT) ||
        (n === SUFFIX && this.type === SUFFIX_NO) ||
        (n === DIGIT && this.type === LETTER);
      if (!allowed) n = INVALID;
    }
    this.type = n;
  }

  /** Reads the value of the current token and advances (apk `get_token`). */
  token(): number {
    if (this.left <= 0) {
      this.type = END;
      return 0;
    }
    let v = 0;
    let i = 0;
    let nt = INVALID;
    const s = this.s;
    const at = (k: number): string | undefined => s[this.pos + k];
    const zeroRun = this.type === DIGIT_OR_ZERO && at(0) === '0';
    if (zeroRun) {
      // Leading zeros: "1.01" sorts below "1.1" and the zeros' count matters.
      while (i < this.left && at(i) === '0') i++;
      // A suffix right after a zero run is read as a suffix (apk-tools 2.14 behaviour), so
      // "6.0_pre1" < "6.0"; older apk-tools read an empty digit token there and got it wrong.
      if (at(i) !== '_') nt = DIGIT;
      v = -i;
    }
    switch (zeroRun ? END : this.type) {
      case END:
        break;
      case DIGIT_OR_ZERO:
      case DIGIT:
      case SUFFIX_NO:
      case REVISION_NO:
        while (i < this.left && isDigit(at(i))) v = v * 10 + (s.charCodeAt(this.pos + i++) - 48);
        break;
      case LETTER:
        v = s.charCodeAt(this.pos);
        i = 1;
        break;
      case SUFFIX: {
        const rest = s.slice(this.pos);
        const pre = PRE_SUFFIXES.findIndex((p) => rest.startsWith(p));
        if (pre >= 0) {
          v = pre - PRE_SUFFIXES.length;
          i = PRE_SUFFIXES[pre]?.length ?? 0;
          break;
        }
        const post = POST_SUFFIXES.findIndex((p) => rest.startsWith(p));
        if (post >= 0) {
          v = post;
          i = POST_SUFFIXES[post]?.length ?? 0;
          break;
        }
        this.type = INVALID;
        return -1;
      }
      default:
        this.type = INVALID;
        return -1;
    }
    this.pos += i;
    if (this.left <= 0) this.type = END;
    else if (nt !== INVALID) this.type = nt;
    else this.next();
    return v;
  }
}

/** Compares two apk versions: negative when a < b, 0 when equal, positive when a > b. */
export function compareApk(a: string, b: string): number {
  const ca = new Cursor(a);
  const cb = new Cursor(b);
  let av = 0;
  let bv = 0;
  while (ca.type === cb.type && ca.type !== END && ca.type !== INVALID && av === bv) {
    av = ca.token();
    bv = cb.token();
  }
  if (av < bv) return -1;
  if (av > bv) return 1;
  if (ca.type === cb.type) return 0;
  // Equal so far: the longer version is greater, unless what follows is a pre-release suffix.
  if (ca.type === SUFFIX && peekSuffix(a, ca) < 0) return -1;
  if (cb.type === SUFFIX && peekSuffix(b, cb) < 0) return 1;
  if (ca.type > cb.type) return -1;
  if (cb.type > ca.type) return 1;
  return 0;
}

function peekSuffix(s: string, c: Cursor): number {
  const copy = new Cursor(s);
  copy.pos = c.pos;
  copy.type = c.type;
  return copy.token();
}
