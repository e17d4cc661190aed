/**
 * THE error handler of the feed service. Every failure leaves as `{"error": {"code", "message"}}`
 * (plus `hint` for AirfeedErrors: the catalogue's hint for HTTP clients, never a command-line flag)
 * with a status from the error catalogue. Bad input is always a 4xx naming the parameter; a 500
 * means a bug, and its details stay in the log.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import postgres from 'postgres';
import { AirfeedError, databaseDownCode, ERROR_CODES, type ErrorCode, hintFor } from '../../drivers/_framework/errors.ts';

export interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

// Connection-level failures of the database client: the service is up, its database is not.

const CONTEXT_NAMES: Record<string, string> = { querystring: 'query parameter', params: 'path parameter', body: 'body field', headers: 'header' };

/** `query parameter "limit" must be >= 1`: what fastify's schema validation found, naming the parameter. */
export function describeValidation(context: string, issues: readonly ValidationIssue[]): string {
  const where = CONTEXT_NAMES[context] ?? context;
  return issues
    .map((issue) => {
      const missing = issue.params['missingProperty'];
      const extra = issue.params['additionalProperty'];
      if (issue.keyword === 'required' && typeof missing === 'string') return `${where} "${missing}" is required`;
      if (issue.keyword === 'additionalProperties' && typeof extra === 'string') return `${where} "${extra}" is not allowed`;
      const name = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return name === '' ? `${context} ${issue.message ?? 'is invalid'}` : `${where} "${name}" ${issue.message ?? 'is invalid'}`;
    })
    .join('; ');
}

/** The catalogue's hint of `code` for HTTP clients. */
export function httpHint(code: ErrorCode): string {
  return hintFor(ERROR_CODES[code].hint, 'http');
}

function send(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** Installs the error and not-found handlers on `app`. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AirfeedError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AirfeedError) {
      const challenge = err.details['challenge'];
      if (err.code === 'UNAUTHORIZED' && typeof challenge === 'string') void reply.header('www-authenticate', challenge);
      if (err.status >= 500) request.log.error({ err, code: err.code }, 'request failed');
      return send(reply, err.status, { error: { code: err.code, message: err.message, hint: err.hintFor('http') } });
    }
    const fe = err as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
    if (fe.validation) {
      const message = describeValidation(fe.validationContext ?? 'request', fe.validation);
      return send(reply, 400, { error: { code: 'INPUT_INVALID', message, hint: httpHint('INPUT_INVALID') } });
    }
    // PostgreSQL data exceptions (class 22) come from values the client sent.
    if (err instanceof postgres.PostgresError && /^22[0-9A-Z]{3}$/.test(err.code)) {
      request.log.warn({ err }, 'database refused a request value');
      return send(reply, 400, { error: { code: 'INPUT_INVALID', message: `a parameter holds a value the database cannot take: ${err.message}`, hint: httpHint('INPUT_INVALID') } });
    }
    if (databaseDownCode(err) !== null) {
      request.log.warn({ err }, 'database unavailable');
      return send(reply, 503, { error: { code: 'DB_UNAVAILABLE', message: 'the database is not reachable', hint: httpHint('DB_UNAVAILABLE') } });
    }
    // Fastify's own 4xx (malformed JSON body, unsupported media type, body too large, …).
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      const message = fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? `header "content-type": ${String(request.headers['content-type'] ?? '(none)').slice(0, 100)} is not supported; send application/json`
        : err.message;
      return send(reply, fe.statusCode, { error: { code: fe.statusCode === 404 ? 'NOT_FOUND' : 'INPUT_INVALID', message } });
    }
    request.log.error({ err }, 'unexpected error');
    return send(reply, 500, { error: { code: 'INTERNAL', message: `internal error (request ${request.id}); the server log has the details` } });
  });

  // PostgreSQL text cannot hold NUL: refuse it up front, naming the parameter, rather than fail in SQL.
  app.addHook('preHandler', async (request) => {
    for (const [context, values] of [['path parameter', request.params], ['query parameter', request.query]] as const) {
      for (const [name, value] of Object.entries((values ?? {}) as Record<string, unknown>)) {
        if (typeof value === 'string' && value.includes('\u0000')) {
          throw new AirfeedError('INPUT_INVALID', `${context} "${name}" holds a NUL character, which the database cannot store`);
        }
      }
    }
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, {
      error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`, hint: httpHint('NOT_FOUND') },
    }),
  );
}
