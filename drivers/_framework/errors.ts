/**
 * The one error catalogue: every error airfeed raises on purpose carries a stable code from here.
 * The HTTP error handler maps codes to statuses; the CLI prints `message` and `hint` and exits non-zero.
 *
 * A hint says what to do next, and what to do depends on where the error is read: `airfeed` users
 * have its flags and DATABASE_URL, `airfeed-engine` users have theirs (AIRFEED_ENGINE_*), and an HTTP
 * client has neither, only routes and query parameters. So a hint is either one text for everyone,
 * or a `default` with texts per audience; the reporter (CLI) and the error handler (HTTP) ask for
 * their audience's. An error that knows better than its code (a dpkg input needs `--distro debian:12`,
 * not `alpine:3.20`) carries its own hint, in the same shape. test/drivers/error-catalogue.test.ts
 * checks every hint names only flags, commands and variables its audience has.
 */

/** Who reads an error: a user of one of the two command lines, or an HTTP client of the feed service. */
export type Audience = 'airfeed' | 'airfeed-engine' | 'http';

/** What to do next: one text, or a default with texts for the audiences it does not fit. */
export type Hint = string | ({ default: string } & Partial<Record<Audience, string>>);

/** The text of `hint` for `audience`. */
export function hintFor(hint: Hint, audience: Audience): string {
  return typeof hint === 'string' ? hint : (hint[audience] ?? hint.default);
}

