/** The contract every version scheme implements (one module per scheme, registered in index.ts). */

/** Result of a comparison: a < b, a == b, a > b. */
export type Ordering = -1 | 0 | 1;

/**
 * A version comparator for one ecosystem. `parse` throws InvalidVersionError exactly for a version
 * the ecosystem's own tool refuses (dpkg exits 2, packaging raises InvalidVersion, ...), and accepts
 * what that tool compares, even with a warning; `compare` parses both sides (so it throws too);
 * `compareParsed` lets a hot loop parse each string once and compare the parsed forms many times;
 * `warnings` says what is odd about an accepted version.
 */
export interface Comparator<P = unknown> {
  readonly scheme: string;
  /** Parses (and validates) one version; throws InvalidVersionError. */
  parse(v: string): P;
  /** Orders two version strings; throws InvalidVersionError if either is invalid. */
  compare(a: string, b: string): Ordering;
  /** Orders two already-parsed versions. */
  compareParsed(a: P, b: P): Ordering;
  /** True when `parse` would accept the version. */
  valid(v: string): boolean;
  /**
   * What the ecosystem's own tool warns about in a version it accepts (dpkg's "invalid character in
   * version number"), or what airfeed finds odd in one it compares anyway (surrounding spaces,
   * non-ASCII letters); empty for an ordinary version. Throws InvalidVersionError, as `parse` does,
   * for a version the tool itself refuses. Kept apart from `parse` so compare stays allocation-free.
   */
  warnings(v: string): readonly string[];
}
