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