export const ERROR_CODES = {
  CONFIG_INVALID: { status: 500, hint: 'Check the environment variables and flags named in the message.' },
  DB_UNAVAILABLE: {
    status: 503,
    hint: {
      default: 'Check DATABASE_URL, or unset it to use the embedded PostgreSQL under AIRFEED_HOME.',
      'airfeed-engine': 'Check AIRFEED_ENGINE_DATABASE_URL, or unset it to use the embedded PostgreSQL under AIRFEED_ENGINE_HOME.',
      http: 'The service cannot reach its database right now; try again later (its operator finds the cause in the service log).',
    },
  },
  DB_MIGRATION_FAILED: {
    status: 500,
    hint: {
      default: 'The database was left at the last applied migration; fix the cause and run `airfeed db migrate`.',
      'airfeed-engine': 'The database was left at the last applied migration; fix the cause and run `airfeed-engine db migrate`.',
      http: 'The service database is not ready; try again later (its operator finds the cause in the service log).',
    },
  },
  DRIVER_UNKNOWN: { status: 404, hint: { default: 'Run `airfeed drivers` to list the known drivers.', http: 'GET /v2/admin/drivers lists the drivers of this service.' } },
  DRIVER_LOCKED: {
    status: 409,
    hint: {
      default: 'Another process is syncing this driver; wait for it to finish, or pass --wait.',
      http: 'A sync of this driver is running; retry when it has finished (GET /v2/admin/runs shows it). A bundle upload can wait for it instead: POST /v2/bundles?wait=true.',
    },
  },
  SOURCE_UNREACHABLE: {
    status: 502,
    hint: {
      default: 'Check the network path to the source, or pass --source <dir> with a local mirror.',
      'airfeed-engine': 'Check that the feed service at --from is running and reachable from here (or import a bundle instead).',
    },
  },
  SOURCE_HTTP_ERROR: {
    status: 502,
    hint: {
      default: 'The upstream answered with an error; try again later or use a local mirror.',
      'airfeed-engine': 'The feed service answered with an error: check the --from URL, and --token if the service requires one.',
    },
  },
  SOURCE_INVALID: {
    status: 502,
    hint: 'The upstream data is malformed or truncated; the previous data is still served. Re-fetch, or fix the mirror file named.',
  },
  RECORD_INVALID: {
    status: 500,
    hint: {
      default:
        'A record breaks the record schema (the message names where it came from — driver and file, or stored record — with its id and field); nothing of it was written and the previous data is still served. Report it with the message.',
      http: 'A stored record could not be read; its operator finds the record named in the service log.',
    },
  },
  DRIVER_CONTRACT: {
    status: 500,
    hint: 'A driver broke its contract (the message says how); nothing of the affected group or state was written. Report it with the message.',
  },
  GROUP_UNKNOWN: {
    status: 404,
    hint: { default: 'Run `airfeed groups list` to see the groups.', http: 'GET /v2/groups lists the groups served here (GET /v2/admin/groups also the disabled ones).' },
  },
  FEED_UNKNOWN: {
    status: 404,
    hint: { default: 'Run `airfeed groups list` to see the feeds.', http: 'GET /v1/service/feeds (or /v2/feeds) lists the feeds served here.' },
  },
  APPLY_FAILED: { status: 500, hint: 'The group was rolled back; the previous data is still served.' },
  INPUT_INVALID: { status: 400, hint: 'Fix the parameter named in the message.' },
  FILE_UNUSABLE: { status: 400, hint: 'Check the path named: the message says what is wrong with it.' },
  LISTEN_FAILED: { status: 500, hint: 'Choose another address with --port and --host (or AIRFEED_PORT and AIRFEED_HOST).' },
  UNAUTHORIZED: { status: 401, hint: 'Send a token: `Authorization: Bearer <token>` (the service operator gives them out).' },
  FORBIDDEN: { status: 403, hint: 'The token was not accepted for this call; check it against the configured tokens.' },
  NOT_FOUND: { status: 404, hint: 'Check the path; the OpenAPI document at /openapi.json (Swagger UI at /docs) lists every route.' },
  UNAVAILABLE: { status: 503, hint: 'The service cannot do this right now; the message says why. Try again later.' },
  BUNDLE_INVALID: {
    status: 400,
    hint: {
      default: 'The bundle is damaged or was altered; nothing was imported. Copy it again from the exporting side and check it with `airfeed bundle verify`.',
      'airfeed-engine': 'The bundle is damaged or was altered; nothing was imported. Copy it again from the exporting side.',
      http: 'The bundle is damaged or was altered; nothing was imported. Copy it again from the exporting side and upload it again.',
    },
  },
  BUNDLE_UNTRUSTED: {
    status: 400,
    hint: {
      default: "Nothing was imported. Trust the producer's public key (--trust <file|dir>, or put it in the trusted-keys directory) only if you know it is theirs; otherwise get a bundle signed by a trusted key.",
      http: "Nothing was imported. This service accepts bundles signed by the keys its operator trusts: get a bundle signed by one of them, or ask the operator to trust the producer's public key.",
    },
  },
  BUNDLE_UNSUPPORTED: { status: 400, hint: "Nothing was imported. Upgrade airfeed on this side, or export the bundle with the version this side runs." },
  BUNDLE_OUT_OF_ORDER: {
    status: 409,
    hint: {
      default: "Nothing was imported. Import the bundle the message names first (or a newer full bundle); pass --allow-downgrade only to roll back on purpose.",
      http: "Nothing was imported. Upload the bundle the message names first (or a newer full bundle); add allow_downgrade=true to the query only to roll back on purpose.",
    },
  },
  BUNDLE_EXPIRED: {
    status: 400,
    hint: {
      default: "Nothing was imported. Get a newer bundle from the exporting side, or pass --allow-expired to use this one anyway.",
      http: "Nothing was imported. Get a newer bundle from the exporting side, or add allow_expired=true to the query to use this one anyway.",
    },
  },
  SCAN_INPUT_INVALID: {
    status: 400,
    hint: 'Fix or regenerate the input file named (the message gives the line or JSON path), or pass --input-format to say what it is.',
  },
  SCAN_DISTRO_UNKNOWN: {
    status: 400,
    hint: "Say which distro release the packages come from: --distro <id>:<release> (alpine:3.20, debian:12, ubuntu:22.04, rhel:9), or --os-release <file> with the scanned system's /etc/os-release.",
  },
  ENGINE_SOURCE_INVALID: {
    status: 502,
    hint: 'The feed service sent data the engine cannot use; nothing was changed for that group. Check the --from URL points at an airfeed or Anchore feed service.',
  },
  ENGINE_DB_EMPTY: { status: 503, hint: 'The engine has no vulnerability data yet: run `airfeed-engine sync --from <url>` or `airfeed-engine import <bundle.tar>`.' },
  POLICY_INVALID: { status: 400, hint: 'Fix the policy file named (the message gives the field); see the README section "Policy".' },
  VERSION_INVALID: { status: 400, hint: 'Check the version strings against the scheme named; `airfeed-engine versions compare --help` lists the schemes.' },
  OUTPUT_FAILED: {
    status: 500,
    hint: 'Building an output (the grype database) failed at the step named; the previous build is still served. Fix the cause and run `airfeed export grype` or wait for the next sync.',
  },
  NAME_UNMAPPED: {
    status: 400,
    hint: {
      default: 'The names table (drivers/_framework/names.ts) has no entry for that distro, ecosystem, group or feed; the message names the entry to add. Upgrade airfeed, or add it.',
      'airfeed-engine': 'This engine does not know that distro or package kind: pass --distro with one it knows (e.g. alpine:3.20 or debian:12), or upgrade airfeed-engine.',
      http: 'This service cannot show that group or feed in the format asked for; its operator finds the details in the service log.',
    },
  },
  KEY_INVALID: {
    status: 400,
    hint: {
      default: 'Check the key file named: it must be an Ed25519 key in PEM, as written by `airfeed keys generate`.',
      'airfeed-engine': "Check the key file named: it must be an Ed25519 public key in PEM (the producer's .pub.pem file).",
      http: 'A key this service was configured with cannot be used; its operator finds the details in the service log.',
    },
  },
} as const satisfies Record<string, { status: number; hint: Hint }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An expected failure with a stable code, a message naming the thing and what is wrong, and a cause. */
export class AirfeedError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  /** This error's own hint, when it knows better than its code's. */
  readonly ownHint: Hint | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown>; hint?: Hint } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AirfeedError';
    this.code = code;
    this.details = options.details ?? {};
    this.ownHint = options.hint;
  }

  /** What the user should do next, for the default audience (logs, library callers). */
  get hint(): string {
    return hintFor(this.ownHint ?? ERROR_CODES[this.code].hint, 'airfeed');
  }

  /** What `audience` should do next: the error's own hint, else its code's. */
  hintFor(audience: Audience): string {
    return hintFor(this.ownHint ?? ERROR_CODES[this.code].hint, audience);
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

/**
 * Error codes meaning the database went away or cannot be reached, as the drivers report them:
 * socket errors, porsager's own (`CONNECTION_CLOSED`, …) and PostgreSQL's admin shutdown (57P01)
 * and "cannot connect now" (57P03). Both error outputs (the HTTP error handler and the CLI) answer
 * them as DB_UNAVAILABLE rather than as an unexpected error.
 */
const DATABASE_DOWN_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P03',
]);

/** The code of `err` when it says the database is down or unreachable (see DATABASE_DOWN_CODES), else null. */
export function databaseDownCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DATABASE_DOWN_CODES.has(code) ? code : null;
}
