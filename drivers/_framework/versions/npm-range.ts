/**
 * npm version ranges, as node-semver's `Range` and `satisfies` (classes/range.js,
 * https://github.com/npm/node-semver#ranges): `||` alternatives of space-separated comparators;
 * `<`, `<=`, `>`, `>=`, `=`; x-ranges (`1.x`, `1.2.*`, `1`, `*`, `""`); tilde (`~1.2.3`, `~>1.2`);
 * caret (`^0.2.3`); hyphen ranges (`1.2 - 2.3.4`); build metadata is stripped. Each form desugars to
 * `>=`/`<` comparators exactly as node-semver does (e.g. `^1.2.3` is `>=1.2.3 <2.0.0-0`).
 *
 * Pre-releases follow `satisfies` by default: a version with a pre-release only matches an
 * alternative that names a pre-release of the same MAJOR.MINOR.PATCH (`1.2.3-beta.2` satisfies
 * `>=1.2.3-beta.1` but not `>=1.2.2`), unless `includePrerelease` is set.
 *
 * Differences, on purpose: a malformed range throws InvalidRangeError and an unparseable version
 * InvalidVersionError (node-semver's `satisfies` returns false for both), and a hyphen range whose
 * full version has a space after its `v`/`=` prefix (`v 1.2.3 - 2`) is rejected rather than
 * re-split the way node-semver's regexes do. As in node-semver's loose mode, unparseable
 * comparators are dropped there.
 */
import { InvalidRangeError } from './errors.ts';
import { allDigits } from './numeric.ts';
import { normalizeAlternative, stripBuild } from './npm-range-text.ts';
import { compareNpmParsed, parseNpm, scanTail } from './npm-version.ts';
import type { NpmOptions, NpmVersion } from './npm-version.ts';

const SCHEME = 'semver';

/** One comparator; `version` null means "any version" (node-semver's ANY). */
export interface NpmComparator {
  readonly op: '' | '<' | '<=' | '>' | '>=';
  readonly version: NpmVersion | null;
}

/** A parsed range: alternatives (OR) of comparator sets (AND). */
export interface NpmRange {
  readonly set: readonly (readonly NpmComparator[])[];
  readonly includePrerelease: boolean;
}

/** A partial version as written in a range: `[v=]*X[.Y[.Z[-pre]]]` where X/Y/Z may be x, X or *. */
interface Partial {
  readonly prefix: string;
  readonly ids: readonly string[];
  readonly pre: readonly string[];
}

/** A malformed comparator; `fatal` ones (numbers beyond 2^53-1) are not dropped in loose mode. */
class Bad extends Error {
  constructor(
    message: string,
    readonly fatal = false,
  ) {
    super(message);
  }
}

const isX = (id: string | undefined): boolean => id === undefined || id === 'x' || id === 'X' || id === '*';

/** Parses one partial version token; null when it is not one. */
function parsePartial(t: string, loose: boolean): Partial | null {
  let i = 0;
  while (t.charCodeAt(i) === 118 || t.charCodeAt(i) === 61) i++;
  const prefix = t.slice(0, i);
  const ids: string[] = [];
  for (;;) {
    const start = i;
    const c = t.charCodeAt(i);
    if (c === 120 || c === 88 || c === 42) i++;
    else {
      while (t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) i++;
      if (i === start || (!loose && i - start > 1 && c === 48)) return null;
    }
    ids.push(t.slice(start, i));
    if (ids.length === 3 || t.charCodeAt(i) !== 46) break;
    i++;
  }
  if (ids.length < 3) return i === t.length ? { prefix, ids, pre: [] } : null;
  let tail = scanTail(t, i, loose);
  // Loose: digits of the third number may be given back to the pre-release, as in parseNpm.
  const third = ids[2] ?? '';
  for (let k = third.length - 1; tail === null && loose && k > 0 && allDigits(third); k--) {
    tail = scanTail(t, i - third.length + k, loose);
    if (tail !== null) ids[2] = third.slice(0, k);
  }
  return tail === null ? null : { prefix, ids, pre: tail[0] };
}

