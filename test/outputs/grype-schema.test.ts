/**
 * A built database against grype's published schema (../shared/grype-v6-schema, copied unchanged
 * from grype; absent in a fresh clone, then skipped): the DDL of the version `db_metadata` claims,
 * read back from `sqlite_master`, and every blob against the blob JSON Schema — for a database of
 * every source kind (the Alpine demo mirror and the hand-written Debian, Ubuntu, RHEL, language, NVD,
 * KEV and EPSS records of grype-records.ts).
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGrypeDatabase } from '../../feed-service/outputs/grype/build.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { skipUnless } from '../helpers/skip.ts';
import { tempDir } from '../helpers/mirror.ts';
import { DEMO_MIRROR, openReadOnly, SCHEMA_DIR, syncAlpine } from './grype-helpers.ts';
import { putAll } from './grype-records.ts';

const present = existsSync(SCHEMA_DIR);

interface MasterRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

/** The schema objects of a database, SQL with whitespace collapsed; SQLite's own tables left out. */
function master(db: Database.Database): MasterRow[] {
  return (db.prepare("select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name").all() as MasterRow[])
    .map((r) => ({ ...r, sql: r.sql === null ? null : r.sql.replace(/\s+/g, ' ').trim() }));
}

/**
 * Runs grype's published DDL file. Its generator drops the `)` that closes each
 * `REFERENCES \`table\`(\`id\`` (see the schema README), so one is put back after each.
 */
function publishedSchema(text: string): Database.Database {
  const db = new Database(':memory:');
  const repaired = text.replace(/REFERENCES (`\w+`)\(`id`/g, 'REFERENCES $1(`id`)');
  db.exec(repaired);
  return db;
}

describe("grype's published v6 schema", skipUnless(present, '../shared/grype-v6-schema is absent, as in a fresh clone'), () => {
  let db: TestDb;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDb();
    await syncAlpine(db.sql, DEMO_MIRROR);
    await putAll(db.sql);
    dir = await tempDir('airfeed-grype-schema-');
    await buildGrypeDatabase(db.sql, dir);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('has exactly the tables, columns and indexes of the schema version it claims', async () => {
    const built = openReadOnly(path.join(dir, 'vulnerability.db'));
    try {
      const meta = built.prepare('select model, revision, addition from db_metadata').get() as { model: number; revision: number; addition: number };
      const file = path.join(SCHEMA_DIR, `schema-${meta.model}.${meta.revision}.${meta.addition}.sql`);
      const text = await fs.readFile(file, 'utf8');
      // The claim is grype's newest published schema.
      expect(text).toBe(await fs.readFile(path.join(SCHEMA_DIR, 'schema-latest.sql'), 'utf8'));
      const reference = publishedSchema(text);
      try {
        const expected = master(reference);
        expect(expected.length).toBeGreaterThan(40);
        expect(master(built)).toEqual(expected);
      } finally {
        reference.close();
      }
    } finally {
      built.close();
    }
  });

  it('differs from the previous schema version (so the comparison can fail)', async () => {
    const a = publishedSchema(await fs.readFile(path.join(SCHEMA_DIR, 'schema-6.1.7.sql'), 'utf8'));
    const built = openReadOnly(path.join(dir, 'vulnerability.db'));
    try {
      expect(master(built)).not.toEqual(master(a));
    } finally {
      a.close();
      built.close();
    }
  });

  it('stores only blobs that validate against blob-schema-6.1.9.json, each as the kind its handle reads', async () => {
    const schema = JSON.parse(await fs.readFile(path.join(SCHEMA_DIR, 'blob-schema-6.1.9.json'), 'utf8')) as { $id: string };
    const ajv = new Ajv2020.default({ allErrors: true });
    ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s));
    ajv.addSchema(schema);
    const kind = (def: string) => ajv.getSchema(`${schema.$id}#/$defs/${def}`)!;
    const whole = ajv.getSchema(schema.$id)!;
    const built = openReadOnly(path.join(dir, 'vulnerability.db'));
    try {
      // The file's top level is a oneOf, and PackageBlob requires nothing: a vulnerability blob
      // (`{"id": …}`) matches both VulnerabilityBlob and PackageBlob, so each blob is checked
      // against the definition its handle reads it as; package blobs also against the whole oneOf.
      const roles: [string, string, boolean][] = [
        ['select b.value from vulnerability_handles h join blobs b on b.id = h.blob_id', 'VulnerabilityBlob', false],
        ['select b.value from affected_package_handles h join blobs b on b.id = h.blob_id', 'PackageBlob', true],
        ['select b.value from unaffected_package_handles h join blobs b on b.id = h.blob_id', 'PackageBlob', true],
        ['select b.value from affected_cpe_handles h join blobs b on b.id = h.blob_id', 'PackageBlob', true],
        ['select b.value from known_exploited_vulnerability_handles h join blobs b on b.id = h.blob_id', 'KnownExploitedVulnerabilityBlob', false],
      ];
      let checked = 0;
      for (const [query, def, alsoWhole] of roles) {
        const validate = kind(def);
        for (const { value } of built.prepare(query).all() as { value: string }[]) {
          const blob = JSON.parse(value) as unknown;
          expect(validate(blob), `${def} ${value}: ${ajv.errorsText(validate.errors)}`).toBe(true);
          if (alsoWhole) expect(whole(blob), `${value}: ${ajv.errorsText(whole.errors)}`).toBe(true);
          checked++;
        }
      }
      const total = (built.prepare('select count(*) n from blobs').get() as { n: number }).n;
      expect(checked).toBeGreaterThanOrEqual(total);
      // Every kind of handle is there to be checked.
      for (const table of ['unaffected_package_handles', 'affected_cpe_handles', 'known_exploited_vulnerability_handles']) {
        expect((built.prepare(`select count(*) n from ${table}`).get() as { n: number }).n, table).toBeGreaterThan(0);
      }
      // A malformed blob is refused, so the check can fail.
      expect(kind('PackageBlob')({ ranges: [{ version: { type: 1 } }] })).toBe(false);
    } finally {
      built.close();
    }
  });
});
