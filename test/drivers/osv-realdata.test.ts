/**
 * The osv driver on the real OSV databases in ../shared/realdata/osv (skipped, saying why, in a
 * fresh clone without it): the Go vulnerability database (JSON), RustSec (JSON), PyPA (YAML) and the
 * GitHub sample, each synced into PostgreSQL as a mirror directory. Counts are checked against a
 * count made here straight from the files (a document counts in a group when it is not withdrawn and
 * names a package of that ecosystem; its entries of that ecosystem are the group's affected rows),
 * and every live record's OSV view must give its document back (per group, up to the documented
 * normalization) and be valid against the OSV schema exactly when the upstream document is (seven
 * PyPA documents are not, and their views carry the same defect rather than a silent repair); a
 * sample is also read back over /v2.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { toOsv } from '../../drivers/_framework/shapes/osv.ts';
import { osv } from '../../drivers/osv/index.ts';
import { listGroups } from '../../feed-service/storage/groups.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { parseOsv } from '../helpers/osv-driver.ts';
import { normalizeOsv as normalize } from '../helpers/osv-normalize.ts';
import { osvSchemaPresent, osvValidator } from '../helpers/osv-schema.ts';
import { skipUnless } from '../helpers/skip.ts';
import { makeApp } from '../service/service-helpers.ts';

const REAL = path.resolve(import.meta.dirname, '../../../shared/realdata/osv');
const present = existsSync(REAL) && osvSchemaPresent;
const ABSENT = '../shared/realdata/osv (the real OSV databases and the OSV schema) is absent, as in a fresh clone';

/** The sets, the group each fills, and the OSV ecosystem names that group takes (written out here, not taken from the names table). */
const SETS = [
  { dir: 'govulndb-osv', group: 'github:go', ecosystems: ['Go'], records: 4_274, invalidUpstream: 0 },
  { dir: 'rustsec-osv', group: 'github:rust', ecosystems: ['crates.io'], records: 1_193, invalidUpstream: 0 },
  // Seven PyPA documents break the schema themselves with a GIT `fixed` that is no full commit hash: `<sha>.patch`
  // (PYSEC-2021-371), `<sha>.` (PYSEC-2023-80), abbreviated hashes such as `4e7d0df9093`.
  { dir: 'pypa', group: 'github:python', ecosystems: ['PyPI'], records: 2_651, invalidUpstream: 7 },
  { dir: 'ghsa-sample', group: 'github:java', ecosystems: ['Maven'], records: 2, invalidUpstream: 0 },
];

interface Doc {
  file: string;
  doc: Record<string, unknown> & { id: string; withdrawn?: unknown; affected?: { package?: { ecosystem?: string } }[] };
}

/** Every document of a set, read directly (JSON.parse; YAML with the library's default schema). */
async function documents(root: string): Promise<Doc[]> {
  const out: Doc[] = [];
  for (const rel of (await fs.readdir(root, { recursive: true })).map(String).sort()) {
    const text = /\.(json|ya?ml)$/.test(rel) ? await fs.readFile(path.join(root, rel), 'utf8') : null;
    if (text === null) continue;
    const doc = (rel.endsWith('.json') ? JSON.parse(text) : YAML.parse(text)) as Doc['doc'];
    out.push({ file: rel, doc });
  }
  return out;
}

/** The independent count: live documents naming the set's ecosystem, and their entries of it. */
function expected(docs: readonly Doc[], ecosystems: readonly string[]): { records: number; entries: number } {
  const own = (d: Doc): number => (d.doc.affected ?? []).filter((a) => ecosystems.some((e) => a.package?.ecosystem === e || a.package?.ecosystem?.startsWith(`${e}:`))).length;
  const live = docs.filter((d) => d.doc.withdrawn === undefined && own(d) > 0);
  return { records: live.length, entries: live.reduce((n, d) => n + own(d), 0) };
}

describe('osv on the real OSV databases', skipUnless(present, ABSENT), () => {
  let db: TestDb;
  let app: FastifyInstance;
  let home: string;

  beforeAll(async () => {
    db = await createTestDb();
    app = await makeApp(db.sql);
    home = await tempDir('airfeed-osv-real-');
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
    await fs.rm(home, { recursive: true, force: true });
  });

  it.each(SETS)('$dir syncs into $group with the independently counted records, each giving its document back, valid', async (set) => {
    const root = path.join(REAL, set.dir);
    const docs = await documents(root);
    const want = expected(docs, set.ecosystems);
    expect(want.records).toBe(set.records);

    const setHome = path.join(home, set.dir);
    const report = await syncDriver(db.sql, osv, { home: setHome, http: new HttpClient(), log: silentLogger, source: root });
    expect(report.status, report.error).toBe('succeeded');
    const group = (await listGroups(db.sql, { driver: 'osv' })).find((g) => g.name === set.group);
    expect(group?.recordCount).toBe(want.records);
    const entries = await db.sql<{ n: number }[]>`
      select coalesce(sum(jsonb_array_length(doc::jsonb->'fixedIn')), 0)::int as n from records where group_name = ${set.group} and not deleted`;
    expect(entries[0]?.n).toBe(want.entries);

    const validate = osvValidator();
    const byFile = new Map(docs.map((d) => [d.file, d.doc]));
    const failures: string[] = [];
    const invalidUpstream: string[] = [];
    const parsed = (await parseOsv(path.join(setHome, 'workspaces/osv'))).get(set.group);
    expect(parsed?.records.length).toBe(want.records);
    for (const r of parsed?.records ?? []) {
      const doc = byFile.get(r.provenance.source);
      if (!doc) {
        failures.push(`${r.id}: no document at ${r.provenance.source}`);
        continue;
      }
      const own = (doc.affected ?? []).filter((a) => set.ecosystems.some((e) => a.package?.ecosystem === e || a.package?.ecosystem?.startsWith(`${e}:`)));
      const view = toOsv(r, { deleted: false, updatedAt: null });
      try {
        expect(view).toEqual(normalize({ ...doc, affected: own }));
      } catch (err) {
        failures.push(`${r.provenance.source}: ${(err as Error).message.slice(0, 600)}`);
      }
      const error = validate(view);
      const upstreamError = validate(normalize({ ...doc, affected: own }));
      if (upstreamError) invalidUpstream.push(r.id);
      if (error !== upstreamError) failures.push(`${r.provenance.source}: view ${error ?? 'valid'}, upstream ${upstreamError ?? 'valid'}`);
    }
    expect(failures.slice(0, 3)).toEqual([]);
    expect(invalidUpstream).toHaveLength(set.invalidUpstream);

    // Served: the OSV view over /v2 of a sample of records is the same document.
    for (const r of (parsed?.records ?? []).filter((_, i) => i % 200 === 0)) {
      const res = await app.inject({ method: 'GET', url: `/v2/vulnerabilities/${encodeURIComponent(r.id)}/osv` });
      expect(res.statusCode, r.id).toBe(200);
      const served = res.json<Record<string, unknown>>();
      expect({ ...served, modified: r.modified }).toEqual(toOsv(r, { deleted: false, updatedAt: null }));
    }
  }, 300_000);
});
