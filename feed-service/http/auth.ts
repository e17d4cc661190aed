/**
 * Bearer tokens for administration, and optionally for reads. Tokens are compared as sha256 digests
 * with crypto.timingSafeEqual against every configured token (no early exit), so neither the
 * content nor the length of a configured token leaks through response timing.
 *
 * The operations routes (/metrics, /openapi.json, /docs) have an access level of their own
 * (AIRFEED_METRICS_ACCESS, AIRFEED_DOCS_ACCESS): `anonymous`, `read` (as /v1 and /v2: a token once
 * read tokens are configured) or `admin`. A token for them may come as Bearer or as the password of
 * HTTP Basic, which is what Prometheus (`basic_auth`) and a browser opening /docs can send; the
 * admin API itself takes Bearer only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { Access, AuthConfig } from './config.ts';

/** A set of secrets that answers membership in constant time per configured token. */
export class TokenSet {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map((t) => digest(t));
  }

  /** True when `token` is one of the configured tokens. */
  has(token: string): boolean {
    const d = digest(token);
    let found = false;
    for (const known of this.digests) found = timingSafeEqual(d, known) || found;
    return found;
  }

  get size(): number {
    return this.digests.length;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

interface Credentials {
  scheme: 'bearer' | 'basic';
  token: string;
}

/** The token of an `Authorization` header: a Bearer token, or the password of HTTP Basic. */
function credentials(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (!m?.[1] || !m[2]) return undefined;
  const scheme = m[1].toLowerCase();
  if (scheme === 'bearer') return { scheme, token: m[2] };
  if (scheme === 'basic') {
    const decoded = Buffer.from(m[2], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return { scheme, token: colon === -1 ? decoded : decoded.slice(colon + 1) };
  }
  return undefined;
}

export interface Auth {
  /** Throws UNAUTHORIZED without a bearer token, FORBIDDEN with one that is not an admin token. */
  requireAdmin(request: FastifyRequest): void;
  /** Anonymous unless read tokens are configured; then a read or admin token (Bearer or Basic password). */
  requireRead(request: FastifyRequest): void;
  /** The check of an access level: nothing, requireRead, or an admin token (Bearer or Basic password). */
  require(request: FastifyRequest, access: Access): void;
  /** True when the request carries an admin token (Bearer): it may see details anonymous callers do not. */
  isAdmin(request: FastifyRequest): boolean;
  readonly readsAnonymous: boolean;
}

/** Builds the checks for `config`. */
export function createAuth(config: AuthConfig): Auth {
  const admin = new TokenSet(config.adminTokens);
  const read = config.readTokens === undefined ? undefined : new TokenSet(config.readTokens);
  const requireRead = (request: FastifyRequest): void => {
    if (read === undefined) return;
    const c = credentials(request.headers.authorization);
    if (!c) {
      throw new AirfeedError('UNAUTHORIZED', 'reads need a token on this service: send `Authorization: Bearer <token>` or HTTP Basic with the token as password', {
        details: { challenge: 'Bearer realm="airfeed", Basic realm="airfeed"' },
      });
    }
    if (!(read.has(c.token) || admin.has(c.token))) throw new AirfeedError('FORBIDDEN', 'the token is not a read token');
  };
  const requireAdminToken = (request: FastifyRequest): void => {
    const c = credentials(request.headers.authorization);
    if (!c) {
      throw new AirfeedError('UNAUTHORIZED', 'this call needs an admin token: send `Authorization: Bearer <token>` or HTTP Basic with the token as password', {
        details: { challenge: 'Bearer realm="airfeed-admin", Basic realm="airfeed-admin"' },
      });
    }
    if (!admin.has(c.token)) throw new AirfeedError('FORBIDDEN', 'the token is not an admin token');
  };
  return {
    readsAnonymous: read === undefined,
    isAdmin(request) {
      const c = credentials(request.headers.authorization);
      return c?.scheme === 'bearer' && admin.size > 0 && admin.has(c.token);
    },
    require(request, access) {
      if (access === 'read') requireRead(request);
      else if (access === 'admin') requireAdminToken(request);
    },
    requireAdmin(request) {
      const c = credentials(request.headers.authorization);
      if (c?.scheme !== 'bearer') {
        throw new AirfeedError('UNAUTHORIZED', 'this administration call needs a bearer token: send `Authorization: Bearer <token>`', {
          details: { challenge: 'Bearer realm="airfeed-admin"' },
        });
      }
      if (admin.size === 0 || !admin.has(c.token)) {
        throw new AirfeedError('FORBIDDEN', admin.size === 0
          ? 'administration is disabled: no admin token is configured (AIRFEED_ADMIN_TOKENS or AIRFEED_ADMIN_TOKENS_FILE)'
          : 'the bearer token is not an admin token');
      }
    },
    requireRead,
  };
}
