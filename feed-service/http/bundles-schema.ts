/**
 * The OpenAPI shapes of the bundle routes (bundles.ts): what an upload answers and what the import
 * history lists, as /openapi.json and /docs show them. Fastify also serializes the answers by them,
 * so a field missing here is missing from the answer.
 */

/** Routes that take a bearer token. */
export const security = [{ bearer: [] }];
/** One group of an imported bundle. */
const importedGroup = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    fromSeq: { type: 'integer', description: "the producer's change sequence the group starts after" },
    toSeq: { type: 'integer', description: "the producer's change sequence the group covers up to" },
    records: { type: 'integer', description: 'records in the bundle' },
    tombstones: { type: 'integer', description: 'deletions in the bundle (deltas)' },
    added: { type: 'integer' },
    changed: { type: 'integer' },
    removed: { type: 'integer' },
    unchanged: { type: 'integer' },
  },
} as const;
/** POST /v2/bundles: what an import did. */
export const importResult = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['imported', 'unchanged'] },
    bundleId: { type: 'string' },
    kind: { type: 'string', enum: ['full', 'delta'] },
    keyId: { type: 'string', description: 'the trusted key that signed the bundle' },
    created: { type: 'string', format: 'date-time' },
    importId: { type: ['integer', 'null'], description: 'the history entry (null when unchanged)' },
    groups: { type: 'array', items: importedGroup, description: 'what changed per group (empty when unchanged)' },
    message: { type: 'string' },
  },
} as const;
/** GET /v2/bundles: one entry of the import history. */
export const importRow = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    bundleId: { type: 'string' },
    manifestSha256: { type: 'string' },
    kind: { type: 'string', enum: ['full', 'delta'] },
    keyId: { type: 'string' },
    producer: { type: 'string' },
    created: { type: 'string', format: 'date-time' },
    expires: { type: ['string', 'null'], format: 'date-time' },
    baseBundleId: { type: ['string', 'null'] },
    groups: { type: 'array', items: importedGroup },
    file: { type: 'string', description: 'the imported file (for uploads, the spool file, deleted since)' },
    importedAt: { type: 'string', format: 'date-time' },
  },
} as const;
