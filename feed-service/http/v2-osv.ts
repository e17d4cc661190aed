/**
 * The OSV views of /v2 (drivers/_framework/shapes/osv.ts has the mapping rules):
 *
 * - `GET /v2/groups/{group}/records/{id}/osv`: one record of one group; a tombstone is served
 *   withdrawn (at its deletion time);
 * - `GET /v2/vulnerabilities/{id}/osv`: one OSV document for the id across every served group, its
 *   `affected[]` naming each group's packages (`Alpine:v3.19`, `Alpine:v3.20`, …); tombstones are
 *   left out while any group still has the record, and the document is withdrawn when none does.
 */
import type { FastifyInstance } from 'fastify';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { isOldRecord, readRecord } from '../../drivers/_framework/record-v1.ts';
import { renderShape } from '../../drivers/_framework/shapes/index.ts';
import { mergeOsv, type OsvVulnerability } from '../../drivers/_framework/shapes/osv.ts';
import type { Sql } from '../storage/db.ts';
import { type GroupRecordRow, recordInGroup, recordsById } from '../storage/serve.ts';

const JSON_TYPE = 'application/json; charset=utf-8';
const security = [{}, { bearer: [] }, { basic: [] }];
const idParam = { type: 'string', minLength: 1, maxLength: 200 } as const;

/** The OSV view of a stored row. */
export function osvOfRow(row: GroupRecordRow): OsvVulnerability {
  const doc = JSON.parse(row.doc) as unknown;
  const record = isOldRecord(doc) ? readRecord(doc, `group ${row.group} record ${row.id}`) : (doc as VulnRecord);
  return renderShape('osv', record, { deleted: row.deleted, updatedAt: row.updatedAt });
}

/** Registers the OSV routes (inside the /v2 scope, so its read auth applies). */
export function registerOsvRoutes(app: FastifyInstance, sql: Sql): void {
  app.get<{ Params: { group: string; id: string } }>('/v2/groups/:group/records/:id/osv', {
    schema: {
      tags: ['v2'],
      summary: 'One record of a group in OSV format (https://ossf.github.io/osv-schema/); a tombstone is withdrawn',
      security,
      params: { type: 'object', properties: { group: { type: 'string', maxLength: 200 }, id: idParam }, required: ['group', 'id'] },
    },
  }, async (request, reply) => {
    const { group, id } = request.params;
    const row = await recordInGroup(sql, group, id);
    if (!row) throw new AirfeedError('NOT_FOUND', `served group "${group}" has no record "${id}" (the group is unknown or disabled, or the id is not in it)`);
    return reply.header('content-type', JSON_TYPE).send(JSON.stringify(osvOfRow(row)));
  });

  app.get<{ Params: { id: string } }>('/v2/vulnerabilities/:id/osv', {
    schema: {
      tags: ['v2'],
      summary: 'One vulnerability id across all served groups as one OSV document',
      security,
      params: { type: 'object', properties: { id: idParam }, required: ['id'] },
    },
  }, async (request, reply) => {
    const rows = await recordsById(sql, request.params.id);
    if (rows.length === 0) throw new AirfeedError('NOT_FOUND', `no served group has a record "${request.params.id}"`);
    const live = rows.filter((r) => !r.deleted);
    const views = (live.length > 0 ? live : rows).map(osvOfRow);
    return reply.header('content-type', JSON_TYPE).send(JSON.stringify(mergeOsv(views)));
  });
}
