/**
 * The Red Hat driver on the real VEX data in ../shared/realdata/redhat (absent in a fresh clone: then
 * skipped, saying so):
 *
 * - every real VEX document parses, into valid records, and the whole-document reader and the
 *   streaming reader give the same records: the single documents (`csaf-vex/`, the 2024-02-05
 *   sample), the 30 documents of the 2024-04-02 archive, the 5 of claircore's archive and the 2 of
 *   claircore's mocked server;
 * - the 30-document archive with its `changes.csv` syncs into PostgreSQL with, per group, the count
 *   of records an independent count gives: the archive unpacked by the system's tar and zstd, each
 *   document read with JSON.parse, and (CVE, major) pairs counted by a walk written here from
 *   Red Hat's documentation, not with the driver's code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { archiveEntries, readAll } from '../../drivers/_framework/read/archive.ts';
import { validateRecord } from '../../drivers/_framework/record.ts';
import { readDocument } from '../../drivers/redhat/documents.ts';
import { redhat } from '../../drivers/redhat/index.ts';
import { recordsOf } from '../../drivers/redhat/records.ts';
import { readVex } from '../../drivers/redhat/vex-read.ts';
import { listGroups } from '../../feed-service/storage/groups.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { haveCommand, skipUnless } from '../helpers/skip.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../shared/realdata/redhat');
const present = existsSync(ROOT);
const ABSENT = '../shared/realdata/redhat is absent (a fresh clone has no ../shared)';
const BETA = path.join(ROOT, 'csaf-vex-beta-2022-fetched-2024-04-02');

/** Every real VEX document: name and bytes. */
async function realDocuments(): Promise<{ name: string; bytes: Buffer }[]> {
  const out: { name: string; bytes: Buffer }[] = [];
  for (const dir of ['csaf-vex', 'csaf-vex-2024-02-05-sample/2024']) {
    for (const f of (await fs.readdir(path.join(ROOT, dir))).filter((n) => n.endsWith('.json')).sort()) out.push({ name: `${dir}/${f}`, bytes: await fs.readFile(path.join(ROOT, dir, f)) });
  }
  for (const archive of ['csaf-vex-beta-2022-fetched-2024-04-02/csaf_vex_2024-04-02.tar.zst', 'csaf-vex/csaf_vex_2023-10-31.tar.zst']) {
    for await (const e of archiveEntries(path.join(ROOT, archive), { label: archive })) {
      if (e.name.endsWith('.json')) out.push({ name: `${archive}#${e.name}`, bytes: await readAll(e.body, 64 << 20, e.name) });
    }
  }
  // claircore's mocked server: a txtar of `-- /path --` sections.
  const txtar = gunzipSync(await fs.readFile(path.join(ROOT, 'csaf-vex/claircore-server.txtar.gz'))).toString('utf8');
  const parts = txtar.split(/^-- (\S+)[^\n]*--\n/m);
  for (let i = 1; i + 1 < parts.length; i += 2) if (parts[i]?.endsWith('.json')) out.push({ name: `claircore-server${parts[i]}`, bytes: Buffer.from(parts[i + 1] ?? '') });
  return out;
}

/** (major, CVE) pairs of one document, counted independently (see the module doc). */
function independentPairs(doc: Record<string, unknown>): string[] {
  const cpes = new Map<string, string>();
  const purls = new Map<string, string | null>();
  const visit = (branches: unknown): void => {
    for (const b of (branches as Record<string, unknown>[] | undefined) ?? []) {
      const p = b['product'] as { product_id: string; product_identification_helper?: { cpe?: string; purl?: string } } | undefined;
      if (p?.product_identification_helper?.cpe) cpes.set(p.product_id, p.product_identification_helper.cpe);
      else if (p) purls.set(p.product_id, p.product_identification_helper?.purl ?? null);
      visit(b['branches']);
    }
  };
  const tree = doc['product_tree'] as { branches?: unknown; relationships?: { full_product_name: { product_id: string }; product_reference: string; relates_to_product_reference: string }[] };
  visit(tree.branches);
  const rels = new Map((tree.relationships ?? []).map((r) => [r.full_product_name.product_id, r]));
  const pairs = new Set<string>();
  for (const v of doc['vulnerabilities'] as { cve: string; product_status?: Record<string, string[]> }[]) {
    for (const [st, ids] of Object.entries(v.product_status ?? {})) {
      if (!['fixed', 'known_affected', 'known_not_affected', 'under_investigation'].includes(st)) continue;
      for (const id of ids) {
        const rel = rels.get(id);
        if (!rel) continue;
        const purl = purls.get(rel.product_reference);
        if (purl === undefined) continue;
        // An rpm source package: Red Hat marks it arch=src, or (unfixed, older documents) names no arch or gives no purl.
        if (purl !== null && (!purl.startsWith('pkg:rpm/') || (/[?&]arch=/.test(purl) && !/[?&]arch=src(&|$)/.test(purl)))) continue;
        if (purl === null && /\.(x86_64|noarch|aarch64|ppc64le|s390x|i686)$/.test(rel.product_reference)) continue;
        let platform = rel.relates_to_product_reference;
        if (!cpes.has(platform)) platform = rels.get(platform)?.relates_to_product_reference ?? platform;
        const m = /^cpe:\/[aho]:redhat:(?:enterprise_linux|rhel_(?:eus|aus|e4s|tus|els)):(\d+)/.exec(cpes.get(platform) ?? '');
        if (m) pairs.add(`rhel:${m[1]} ${v.cve}`);
      }
    }
  }
  return [...pairs];
}

