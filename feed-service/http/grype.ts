/**
 * grype's database listing, served as grype fetches it: `GRYPE_DB_UPDATE_URL=http://<airfeed>/grype/databases`
 * makes `grype db update` read `/grype/databases/v6/latest.json`, compare its `built` with the
 * installed database, and download the archive its `path` names, next to it, checking the sha256 in
 * `checksum`. Both answer from the published build only (never from one in progress), with an ETag
 * (latest.json: its sha256; the archive: its checksum) and 304 to a matching `If-None-Match`. Reads
 * need a token when read tokens are configured; grype sends one as HTTP Basic from the URL
 * (`http://airfeed:<token>@host/grype/databases`).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { LATEST_FILE, MODEL_DIR } from '../outputs/grype/package.ts';
import { type GrypePublisher, notPublished } from '../outputs/grype/publisher.ts';
import type { Auth } from './auth.ts';

export interface GrypeRoutesOptions {
  auth: Auth;
  /** Without it (AIRFEED_GRYPE=off), the routes answer 503 saying so. */
  publisher?: GrypePublisher | undefined;
}

export const GRYPE_PREFIX = `/grype/databases/${MODEL_DIR}`;

/** True when `If-None-Match` names `etag` (or `*`). */
function matches(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === etag || t === '*');
}

function notModified(reply: FastifyReply, etag: string): FastifyReply {
  return reply.code(304).header('etag', etag).header('cache-control', 'no-cache').send();
}

export async function grypeRoutes(app: FastifyInstance, opts: GrypeRoutesOptions): Promise<void> {
  app.addHook('onRequest', async (request) => opts.auth.requireRead(request));

  const published = (): NonNullable<ReturnType<GrypePublisher['current']>> => {
    if (!opts.publisher) throw new AirfeedError('UNAVAILABLE', 'grype databases are not served here (AIRFEED_GRYPE=off)');
    const p = opts.publisher.current();
    if (!p) {
      throw new AirfeedError('UNAVAILABLE', 'no grype database has been built yet: it is built after the first sync or bundle import of Alpine data (see `airfeed outputs`)');
    }
    return p;
  };

  app.get(`${GRYPE_PREFIX}/${LATEST_FILE}`, {
    schema: { tags: ['grype'], summary: "grype's database listing (latest.json): schema version, built time, archive path and sha256" },
  }, async (request, reply) => {
    const p = published();
    const etag = `"${createHash('sha256').update(p.latestText).digest('hex')}"`;
    if (matches(request, etag)) return notModified(reply, etag);
    return reply.header('etag', etag).header('cache-control', 'no-cache').type('application/json; charset=utf-8').send(p.latestText);
  });

  app.get<{ Params: { file: string } }>(`${GRYPE_PREFIX}/:file`, {
    schema: {
      tags: ['grype'],
      summary: 'The database archive latest.json names (vulnerability-db_v6.1.9_<date>_<epoch>.tar.zst)',
      params: { type: 'object', properties: { file: { type: 'string' } }, required: ['file'] },
    },
  }, async (request, reply) => {
    published();
    const found = opts.publisher!.archiveFile(request.params.file);
    if (!found) throw notPublished(request.params.file);
    const { build: p, file } = found;
    const etag = `"${p.checksum.slice('sha256:'.length)}"`;
    if (matches(request, etag)) return notModified(reply, etag);
    // The previous build is kept until the next one is published: a listing read just before a
    // switch still names a downloadable archive, and an open stream always completes.
    return reply
      .header('etag', etag)
      .header('cache-control', 'no-cache')
      .header('content-length', String(p.bytes))
      .header('content-disposition', `attachment; filename="${p.archive}"`)
      .type('application/zstd')
      .send(createReadStream(file));
  });
}