/** node-semver's invalidXRangeOrder: an x before a number (`x.1`, `1.x.2`). */
function invalidOrder(p: Partial): boolean {
  const [M, m, pt] = p.ids;
  return (isX(M) && m !== undefined && !isX(m)) || (isX(m) && pt !== undefined && !isX(pt));
}

/** Builds a comparator version from numbers (checked against node-semver's 2^53-1 limit). */
function ver(major: number, minor: number, patch: number, pre: readonly string[] = []): NpmVersion {
  if (major > Number.MAX_SAFE_INTEGER || minor > Number.MAX_SAFE_INTEGER || patch > Number.MAX_SAFE_INTEGER) {
    throw new Bad('version number exceeds 2^53-1', true);
  }
  // Numeric identifiers lose leading zeros, as when node-semver re-parses the desugared text.
  const prerelease = pre.map((id) => (allDigits(id) ? id.replace(/^0+(?=.)/, '') : id));
  return { major, minor, patch, prerelease, build: [] };
}

const ANY: NpmComparator = { op: '', version: null };
const Z = ['0'];

/** Desugars one `op partial` token into comparators (node-semver's replaceCaret/Tilde/XRange). */
function desugar(op: string, p: Partial, o: NpmOptions): NpmComparator[] {
  const [sM, sm, sp] = p.ids;
  const M = Number(sM);
  const m = Number(sm);
  const pt = Number(sp);
  const z = o.includePrerelease === true ? Z : [];
  if (op === '^' || op === '~' || op === '~>') {
    if (isX(sM)) return [ANY];
    let lo: NpmVersion;
    let hi: NpmVersion;
    if (isX(sm)) [lo, hi] = [ver(M, 0, 0, z), ver(M + 1, 0, 0, Z)];
    else if (isX(sp)) [lo, hi] = [ver(M, m, 0, z), op !== '^' || sM === '0' ? ver(M, m + 1, 0, Z) : ver(M + 1, 0, 0, Z)];
    else {
      lo = ver(M, m, pt, p.pre);
      if (op !== '^') hi = ver(M, m + 1, 0, Z);
      else hi = sM !== '0' ? ver(M + 1, 0, 0, Z) : sm !== '0' ? ver(M, m + 1, 0, Z) : ver(M, m, pt + 1, Z);
    }
    return [{ op: '>=', version: lo }, { op: '<', version: hi }];
  }
  const gtlt = op === '=' ? '' : (op as NpmComparator['op']);
  if (!isX(sM) && !isX(sm) && !isX(sp)) {
    // A plain comparator: strict mode only allows a single "v" before the number.
    if (o.loose !== true && p.prefix !== '' && p.prefix !== 'v') throw new Bad(`unexpected "${p.prefix}"`);
    return [{ op: gtlt, version: ver(M, m, pt, p.pre) }];
  }
  if (isX(sM)) return [gtlt === '<' || gtlt === '>' ? { op: '<', version: ver(0, 0, 0, Z) } : ANY];
  const xm = isX(sm);
  const mm = xm ? 0 : m;
  if (gtlt === '>') return [{ op: '>=', version: xm ? ver(M + 1, 0, 0, z) : ver(M, mm + 1, 0, z) }];
  if (gtlt === '<=') return [{ op: '<', version: xm ? ver(M + 1, 0, 0, Z) : ver(M, mm + 1, 0, Z) }];
  if (gtlt === '<') return [{ op: '<', version: ver(M, mm, 0, Z) }];
  if (gtlt === '>=') return [{ op: '>=', version: ver(M, mm, 0, z) }];
  return [
    { op: '>=', version: ver(M, mm, 0, z) },
    { op: '<', version: xm ? ver(M + 1, 0, 0, Z) : ver(M, mm + 1, 0, Z) },
  ];
}

