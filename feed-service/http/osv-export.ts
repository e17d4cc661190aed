/**
 * osv-scanner's offline databases, served in the layout osv.dev's bucket has, so a mirror of
 * `https://osv-vulnerabilities.storage.googleapis.com/` can be pointed here instead:
 * `GET /osv/ecosystems.txt`, `/osv/modified_id.csv`, `/osv/<Ecosystem>/all.zip`,
 * `/osv/<Ecosystem>/modified_id.csv` (`/osv/Red%20Hat/all.zip` for an ecosystem with a space).
 * Every file comes from the published build only (never one in progress), with an ETag (its sha256)
 * and 304 to a matching `If-None-Match`. Reads need a token when read tokens are configured.
 */
import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { OsvPublisher } from '../outputs/osv/publisher.ts';
import type { Auth } from './auth.ts';

export interface OsvRoutesOptions {
  auth: Auth;
  /** Without it (AIRFEED_OSV=off), the routes answer 503 saying so. */
  publisher?: OsvPublisher | undefined;
}

export const OSV_PREFIX = '/osv';

const TYPES: Readonly<Record<string, string>> = {
  '.zip': 'application/zip',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

function matches(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === etag || t === '*');
}

export async function osvRoutes(app: FastifyInstance, opts: OsvRoutesOptions): Promise<void> {
  app.addHook('onRequest', async (request) => opts.auth.requireRead(request));

  app.get<{ Params: { '*': string } }>(`${OSV_PREFIX}/*`, {
    schema: {
      tags: ['osv'],
      summary: "osv-scanner's offline databases: ecosystems.txt, modified_id.csv, <Ecosystem>/all.zip, <Ecosystem>/modified_id.csv",
      params: { type: 'object', properties: { '*': { type: 'string' } } },
    },
  }, async (request, reply: FastifyReply) => {
    if (!opts.publisher) throw new AirfeedError('UNAVAILABLE', 'osv-scanner databases are not served here (AIRFEED_OSV=off)');
    if (!opts.publisher.current()) {
      throw new AirfeedError('UNAVAILABLE', 'no osv-scanner database has been built yet: it is built after the first sync or bundle import of distro or language data (see `airfeed outputs`)');
    }
    const rel = request.params['*'];
    const found = opts.publisher.file(rel);
    if (!found) throw new AirfeedError('NOT_FOUND', `osv: ${rel} is not published here; /osv/ecosystems.txt lists the ecosystems, each with all.zip and modified_id.csv`);
    const etag = `"${found.file.sha256}"`;
    if (matches(request, etag)) return reply.code(304).header('etag', etag).header('cache-control', 'no-cache').send();
    const ext = rel.slice(rel.lastIndexOf('.'));
    return reply
      .header('etag', etag)
      .header('cache-control', 'no-cache')
      .header('content-length', String(found.file.bytes))
      .type(TYPES[ext] ?? 'application/octet-stream')
      .send(createReadStream(found.abs));
  });
}
