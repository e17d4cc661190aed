/**
 * Table-driven check of every comparator against the upstream reference vectors in
 * ../shared/vercmp (see its README.md and SOURCES.md). Each line is one case; a failing chunk lists
 * every failing line with file, line number, both versions, the expectation and what we got.
 *
 * Where the README decides between implementations, the test encodes the decision:
 * - invalid input is "reported invalid" (InvalidVersionError), never ordered: Go's x/mod fallback
 *   lines, apk-tools' own invalid examples, node-semver's unparseable versions;
 * - apk follows apk-tools 2 (apk2.tsv); the v3-only lines of apk.tsv/apk3.tsv must NOT follow v3;
 * - Maven follows 3.9 (maven.tsv); the Maven-4-only lines that order qualifiers differently, or
 *   read a non-ASCII digit as a letter, are checked against Maven 3's answer (asked of Maven 3's
 *   own ComparableVersion with scripts/vercmp-oracle.ts);
 * - crates: Rust's total order (build tie-break) is `compareTotal`; `compare` is SemVer precedence.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTotal } from '../../drivers/_framework/versions/crates.ts';
import { COMPARATORS, InvalidVersionError } from '../../drivers/_framework/versions/index.ts';
import type { SchemeName } from '../../drivers/_framework/versions/index.ts';
import { compareNpm, parseNpm, satisfies } from '../../drivers/_framework/versions/semver.ts';
import { skipUnless } from '../helpers/skip.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const VECTORS = path.resolve(REPO_ROOT, '../shared/vercmp');
const VECTORS_SHOWN = path.relative(REPO_ROOT, VECTORS);
const CHUNK = 250;

interface Line {
  readonly file: string;
  readonly no: number;
  readonly fields: readonly string[];
}

/** Reads a .tsv: tab-separated fields, spaces significant, `#` lines are comments. */
function readTsv(file: string): Line[] {
  const text = fs.readFileSync(path.join(VECTORS, file), 'utf8');
  const out: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || line.startsWith('#')) return;
    out.push({ file, no: i + 1, fields: line.split('\t') });
  });
  return out;
}

/** Runs `fn` and returns its result, or "invalid" when it throws InvalidVersionError. */
function attempt<T>(fn: () => T): T | 'invalid' {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InvalidVersionError) return 'invalid';
    throw e;
  }
}

/** A check returns null when the line passes, or a description of what went wrong. */
type Check = (line: Line) => string | null;

function show(line: Line, got: unknown): string {
  const [a, b, e] = line.fields;
  return `${line.file}:${line.no} ${JSON.stringify(a)} vs ${JSON.stringify(b)}: expected ${e}, got ${String(got)}`;
}

/** Plain ordering: compare(a, b) must equal the expectation. */
function ordering(scheme: SchemeName): Check {
  return (line) => {
    const [a = '', b = '', e] = line.fields;
    const got = attempt(() => COMPARATORS[scheme].compare(a, b));
    return got === Number(e) ? null : show(line, got);
  };
}

/** Registers one describe per file with chunked cases. */
function table(file: string, check: Check, note = ''): void {
  const present = fs.existsSync(path.join(VECTORS, file));
  const lines = present ? readTsv(file) : [];
  describe(present ? `${file} (${lines.length} cases${note})` : file, skipUnless(present, `${file} is not in ${VECTORS_SHOWN}`), () => {
    for (let i = 0; i < lines.length; i += CHUNK) {
      const chunk = lines.slice(i, i + CHUNK);
      const first = chunk[0]?.no ?? 0;
      const last = chunk[chunk.length - 1]?.no ?? 0;
      it(`lines ${first}-${last}`, () => {
        const failures = chunk.map(check).filter((f): f is string => f !== null);
        expect(failures).toEqual([]);
      });
    }
  });
}

// apk-tools' version.data marks these as invalid ("# invalid. do string sort"): its validator
// rejects an unknown suffix (`_foo`) and a second letter (`bc`); airfeed reports them.
const APK_INVALID = new Set(['23_foo', '1.0bc']);

function apkCheck(v3Only: ReadonlySet<string>): Check {
  return (line) => {
    const [a = '', b = '', e] = line.fields;
    const got = attempt(() => COMPARATORS.apk.compare(a, b));
    if (APK_INVALID.has(a) || APK_INVALID.has(b)) return got === 'invalid' ? null : show(line, `${String(got)} (should be reported invalid)`);
    if (v3Only.has(line.fields.join('\t'))) {
      // Documented apk-tools 3 difference: we follow apk-tools 2, so we must not agree with v3.
      return got !== Number(e) ? null : show(line, `${String(got)} (follows apk-tools 3, not 2)`);
    }
    return got === Number(e) ? null : show(line, got);
  };
}

function keysOf(file: string): Set<string> {
  return fs.existsSync(path.join(VECTORS, file)) ? new Set(readTsv(file).map((l) => l.fields.join('\t'))) : new Set();
}

/** Go: a side x/mod rejects must be reported invalid, and the line must be x/mod's fallback order. */
const goCheck: Check = (line) => {
  const [a = '', b = '', e] = line.fields;
  const va = COMPARATORS.go.valid(a);
  const vb = COMPARATORS.go.valid(b);
  const got = attempt(() => COMPARATORS.go.compare(a, b));
  if (va && vb) return got === Number(e) ? null : show(line, got);
  // x/mod orders invalid below valid and calls two invalid versions equal.
  const fallback = va === vb ? 0 : va ? 1 : -1;
  if (fallback !== Number(e)) return show(line, `validity a=${va} b=${vb} disagrees with x/mod`);
  return got === 'invalid' ? null : show(line, `${String(got)} (should be reported invalid)`);
};

