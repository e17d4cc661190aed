/**
 * /v2/bundles: import signed offline bundles over HTTP, and the import history. Both need an admin
 * bearer token, checked before anything else (an upload without one is refused before a byte of
 * its body is read). So are the upload's other checks that need no body — Content-Length against
 * the limit, content type and encoding, query names, a trusted key configured — so a client that
 * sent `Expect: 100-continue` gets the refusal instead of `100 Continue` (continue.ts).
 *
 * Answers name no file of the server: the trusted keys are "this service's", named by key id; the
 * spooled upload is `upload.tar`. The paths go to the log.
 *
 * POST streams the body (the bundle tar) to a file in a private directory under the spool
 * directory (never into memory), counting bytes against the size limit; then `importBundle`
 * verifies it completely and applies it in one transaction, exactly as `airfeed bundle import`.
 * The directory is removed afterwards, whatever happened. An upload cut off by the client is never
 * imported: import starts only after the body ended with every byte announced.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { importBundle, type ImportResult } from '../bundles/import.ts';
import { loadTrust, type TrustStore } from '../../bundles/keys.ts';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { listBundleImports } from '../storage/bundles.ts';
import type { Sql } from '../storage/db.ts';
import type { Auth } from './auth.ts';
import { DEFAULT_MAX_BUNDLE_BYTES } from './config.ts';
import { formatBytes, HttpRefusal, spool, tooLarge } from './upload.ts';
import type { OutputsNotifier } from '../outputs/notifier.ts';
import { importResult, importRow, security } from './bundles-schema.ts';

function unsupportedType(header: string | undefined): HttpRefusal {
  const type = String(header ?? '(none)').slice(0, 100);
  return new HttpRefusal(415, 'BUNDLE_MEDIA_TYPE_UNSUPPORTED', `header "content-type": ${type} is not supported; send the bundle file as ${BUNDLE_CONTENT_TYPES.join(' or ')}`);
}

function unsupportedEncoding(encoding: string): HttpRefusal {
  return new HttpRefusal(415, 'BUNDLE_ENCODING_UNSUPPORTED', `header "content-encoding": ${encoding.slice(0, 50)} is not supported; send the bundle file as it is`);
}

export { formatBytes, HttpRefusal } from './upload.ts';

export interface BundleUploadOptions {
  /** Trusted public key files and directories, read for every upload (keys added meanwhile count). */
  trust: readonly string[];
  /** Largest body accepted, in bytes (default 4 GiB). */
  maxBytes?: number | undefined;
  /** Where uploads are spooled (default: the OS temp directory). */
  spoolDir?: string | undefined;
}

export interface BundleRoutesOptions {
  sql: Sql;
  auth: Auth;
  log: Logger;
  /** Without it, uploads answer 503 saying how to configure trust. */
  upload?: BundleUploadOptions | undefined;
  /** Told after an upload was imported. */
  outputs?: OutputsNotifier | undefined;
}

/** The body types an upload may have. */
export const BUNDLE_CONTENT_TYPES = ['application/x-tar', 'application/octet-stream'] as const;
/** The spooled file's name, also what refusal messages and the history call the upload. */
const UPLOAD_NAME = 'upload.tar';
const QUERY_NAMES = ['allow_expired', 'allow_downgrade', 'wait'] as const;
// Said to HTTP clients, who cannot act on it themselves: their operator can.
const TRUST_HELP = "its operator puts the producer's public key (.pub.pem) in the service's trusted-keys directory, or names it in AIRFEED_TRUST";
/** How refusals name the trusted keys to HTTP clients (bundles/verify.ts). */
const TRUST_OWNER = 'this service';

/**
 * The service's trust store from `paths`. A path that does not exist contributes no key (the default
 * directory may not exist yet; explicitly configured paths were checked at start-up). Throws
 * UNAVAILABLE when no key is trusted or a key file cannot be read: the service is not set up. The
 * messages name no path (they are answers to HTTP clients); `log` gets the paths and the cause.
 */