/** node-semver's hyphenReplace for `from - to`. */
function hyphen(from: Partial, to: Partial, o: NpmOptions): NpmComparator[] {
  const z = o.includePrerelease === true ? Z : [];
  const out: NpmComparator[] = [];
  const [fM, fm, fp] = from.ids;
  if (isX(fM)) out.push(ANY);
  else if (isX(fm) || isX(fp)) out.push({ op: '>=', version: ver(Number(fM), isX(fm) ? 0 : Number(fm), 0, z) });
  else out.push(...desugar('>=', from.pre.length > 0 ? from : { ...from, pre: z }, o));
  const [tM, tm, tp] = to.ids;
  if (isX(tM)) out.push(ANY);
  else if (isX(tm)) out.push({ op: '<', version: ver(Number(tM) + 1, 0, 0, Z) });
  else if (isX(tp)) out.push({ op: '<', version: ver(Number(tM), Number(tm) + 1, 0, Z) });
  else if (to.pre.length > 0) out.push({ op: '<=', version: ver(Number(tM), Number(tm), Number(tp), to.pre) });
  else if (o.includePrerelease === true) out.push({ op: '<', version: ver(Number(tM), Number(tm), Number(tp) + 1, Z) });
  else out.push(...desugar('<=', to, o));
  return out;
}

const isNullSet = (c: NpmComparator): boolean =>
  c.op === '<' && c.version !== null && c.version.major === 0 && c.version.minor === 0 && c.version.patch === 0 && c.version.prerelease.length === 1 && c.version.prerelease[0] === '0';

/** `>=0.0.0` (or `>=0.0.0-0` with includePrerelease) means any version (replaceGTE0). */
function gte0(c: NpmComparator, o: NpmOptions): NpmComparator {
  const v = c.version;
  if (c.op !== '>=' || v === null || v.major !== 0 || v.minor !== 0 || v.patch !== 0) return c;
  const pre = v.prerelease;
  return (o.includePrerelease === true ? pre.length === 1 && pre[0] === '0' : pre.length === 0) ? ANY : c;
}

/**
 * Splits `from - to` (node-semver's HYPHENRANGE). As there, the `[v=]` prefix of each side may
 * contain spaces; a full version written that way is rejected (node-semver would re-split it).
 */
function hyphenSides(alt: string, loose: boolean): [Partial, Partial] | null {
  const t = alt.trim();
  const idx = t.indexOf(' - ');
  if (idx < 0) return null;
  const sides: Partial[] = [];
  for (const side of [t.slice(0, idx), t.slice(idx + 3)]) {
    let i = 0;
    while (side[i] === 'v' || side[i] === '=' || side[i] === ' ') i++;
    const head = side.slice(0, i);
    const rest = side.slice(i);
    if (rest === '' || rest.includes(' ')) return null;
    const p = parsePartial(head.replaceAll(' ', '') + rest, loose);
    if (p === null) return null;
    if (head.includes(' ') && p.ids.length === 3 && !p.ids.some(isX)) throw new Bad('space inside a version prefix');
    sides.push(p);
  }
  return [sides[0] as Partial, sides[1] as Partial];
}

/**
 * One whitespace-free comparator word, as node-semver's parseComparator + Comparator: caret, tilde
 * and x-range forms desugar; anything else must be a plain `<op>version` (after node-semver's
 * removal of the first `*`, `>*`, `<=*`...).
 */
function wordComparators(w: string, o: NpmOptions): NpmComparator[] {
  if (w === '') return [ANY];
  const loose = o.loose === true;
  const opLen = w.startsWith('~>') ? 2 : w[0] === '~' || w[0] === '^' ? 1 : (/^[<>]?=?/.exec(w)?.[0].length ?? 0);
  const op = w.slice(0, opLen);
  const p = parsePartial(w.slice(opLen), loose);
  if (p !== null && !((op === '' || op[0] === '<' || op[0] === '>' || op === '=') && invalidOrder(p))) {
    if (op[0] === '~' || op === '^' || p.ids.length < 3 || p.ids.some(isX)) return desugar(op, p, o);
  }
  // Not a caret/tilde/x-range: node-semver drops the first star (with its operator) and then
  // needs a plain comparator.
  const plain = w.replace(/[<>]?=?\*/, '');
  if (plain === '') return [ANY];
  const gl = /^[<>]?=?/.exec(plain)?.[0].length ?? 0;
  const full = parsePartial(plain.slice(gl), loose);
  if (full === null || full.ids.length < 3 || full.ids.some(isX)) throw new Bad(`invalid comparator ${JSON.stringify(w)}`);
  return desugar(plain.slice(0, gl), full, o);
}

