/**
 * The OSV JSON schema of ../shared/realdata/osv/osv-schema (absent in a fresh clone: then
 * `osvSchemaPresent` is false and the tests that need it skip, saying why), compiled with ajv's
 * draft 2020-12 validator and its formats (`uri`, `date-time`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const OSV_SCHEMA = path.resolve(import.meta.dirname, '../../../shared/realdata/osv/osv-schema/validation/schema.json');
export const osvSchemaPresent = existsSync(OSV_SCHEMA);
/** Why a test that needs the schema is skipped (for skipUnless). */
export const OSV_SCHEMA_ABSENT = '../shared/realdata/osv/osv-schema is absent, as in a fresh clone';

/** A validator of OSV documents; returns the first errors as text, or null when valid. */
export function osvValidator(): (doc: unknown) => string | null {
  const ajv = new Ajv2020.default({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(OSV_SCHEMA, 'utf8')) as object);
  return (doc) => (validate(doc) ? null : ajv.errorsText(validate.errors?.slice(0, 5)));
}
