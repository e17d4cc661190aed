/**
 * Errors raised by the version comparators. A version (or range) that a scheme cannot parse is
 * reported, never silently ordered: a guessed order would turn into a wrong "affected / fixed"
 * verdict in the engine.
 */

/** A version string the named scheme rejects; `reason` says which rule it breaks. */
export class InvalidVersionError extends Error {
  readonly scheme: string;
  readonly version: string;
  readonly reason: string;

  /** Builds the message `<scheme>: "<version>" is not a valid version: <reason>`. */
  constructor(scheme: string, version: string, reason: string, what = 'version') {
    super(`${scheme}: ${JSON.stringify(version)} is not a valid ${what}: ${reason}`);
    this.name = 'InvalidVersionError';
    this.scheme = scheme;
    this.version = version;
    this.reason = reason;
  }
}

/** A range expression (npm `^1.2.3 || 2.x`) the scheme rejects; `version` holds the range text. */
export class InvalidRangeError extends InvalidVersionError {
  /** Builds the message `<scheme>: "<range>" is not a valid range: <reason>`. */
  constructor(scheme: string, range: string, reason: string) {
    super(scheme, range, reason, 'range');
    this.name = 'InvalidRangeError';
  }
}

/** A scheme name that has no comparator; the message lists the known ones. */
export class UnknownSchemeError extends Error {
  readonly scheme: string;

  /** Builds the message naming the unknown scheme and every valid one. */
  constructor(scheme: string, known: readonly string[]) {
    super(`unknown version scheme ${JSON.stringify(scheme)}; valid schemes: ${known.join(', ')}`);
    this.name = 'UnknownSchemeError';
    this.scheme = scheme;
  }
}

/** Turns a throwing parser into a `valid()` predicate (true when the parser accepts the input). */
export function acceptedBy(parse: (v: string) => unknown): (v: string) => boolean {
  return (v) => {
    try {
      parse(v);
      return true;
    } catch (e) {
      if (e instanceof InvalidVersionError) return false;
      throw e;
    }
  };
}

/** The shared empty warning list (most versions have none). */
export const NO_WARNINGS: readonly string[] = Object.freeze([]);

/** A warning as one line of text: `<scheme>: "<version>": <warning>`. */
export function describeWarning(scheme: string, version: string, warning: string): string {
  return `${scheme}: ${JSON.stringify(version)}: ${warning}`;
}

/** `warnings` for a scheme whose accepted versions are never odd: validates, then reports nothing. */
export function parsedWithoutWarnings(parse: (v: string) => unknown): (v: string) => readonly string[] {
  return (v) => {
    parse(v);
    return NO_WARNINGS;
  };
}