export async function loadServiceTrust(paths: readonly string[], log?: Logger): Promise<TrustStore> {
  if (paths.length === 0) throw new AirfeedError('UNAVAILABLE', `bundle import is not configured on this service: no trusted public key is configured; ${TRUST_HELP}`);
  const present: string[] = [];
  for (const p of paths) if (await fsp.stat(p).then(() => true, () => false)) present.push(p);
  let store: TrustStore;
  try {
    store = await loadTrust(present);
  } catch (err) {
    log?.error({ err, trust: paths }, 'bundle upload refused: the trusted keys cannot be read');
    throw new AirfeedError('UNAVAILABLE', 'bundle import is not available: this service cannot read its trusted keys; its operator finds the details in the service log', { cause: err });
  }
  if (store.keys.size === 0) {
    log?.warn({ trust: paths }, 'bundle upload refused: no trusted public key in the trust paths');
    throw new AirfeedError('UNAVAILABLE', `bundle import is not configured on this service: no trusted public key is configured; ${TRUST_HELP}`);
  }
  return { ...store, owner: TRUST_OWNER };
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
function mediaType(header: string | undefined): string | undefined {
  return header?.split(';')[0]?.trim().toLowerCase();
}

/** Query parameters not known to the upload route: refused, so a misspelt option never goes unnoticed. */
function unknownQueryNames(url: string): string[] {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const names = [...new URLSearchParams(query).keys()];
  return [...new Set(names.filter((n) => !(QUERY_NAMES as readonly string[]).includes(n)))];
}

/**
 * The refusal with server paths replaced: the spool file by the upload's name (the client never saw
 * that path), and any other server directory (spool root, trust paths) by what it is.
 */
function relabel(err: unknown, file: string, hidden: readonly [string, string][]): unknown {
  if (!(err instanceof AirfeedError)) return err;
  let message = err.message.replaceAll(file, UPLOAD_NAME);
  for (const [p, label] of hidden) message = message.replaceAll(p, label);
  if (message === err.message) return err;
  return new AirfeedError(err.code, message, { cause: err, details: err.details, ...(err.ownHint === undefined ? {} : { hint: err.ownHint }) });
}

/** What an upload answers: the import result without server paths (the deleted spool file, the trust file). */
function resultJson(r: ImportResult): Omit<ImportResult, 'file' | 'keyFile'> {
  const { file: _file, keyFile: _keyFile, ...rest } = r;
  return rest;
}

const flag = (description: string) => ({ type: 'boolean', default: false, description }) as const;

/** Registers POST and GET /v2/bundles (in their own scope: the tar body parser applies to them only). */
export async function bundleRoutes(app: FastifyInstance, opts: BundleRoutesOptions): Promise<void> {
  const { sql, auth, log } = opts;
  const maxBytes = opts.upload?.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES;
  const spoolRoot = opts.upload?.spoolDir ?? os.tmpdir();
  const hidden: [string, string][] = [[spoolRoot, 'the spool directory'], ...(opts.upload?.trust ?? []).map((p): [string, string] => [p, 'a trusted key path'])];
  // Trust loaded by the checks before the body, for the handler.
  const trustOf = new WeakMap<FastifyRequest, TrustStore>();
  app.addHook('onRequest', async (request) => auth.requireAdmin(request));
  // Every check of an upload that needs no body, before it is read (and before `100 Continue`).
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST') return;
    try {
      trustOf.set(request, await uploadChecks(request));
    } catch (err) {
      // The body is not read: end the connection after the answer rather than drain it.
      void reply.header('connection', 'close');
      throw err;
    }
  });
  async function uploadChecks(request: FastifyRequest): Promise<TrustStore> {
    const unknown = unknownQueryNames(request.url);
    if (unknown.length > 0) {
      throw new AirfeedError('INPUT_INVALID', `query parameter "${unknown[0] ?? ''}" is not known; this route takes ${QUERY_NAMES.join(', ')} (true or false)`);
    }
    const type = mediaType(request.headers['content-type']);
    if (type !== undefined && !(BUNDLE_CONTENT_TYPES as readonly string[]).includes(type)) throw unsupportedType(request.headers['content-type']);
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') throw unsupportedEncoding(encoding);
    const length = Number(request.headers['content-length']);
    if (length > maxBytes) throw tooLarge(maxBytes, `Content-Length is ${length} bytes`);
    return loadServiceTrust(opts.upload?.trust ?? [], log.child({ reqId: request.id }));
  }
  // A refusal before the body was read (auth, trust, parameters): close the connection rather than
  // let node drain up to the size limit of unwanted upload to keep it alive.
  app.addHook('onSend', async (request, reply) => {
    if (request.raw.complete === false) void reply.header('connection', 'close');
  });

  // Only tar bodies, handed over as the raw stream; any other type (JSON would be buffered) is refused
  // before its body is read. Fastify closes the connection after a parser refusal.
  app.removeAllContentTypeParsers();
  // The checks above ran already; the parsers stay strict in case a route is added without them.
  app.addContentTypeParser([...BUNDLE_CONTENT_TYPES], (request, payload, done) => {
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      done(unsupportedEncoding(encoding));
      return;
    }
    const length = Number(request.headers['content-length']);
    if (length > maxBytes) {
      done(tooLarge(maxBytes, `Content-Length is ${length} bytes`));
      return;
    }
    done(null, payload);
  });
  app.addContentTypeParser('*', (request, _payload, done) => {
    done(unsupportedType(request.headers['content-type']));
  });

  app.post<{ Querystring: { allow_expired: boolean; allow_downgrade: boolean; wait: boolean } }>('/v2/bundles', {
    // Documents the limit; a stream parser is not held to bodyLimit by fastify, so spool() enforces it.
    bodyLimit: maxBytes,
    config: {
      // The body is a stream, which fastify must not validate; the document still describes it.
      swaggerTransform: ({ schema, url }) => ({
        url,
        schema: {
          ...schema,
          body: { content: Object.fromEntries(BUNDLE_CONTENT_TYPES.map((t) => [t, { schema: { type: 'string', format: 'binary', description: 'the bundle file (.tar)' } }])) },
        },
      }),
    },
    schema: {
      tags: ['bundles'],
      summary: 'Import a signed bundle: the body is the bundle file; 200 with the result (imported or unchanged)',
      description:
        `Verifies the bundle completely (trusted signature, every member digest and record hash), then applies it in one transaction, as \`airfeed bundle import\`. ` +
        `Refusals (4xx) import nothing; the error code names the refusal: BUNDLE_INVALID, BUNDLE_UNTRUSTED, BUNDLE_UNSUPPORTED, BUNDLE_EXPIRED (400), ` +
        `BUNDLE_OUT_OF_ORDER, DRIVER_LOCKED (409). 413: larger than AIRFEED_MAX_BUNDLE_BYTES (default ${formatBytes(DEFAULT_MAX_BUNDLE_BYTES)}). ` +
        `415: another content type. 503: no trusted key configured. A client that disconnects during the upload imports nothing.`,
      security,
      consumes: [...BUNDLE_CONTENT_TYPES],
      querystring: {
        type: 'object',
        properties: {
          allow_expired: flag('import a bundle past its expiry time'),
          allow_downgrade: flag('install a full bundle older than the one installed (a deliberate rollback)'),
          wait: flag('wait for a running sync of the same drivers instead of answering 409'),
        },
      },
      response: { 200: importResult },
    },
  }, async (request, reply) => {
    const body = request.body as Readable | undefined;
    if (body === undefined) throw new AirfeedError('INPUT_INVALID', `the request has no body: send the bundle file as the body (Content-Type: ${BUNDLE_CONTENT_TYPES[0]})`);
    const trust = trustOf.get(request) ?? (await loadServiceTrust(opts.upload?.trust ?? [], log.child({ reqId: request.id })));

    await fsp.mkdir(spoolRoot, { recursive: true });
    const dir = await fsp.mkdtemp(path.join(spoolRoot, 'airfeed-upload-'));
    const file = path.join(dir, UPLOAD_NAME);
    const reqLog = log.child({ reqId: request.id });
    try {
      const started = Date.now();
      const bytes = await spool(request.raw, body, file, maxBytes).catch((err: unknown) => {
        // The rest of the body is not read: end the connection after the answer (if it can still be sent).
        void reply.header('connection', 'close');
        reqLog.warn({ err, file }, 'bundle upload not received; nothing imported');
        throw relabel(err, file, hidden);
      });
      reqLog.info({ bytes, ms: Date.now() - started }, 'bundle upload received');
      const { allow_expired: allowExpired, allow_downgrade: allowDowngrade, wait } = request.query;
      const result = await importBundle(sql, file, { trust, allowExpired, allowDowngrade, wait, spoolDir: dir, log: reqLog, label: `upload from ${request.ip} at ${new Date().toISOString()}`, ...(opts.outputs ? { outputs: opts.outputs } : {}) }).catch((err: unknown) => {
        const refusal = relabel(err, file, hidden);
        // Refusals are answered as 4xx, which the error handler does not log; operators want to see them.
        if (refusal instanceof AirfeedError && refusal.status < 500) reqLog.warn({ code: refusal.code, reason: refusal.message }, 'bundle refused; nothing imported');
        throw refusal;
      });
      return resultJson(result);
    } finally {
      // Also after a client abort: the body stream has failed by then, so nothing still writes here.
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  app.get<{ Querystring: { limit: number } }>('/v2/bundles', {
    schema: {
      tags: ['bundles'],
      summary: 'Imported bundles, newest first',
      security,
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } } },
      response: { 200: { type: 'object', properties: { imports: { type: 'array', items: importRow } } } },
    },
  }, async (request) => ({ imports: await listBundleImports(sql, { limit: request.query.limit }) }));
}