/** semver-loose: ordered with {loose: true}; the strict comparator reports what it cannot parse. */
const looseCheck: Check = (line) => {
  const [a = '', b = '', e] = line.fields;
  const loose = attempt(() => compareNpm(a, b, { loose: true }));
  if (loose !== Number(e)) return show(line, `${String(loose)} (loose)`);
  const strictOk = COMPARATORS.semver.valid(a) && COMPARATORS.semver.valid(b);
  const strict = attempt(() => COMPARATORS.semver.compare(a, b));
  if (strictOk ? strict === Number(e) : strict === 'invalid') return null;
  return show(line, `${String(strict)} (strict)`);
};

/** semver-range: satisfies(version, range, options); an unparseable version is reported invalid. */
const rangeCheck: Check = (line) => {
  const [range = '', version = '', e, json = '{}'] = line.fields;
  const o = JSON.parse(json) as { loose?: unknown; includePrerelease?: unknown };
  const options = { loose: Boolean(o.loose), includePrerelease: Boolean(o.includePrerelease) };
  const got = attempt(() => satisfies(version, range, options));
  const show2 = (g: unknown): string =>
    `${line.file}:${line.no} ${JSON.stringify(version)} in ${JSON.stringify(range)} ${json}: expected ${e}, got ${String(g)}`;
  if (attempt(() => parseNpm(version, options)) === 'invalid') {
    // node-semver's satisfies() answers false for a version it cannot parse; we report it.
    return e === '0' && got === 'invalid' ? null : show2(got);
  }
  return got === (e === '1') ? null : show2(got);
};

/** crates: Rust's Ord (compareTotal) is what the vectors assert; compare() ignores build metadata. */
const cratesCheck: Check = (line) => {
  const [a = '', b = '', e] = line.fields;
  const total = attempt(() => compareTotal(a, b));
  if (total !== Number(e)) return show(line, `${String(total)} (compareTotal)`);
  const precedence = attempt(() => COMPARATORS.crates.compare(a, b));
  const sameButBuild = a.split('+')[0] === b.split('+')[0];
  const want = sameButBuild ? 0 : Number(e);
  return precedence === want ? null : show(line, `${String(precedence)} (compare, want ${want})`);
};

// Maven 4 orders these qualifiers differently; Maven 3.9 (our reference) says `>`. Maven 4 also
// reads the Arabic-Indic digit ٨ as a letter; Maven 3 (Character.isDigit) reads it as 8.
const MAVEN4_DIFFERENT = new Map([
  ['1.0.final-redhat\t1.0-sp1-redhat\t-1', 1],
  ['1.0.final-redhat\t1.0-sp-1-redhat\t-1', 1],
  ['1.0.final-redhat\t1.0-sp.1-redhat\t-1', 1],
  ['1\t٨\t1', -1],
  ['٨\t1\t-1', 1],
]);

function maven4Check(maven39: ReadonlySet<string>): Check {
  const plain = ordering('maven');
  return (line) => {
    const key = line.fields.join('\t');
    if (maven39.has(key)) return plain(line);
    const [a = '', b = ''] = line.fields;
    const got = attempt(() => COMPARATORS.maven.compare(a, b));
    const diff = MAVEN4_DIFFERENT.get(key);
    if (diff !== undefined) return got === diff ? null : show(line, `${String(got)} (Maven 3.9 says ${diff})`);
    return plain(line);
  };
}

const vectorsPresent = fs.existsSync(VECTORS);
if (!vectorsPresent) {
  describe('reference vectors', skipUnless(vectorsPresent, `${VECTORS_SHOWN} is absent, as in a fresh clone`), () => undefined);
} else {
  const handled = new Set<string>();
  const register = (file: string, check: Check, note = ''): void => {
    handled.add(file);
    table(file, check, note);
  };
  describe('vector folder', () => {
    it('has a table for every .tsv file in it', () => {
      const files = fs.readdirSync(VECTORS).filter((f) => f.endsWith('.tsv'));
      expect(files.filter((f) => !handled.has(f))).toEqual([]);
    });
  });
  const apk2 = keysOf('apk2.tsv');
  const v3Only = new Set([...keysOf('apk3.tsv')].filter((k) => !apk2.has(k)));
  describe('apk-tools 3-only lines', () => {
    it('are the five documented differences', () => {
      expect(apk2.size === 0 || v3Only.size === 5).toBe(true);
    });
  });
  register('apk.tsv', apkCheck(v3Only), ', apk-tools 2 semantics');
  register('apk2.tsv', apkCheck(v3Only));
  register('apk3.tsv', apkCheck(v3Only), ', apk-tools 2 semantics');
  register('crates.tsv', cratesCheck);
  register('dpkg.tsv', ordering('dpkg'));
  register('gem.tsv', ordering('gem'));
  register('go.tsv', goCheck);
  register('maven-3.8.tsv', ordering('maven'));
  register('maven.tsv', ordering('maven'));
  register('maven4.tsv', maven4Check(keysOf('maven.tsv')), ', Maven 3.9 semantics');
  register('nuget.tsv', ordering('nuget'));
  register('pep440.tsv', ordering('pep440'));
  register('rpm.tsv', ordering('rpm'));
  register('semver-loose.tsv', looseCheck);
  register('semver-range.tsv', rangeCheck);
  register('semver.tsv', ordering('semver'));
}
