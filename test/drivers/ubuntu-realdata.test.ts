/**
 * The ubuntu driver on Canonical's real OSV documents in ../shared/realdata (vunnel's Ubuntu test
 * fixtures: CVE and USN records, ESM cases; absent in a fresh clone: then skipped), as an extracted
 * `osv/` tree, synced into PostgreSQL. The counts are checked against a count made here from the
 * documents, with the ecosystem rules written out again independently of the driver's code.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { ubuntu } from '../../drivers/ubuntu/index.ts';
import { listGroups } from '../../feed-service/storage/groups.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { skipUnless } from '../helpers/skip.ts';

const REAL = path.resolve(import.meta.dirname, '../../../shared/realdata/fixtures/vunnel/ubuntu/test-fixtures');
const present = existsSync(path.join(REAL, 'osv/cve')) && existsSync(path.join(REAL, 'osv-esm-cases/cve'));

interface Doc {
  id: string;
  upstream?: string[];
  withdrawn?: string;
  affected?: { package: { ecosystem: string; name: string; purl?: string }; ranges?: { events: Record<string, string>[] }[] }[];
}

async function jsonFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.json')).map((e) => path.join(e.parentPath, e.name));
}

/** The group of an ecosystem, by the rules as the README states them; undefined for variants and others. */
function groupOf(ecosystem: string): { group: string; pro: boolean } | undefined {
  const m = /^Ubuntu:(Pro:)?(\d\d\.\d\d)(:LTS)?$/.exec(ecosystem);
  return m ? { group: `ubuntu:${m[2]}`, pro: m[1] !== undefined } : undefined;
}

const fixOf = (a: NonNullable<Doc['affected']>[number]): string | undefined => a.ranges?.flatMap((r) => r.events).find((e) => e['fixed'] !== undefined)?.['fixed'];

describe('ubuntu on Canonical\'s real OSV documents', skipUnless(present, '../shared/realdata/fixtures/vunnel/ubuntu is absent, as in a fresh clone'), () => {
  let db: TestDb;
  let dir: string;
  let tree: string;
  beforeAll(async () => {
    db = await createTestDb();
    dir = await tempDir('airfeed-ubuntu-real-');
    tree = path.join(dir, 'mirror');
    for (const [from, to] of [['osv/cve', 'osv/cve'], ['osv-esm-cases/cve', 'osv/cve'], ['osv/usn', 'osv/usn']] as const) {
      for (const f of await jsonFiles(path.join(REAL, from))) {
        const dest = path.join(tree, to, path.relative(path.join(REAL, from), f));
        await fs.mkdir(path.dirname(dest), { recursive: true });
        await fs.symlink(f, dest);
      }
    }
  });
  afterAll(async () => {
    await db.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('syncs to the records, Pro entries and USN advisories an independent count of the documents gives', async () => {
    const docs = await Promise.all((await jsonFiles(tree)).map(async (f) => ({ usn: f.includes(`${path.sep}usn${path.sep}`), doc: JSON.parse(await fs.readFile(f, 'utf8')) as Doc })));
    const records = new Map<string, Set<string>>();
    let proEntries = 0;
    let withdrawn = 0;
    const cveEntries = new Map<string, string>();
    for (const { usn, doc } of docs) {
      if (doc.withdrawn !== undefined) {
        withdrawn++;
        continue;
      }
      const cves = (doc.upstream ?? []).map((u) => u.replace(/^UBUNTU-/, '')).filter((u) => u.startsWith('CVE-'));
      if (usn && cves.length > 0) continue;
      const id = usn ? doc.id : (cves[0] ?? doc.id.replace(/^UBUNTU-/, ''));
      for (const a of doc.affected ?? []) {
        const g = groupOf(a.package.ecosystem);
        if (!g) continue;
        if (!records.has(g.group)) records.set(g.group, new Set());
        records.get(g.group)?.add(id);
        if (g.pro) proEntries++;
        const fix = fixOf(a);
        if (fix !== undefined) cveEntries.set(`${g.group} ${id} ${a.package.name} ${fix}`, a.package.ecosystem);
      }
    }
    let advisories = 0;
    for (const { usn, doc } of docs) {
      if (!usn || doc.withdrawn !== undefined) continue;
      for (const a of doc.affected ?? []) {
        const g = groupOf(a.package.ecosystem);
        const fix = fixOf(a);
        for (const u of doc.upstream ?? []) if (g && cveEntries.has(`${g.group} ${u.replace(/^UBUNTU-/, '')} ${a.package.name} ${fix}`)) advisories++;
      }
    }
    expect(withdrawn).toBe(3);

    const report = await syncDriver(db.sql, ubuntu, { home: path.join(dir, 'home'), http: new HttpClient(), log: silentLogger, source: tree });
    expect(report.status, report.error).toBe('succeeded');
    const groups = await listGroups(db.sql, { driver: 'ubuntu' });
    expect(groups.map((g) => [g.name, g.recordCount])).toEqual([...records].sort(([a], [b]) => (a < b ? -1 : 1)).map(([g, s]) => [g, s.size]));

    const rows = await db.sql<{ doc: string }[]>`select doc from records where group_name like 'ubuntu:%' and not deleted`;
    let storedPro = 0;
    let storedAdvisories = 0;
    for (const r of rows) {
      for (const f of (JSON.parse(r.doc) as { fixedIn: { channel?: string; vendorAdvisory?: { advisories: unknown[] } }[] }).fixedIn) {
        if (f.channel !== undefined) storedPro++;
        storedAdvisories += f.vendorAdvisory?.advisories.length ?? 0;
      }
    }
    expect(storedPro).toBe(proEntries);
    expect(storedAdvisories).toBe(advisories);
    expect(advisories).toBe(3);
  });
});
