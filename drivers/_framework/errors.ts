/**
 * The one error catalogue: every error airfeed raises on purpose carries a stable code from here.
 * The HTTP error handler maps codes to statuses; the CLI prints `message` and `hint` and exits non-zero.
 */

export const ERROR_CODES = {
  CONFIG_INVALID: { status: 500, hint: 'Check the environment variables and flags named in the message.' },
  DB_UNAVAILABLE: {
    status: 503,
    hint: 'Check DATABASE_URL, or unset it to use the embedded PostgreSQL under AIRFEED_HOME.',
  },
  DB_MIGRATION_FAILED: { status: 500, hint: 'The database was left at the last applied migration; fix the cause and run `airfeed db migrate`.' },
  DRIVER_UNKNOWN: { status: 404, hint: 'Run `airfeed drivers` to list the known drivers.' },
  DRIVER_LOCKED: {
    status: 409,
    hint: 'Another process is syncing this driver; wait for it to finish, or pass --wait.',
  },
  SOURCE_UNREACHABLE: { status: 502, hint: 'Check the network path to the source, or pass --source <dir> with a local mirror.' },
  SOURCE_HTTP_ERROR: { status: 502, hint: 'The upstream answered with an error; try again later or use a local mirror.' },
  SOURCE_INVALID: {
    status: 502,
    hint: 'The upstream data is malformed or truncated; the previous data is still served. Re-fetch, or fix the mirror file named.',
  },
  GROUP_UNKNOWN: { status: 404, hint: 'Run `airfeed groups list` to see the groups.' },
  FEED_UNKNOWN: { status: 404, hint: 'Run `airfeed groups list` to see the feeds.' },
  APPLY_FAILED: { status: 500, hint: 'The group was rolled back; the previous data is still served.' },
  INPUT_INVALID: { status: 400, hint: 'Fix the parameter named in the message.' },
  UNAUTHORIZED: { status: 401, hint: 'Send a token: `Authorization: Bearer <token>` (tokens come from AIRFEED_ADMIN_TOKENS or AIRFEED_READ_TOKENS).' },
  FORBIDDEN: { status: 403, hint: 'The token was not accepted for this call; check it against the configured tokens.' },
  NOT_FOUND: { status: 404, hint: 'Check the path; the OpenAPI document at /docs lists every route.' },
  UNAVAILABLE: { status: 503, hint: 'The service cannot do this right now; the message says why. Try again later.' },
  BUNDLE_INVALID: {
    status: 400,
    hint: 'The bundle is damaged or was altered; nothing was imported. Copy it again from the exporting side and check it with `airfeed bundle verify`.',
  },
  BUNDLE_UNTRUSTED: {
    status: 400,
    hint: "Nothing was imported. Trust the producer's public key (--trust <file|dir>, or put it in the trusted-keys directory) only if you know it is theirs; otherwise get a bundle signed by a trusted key.",
  },
  BUNDLE_UNSUPPORTED: { status: 400, hint: 'Nothing was imported. Upgrade airfeed on this side, or export the bundle with the version this side runs.' },
  BUNDLE_OUT_OF_ORDER: {
    status: 409,
    hint: 'Nothing was imported. Import the bundle the message names first (or a newer full bundle); pass --allow-downgrade only to roll back on purpose.',
  },
  BUNDLE_EXPIRED: { status: 400, hint: 'Nothing was imported. Get a newer bundle from the exporting side, or pass --allow-expired to use this one anyway.' },
  SCAN_INPUT_INVALID: {
    status: 400,
    hint: 'Fix or regenerate the input file named (the message gives the line or JSON path), or pass --format to say what it is.',
  },
  SCAN_DISTRO_UNKNOWN: {
    status: 400,
    hint: 'Say which distro and release the packages come from: --distro alpine:3.20 (or --os-release <file>).',
  },
  ENGINE_SOURCE_INVALID: {
    status: 502,
    hint: 'The feed service sent data the engine cannot use; nothing was changed for that group. Check the --from URL points at an airfeed or Anchore feed service.',
  },
  ENGINE_DB_EMPTY: { status: 503, hint: 'The engine has no vulnerability data yet: run `airfeed-engine sync --from <url>` or `airfeed-engine import <bundle.tar>`.' },
  POLICY_INVALID: { status: 400, hint: 'Fix the policy file named (the message gives the field); see the README section "Policy".' },
  VERSION_INVALID: { status: 400, hint: 'Check the version strings against the scheme named; `airfeed-engine versions compare --help` lists the schemes.' },
  RECORD_INVALID: {
    status: 500,
    hint: 'A record does not match the record schema (README.md, "Records"); the message names the record and the field. Nothing was written.',
  },
  NAME_UNMAPPED: {
    status: 400,
    hint: 'This airfeed has no entry for that distro, ecosystem or group in its names table (drivers/_framework/names.ts); the message names the entry to add. Use a known one meanwhile.',
  },
  KEY_INVALID: { status: 400, hint: 'Check the key file named: it must be an Ed25519 key in PEM, as written by `airfeed keys generate`.' },
} as const satisfies Record<string, { status: number; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An expected failure with a stable code, a message naming the thing and what is wrong, and a cause. */
export class AirfeedError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AirfeedError';
    this.code = code;
    this.details = options.details ?? {};
  }

  /** What the user should do next. */
  get hint(): string {
    return ERROR_CODES[this.code].hint;
  }

  /** The HTTP status this error maps to. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/** True when `err` is an AirfeedError, optionally of the given code. */
export function isAirfeedError(err: unknown, code?: ErrorCode): err is AirfeedError {
  return err instanceof AirfeedError && (code === undefined || err.code === code);
}