describe('redhat on the real VEX data', skipUnless(present, ABSENT), () => {
  it('parses every real document into valid records, the same whole and streamed', async () => {
    const docs = await realDocuments();
    expect(docs).toHaveLength(4 + 4 + 30 + 5 + 2);
    let recordCount = 0;
    for (const { name, bytes } of docs) {
      const whole = recordsOf(await readDocument(Readable.from([bytes]), bytes.length, name), name, silentLogger);
      const streamed = recordsOf(await readVex(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), name), name, silentLogger);
      expect(JSON.stringify([...streamed]), name).toEqual(JSON.stringify([...whole]));
      for (const list of whole.values()) for (const r of list) {
        validateRecord(r);
        recordCount++;
      }
      const independent = independentPairs(JSON.parse(bytes.toString('utf8')) as Record<string, unknown>).sort();
      expect([...whole].flatMap(([major, rs]) => rs.map((r) => `rhel:${major} ${r.id}`)).sort(), name).toEqual(independent);
    }
    expect(recordCount).toBeGreaterThan(100);
  });

  describe('the 30-document archive and its changes.csv', skipUnless(haveCommand('zstd') && haveCommand('tar'), 'the system has no zstd or tar command for the independent count'), () => {
    let db: TestDb;
    let home: string;
    beforeAll(async () => {
      db = await createTestDb();
      home = await tempDir('airfeed-redhat-real-');
    });
    afterAll(async () => {
      await db.drop();
      await fs.rm(home, { recursive: true, force: true });
    });

    it('syncs with the per-group counts an independent count gives', async () => {
      const unpacked = path.join(home, 'unpacked');
      await fs.mkdir(unpacked);
      execFileSync('tar', ['-I', 'zstd', '-xf', path.join(BETA, 'csaf_vex_2024-04-02.tar.zst'), '-C', unpacked]);
      const expected = new Map<string, number>();
      const files = (await fs.readdir(path.join(unpacked, '2022'))).sort();
      expect(files).toHaveLength(30);
      for (const f of files) {
        for (const pair of independentPairs(JSON.parse(await fs.readFile(path.join(unpacked, '2022', f), 'utf8')) as Record<string, unknown>)) {
          const group = pair.split(' ')[0] as string;
          expected.set(group, (expected.get(group) ?? 0) + 1);
        }
      }
      const report = await syncDriver(db.sql, redhat, { home, http: new HttpClient(), log: silentLogger, source: BETA });
      expect(report.status, report.error).toBe('succeeded');
      const groups = await listGroups(db.sql, { driver: 'redhat' });
      const got = new Map(groups.map((g) => [g.name, g.recordCount]));
      expect(got).toEqual(expected);
      expect(Object.fromEntries(got)).toEqual({ 'rhel:5': 1, 'rhel:6': 21, 'rhel:7': 22, 'rhel:8': 23, 'rhel:9': 21 });
      // The changes.csv entries (all from the archive's day) had no copy beside the archive: the archive's documents stand.
      const again = await syncDriver(db.sql, redhat, { home, http: new HttpClient(), log: silentLogger, source: BETA });
      expect(again.status).toBe('unchanged');
    });
  });
});