/** Parses one `||` alternative; an empty result means "drop this alternative" (loose mode). */
function parseAlternative(alt: string, o: NpmOptions): NpmComparator[] {
  const loose = o.loose === true;
  let comps: NpmComparator[] = [];
  const h = hyphenSides(alt, loose);
  if (h) comps = hyphen(h[0], h[1], o);
  else {
    const words = normalizeAlternative(alt).split(' ');
    words.forEach((w, k) => {
      try {
        const d = wordComparators(w, o);
        // node-semver joins the desugared words with spaces and re-splits them, which loses an
        // "any" in the middle; it only matters when loose mode has dropped everything else.
        if (d.length > 1 || d[0] !== ANY || k === 0 || k === words.length - 1) comps.push(...d);
      } catch (e) {
        if (!(e instanceof Bad) || !loose || e.fatal) throw e;
      }
    });
    if (comps.length === 0) return [];
  }
  comps = comps.map((c) => gte0(c, o));
  const nul = comps.find(isNullSet);
  if (nul) return [nul];
  const rest = comps.filter((c) => c.version !== null);
  return rest.length > 0 ? rest : [ANY];
}

/** Parses an npm range like `new Range(range, options)`; throws InvalidRangeError. */
export function parseRange(range: string, options: NpmOptions = {}): NpmRange {
  const raw = range.trim().replace(/\s+/g, ' ');
  let set: NpmComparator[][];
  try {
    set = raw
      .split('||')
      // As in node-semver: trim, then strip build metadata (which may leave an edge space).
      .map((alt) => parseAlternative(stripBuild(alt.trim()), options))
      .filter((c) => c.length > 0);
  } catch (e) {
    if (e instanceof Bad) throw new InvalidRangeError(SCHEME, range, e.message);
    throw e;
  }
  if (set.length === 0) throw new InvalidRangeError(SCHEME, range, 'no valid comparator');
  if (set.length > 1) {
    const kept = set.filter((c) => !(c[0] !== undefined && isNullSet(c[0])));
    set = kept.length === 0 ? set.slice(0, 1) : kept;
    const any = set.find((c) => c.length === 1 && c[0]?.version === null);
    if (set.length > 1 && any) set = [any];
  }
  return { set, includePrerelease: options.includePrerelease === true };
}

function test(c: NpmComparator, v: NpmVersion): boolean {
  if (c.version === null) return true;
  const r = compareNpmParsed(v, c.version);
  return c.op === '' ? r === 0 : c.op === '<' ? r < 0 : c.op === '<=' ? r <= 0 : c.op === '>' ? r > 0 : r >= 0;
}

/** node-semver's testSet: every comparator holds, and pre-releases need an explicit opt-in. */
function testSet(set: readonly NpmComparator[], v: NpmVersion, includePrerelease: boolean): boolean {
  if (!set.every((c) => test(c, v))) return false;
  if (v.prerelease.length === 0 || includePrerelease) return true;
  return set.some((c) => c.version !== null && c.version.prerelease.length > 0 && c.version.major === v.major && c.version.minor === v.minor && c.version.patch === v.patch);
}

/** True when the parsed version matches the parsed range. */
export function rangeTest(range: NpmRange, v: NpmVersion): boolean {
  return range.set.some((set) => testSet(set, v, range.includePrerelease));
}

/** node-semver's `satisfies(version, range, options)`, throwing on an invalid version or range. */
export function satisfies(version: string, range: string, options: NpmOptions = {}): boolean {
  return rangeTest(parseRange(range, options), parseNpm(version, options));
}
