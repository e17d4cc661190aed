/**
 * osv-scanner's offline databases built from the store (feed-service/outputs/osv): the layout
 * osv.dev publishes (ecosystems.txt, `<Ecosystem>/all.zip`, `<Ecosystem>/modified_id.csv`, the
 * top-level modified_id.csv), every document valid against the OSV schema and equal to the served
 * per-id OSV view, ecosystems named as osv-scanner asks for them, deletions kept as withdrawn,
 * byte-identical rebuilds, and OSV in → store → zip → OSV out for language documents.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOsvExport, type OsvExportResult, rfc3339Nano } from '../../feed-service/outputs/osv/build.ts';
import { ZipWriter } from '../../feed-service/outputs/osv/zip.ts';
import { setEnabled } from '../../feed-service/storage/groups.ts';
import { recordsById } from '../../feed-service/storage/serve.ts';
import { osvOfRow } from '../../feed-service/http/v2-osv.ts';
import { mergeOsv } from '../../drivers/_framework/shapes/osv.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { normalizeOsv } from '../helpers/osv-normalize.ts';
import { OSV_SCHEMA_ABSENT, osvSchemaPresent, osvValidator } from '../helpers/osv-schema.ts';
import { skipUnless } from '../helpers/skip.ts';
import { DEMO_MIRROR, syncAlpine } from './grype-helpers.ts';
import { DEBIAN, KEV, LANGUAGE, NVD, putRecords, rec, RHEL, UBUNTU } from './grype-records.ts';
import { osvDocs, OSV_FIXTURES, readZip } from './osv-helpers.ts';

let db: TestDb;
let dir: string;
let result: OsvExportResult;

const read = (rel: string): Promise<string> => fs.readFile(path.join(dir, ...rel.split('/')), 'utf8');

beforeAll(async () => {
  db = await createTestDb();
  await syncAlpine(db.sql, DEMO_MIRROR);
  await putRecords(db.sql, 'debian', 'vulnerabilities', [...DEBIAN, rec('debian:12', 'CVE-2024-0004', [{ package: 'zlib', versionScheme: 'dpkg', state: 'not_affected' }])]);
  await putRecords(db.sql, 'ubuntu', 'vulnerabilities', UBUNTU);
  await putRecords(db.sql, 'redhat', 'vulnerabilities', RHEL);
  await putRecords(db.sql, 'osv', 'github', LANGUAGE);
  await putRecords(db.sql, 'nvd', 'nvdv2', NVD);
  await putRecords(db.sql, 'kev', 'enrichment', KEV);
  // A deletion upstream: Debian 12 drops CVE-2023-52425, which becomes a tombstone.
  await putRecords(db.sql, 'debian', 'vulnerabilities', [DEBIAN[0]!, rec('debian:12', 'CVE-2024-0004', [{ package: 'zlib', versionScheme: 'dpkg', state: 'not_affected' }])]);
  dir = await tempDir('airfeed-osv-export-');
  result = await buildOsvExport(db.sql, dir);
});
afterAll(async () => {
  await db.drop();
});

describe('layout', () => {
  it("writes ecosystems.txt, and per ecosystem all.zip and modified_id.csv, as osv.dev lays them out", async () => {
    expect(await read('ecosystems.txt')).toBe('Alpine\nDebian\nGo\nMaven\nPyPI\nRed Hat\nUbuntu\nnpm\n');
    expect(result.files.map((f) => f.path)).toEqual([
      'Alpine/all.zip', 'Alpine/modified_id.csv', 'Debian/all.zip', 'Debian/modified_id.csv', 'Go/all.zip', 'Go/modified_id.csv',
      'Maven/all.zip', 'Maven/modified_id.csv', 'PyPI/all.zip', 'PyPI/modified_id.csv', 'Red Hat/all.zip', 'Red Hat/modified_id.csv',
      'Ubuntu/all.zip', 'Ubuntu/modified_id.csv', 'ecosystems.txt', 'modified_id.csv', 'npm/all.zip', 'npm/modified_id.csv',
    ]);
    expect(result.unmapped).toEqual(['kev:catalog', 'nvdv2:cves']);
    const listed = (await fs.readdir(dir)).sort();
    expect(listed).toEqual(['Alpine', 'Debian', 'Go', 'Maven', 'PyPI', 'Red Hat', 'Ubuntu', 'ecosystems.txt', 'modified_id.csv', 'npm']);
    for (const f of result.files) expect((await fs.stat(path.join(dir, ...f.path.split('/')))).size).toBe(f.bytes);
  });

  it('zips one <id>.json per document, sorted by id, each the document of that id', async () => {
    for (const eco of ['Alpine', 'Debian', 'Ubuntu', 'Red Hat', 'PyPI', 'npm']) {
      const entries = await readZip(path.join(dir, eco, 'all.zip'));
      expect(entries.length, eco).toBe(result.ecosystems.find((e) => e.name === eco)?.documents);
      const names = entries.map((e) => e.name);
      expect(names, eco).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      for (const e of entries) expect(`${(JSON.parse(e.data.toString('utf8')) as { id: string }).id}.json`).toBe(e.name);
    }
    const debian = (await readZip(path.join(dir, 'Debian', 'all.zip'))).map((e) => e.name);
    expect(debian).toEqual(['CVE-2023-4863.json', 'CVE-2023-52425.json']);
    const ubuntu = (await readZip(path.join(dir, 'Ubuntu', 'all.zip'))).map((e) => e.name);
    expect(ubuntu).toEqual(['CVE-2023-38545.json', 'UBUNTU-CVE-2014-2901.json', 'UBUNTU-CVE-2020-99999.json']);
    // CVE-2024-0004 names only a package Debian is not affected by (as do some Alpine records whose every fix is "0").
    expect(result.withoutAffected).toBeGreaterThanOrEqual(1);
    expect(debian).not.toContain('CVE-2024-0004.json');
    expect(result.duplicates).toBe(0);
  });

  it('lists modified_id.csv newest first (then by id), times as Go writes RFC 3339 nanoseconds', async () => {
    const lines = (await read('Ubuntu/modified_id.csv')).split('\n');
    expect(lines.pop()).toBe('');
    // A record with no modified time of its own is dated by the store's last change of it (this machine's clock: newest).
    expect(lines.slice(-2)).toEqual(['2025-08-01T04:49:26Z,UBUNTU-CVE-2014-2901', '2024-01-01T00:00:00Z,UBUNTU-CVE-2020-99999']);
    const times = lines.map((l) => l.split(',')[0]!);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z$/);
    const top = (await read('modified_id.csv')).trim().split('\n');
    const perEco = await Promise.all(result.ecosystems.map(async (e) => (await read(`${e.name}/modified_id.csv`)).trim().split('\n').length));
    expect(top.length).toBe(perEco.reduce((a, b) => a + b, 0));
    expect(top).toContain('2025-08-01T04:49:26Z,Ubuntu/UBUNTU-CVE-2014-2901');
    const keys = top.map((l) => new Date(l.split(',')[0]!).getTime());
    for (let i = 1; i < keys.length; i++) expect(keys[i]!).toBeLessThanOrEqual(keys[i - 1]!);
    expect(rfc3339Nano('2024-06-01T00:00:00.500000Z')).toBe('2024-06-01T00:00:00.5Z');
    expect(rfc3339Nano('2024-06-01T00:00:00.000000Z')).toBe('2024-06-01T00:00:00Z');
  });
});

describe('documents', () => {
  it('are the served OSV view of the same store, merged across releases and distros', async () => {
    const check = async (eco: string, name: string): Promise<void> => {
      const id = name.replace(/\.json$/, '');
      const entry = (await readZip(path.join(dir, eco, 'all.zip'))).find((e) => e.name === name);
      const rows = (await recordsById(db.sql, id)).filter((r) => !['kev:catalog', 'nvdv2:cves'].includes(r.group));
      const live = rows.filter((r) => !r.deleted);
      const use = live.length > 0 ? live : rows;
      expect(JSON.parse(entry!.data.toString('utf8'))).toEqual(use.length === 1 ? osvOfRow(use[0]!) : mergeOsv(use.map(osvOfRow)));
    };
    await check('Debian', 'CVE-2023-4863.json');
    await check('Ubuntu', 'CVE-2023-38545.json');
    await check('Red Hat', 'CVE-2023-38545.json');
    await check('PyPI', 'GHSA-h5c8-rqwp-cp95.json');
    // One CVE fixed in Ubuntu and RHEL is one document, in both ecosystems' zips.
    const doc = JSON.parse((await readZip(path.join(dir, 'Red Hat', 'all.zip')))[0]!.data.toString('utf8')) as { affected: { package: { ecosystem: string } }[] };
    expect(new Set(doc.affected.map((a) => a.package.ecosystem.split(':')[0]))).toEqual(new Set(['Red Hat', 'Ubuntu']));
  });

  it('keep a vulnerability deleted upstream as withdrawn, at its deletion', async () => {
    const [, removed] = await readZip(path.join(dir, 'Debian', 'all.zip'));
    const doc = JSON.parse(removed!.data.toString('utf8')) as { id: string; withdrawn?: string };
    expect(doc.id).toBe('CVE-2023-52425');
    expect(doc.withdrawn).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('are all valid against the OSV schema', skipUnless(osvSchemaPresent, OSV_SCHEMA_ABSENT), async () => {
    const validate = osvValidator();
    let checked = 0;
    for (const e of result.ecosystems) {
      for (const entry of await readZip(path.join(dir, e.name, 'all.zip'))) {
        const error = validate(JSON.parse(entry.data.toString('utf8')));
        expect(error, `${e.name}/${entry.name}`).toBeNull();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});

describe('rebuilds', () => {
  it('give the same bytes for the same store', async () => {
    const again = await tempDir('airfeed-osv-export-again-');
    const second = await buildOsvExport(db.sql, again);
    expect(second.files).toEqual(result.files);
    for (const f of result.files) {
      const a = await fs.readFile(path.join(dir, ...f.path.split('/')));
      const b = await fs.readFile(path.join(again, ...f.path.split('/')));
      expect(b.equals(a), f.path).toBe(true);
    }
    expect(second.key).toBe(result.key);
  });

  it('leave a disabled group out', async () => {
    await setEnabled(db.sql, 'github:python', false);
    try {
      const out = await tempDir('airfeed-osv-export-disabled-');
      const r = await buildOsvExport(db.sql, out);
      expect(r.ecosystems.map((e) => e.name)).not.toContain('PyPI');
      expect(await fs.readFile(path.join(out, 'ecosystems.txt'), 'utf8')).not.toContain('PyPI');
      expect(r.key).not.toBe(result.key);
    } finally {
      await setEnabled(db.sql, 'github:python', true);
    }
  });
});

describe('OSV in → store → zip → OSV out', () => {
  it('gives every language document back, up to the OSV view\'s documented normalization', async () => {
    const fresh = await createTestDb();
    try {
      const docs = await osvDocs(OSV_FIXTURES);
      for (const group of [...new Set(docs.map((d) => d.record.namespace))]) await putRecords(fresh.sql, 'osv', 'github', docs.filter((d) => d.record.namespace === group).map((d) => d.record));
      const out = await tempDir('airfeed-osv-roundtrip-');
      const r = await buildOsvExport(fresh.sql, out);
      expect(r.ecosystems.map((e) => e.name)).toEqual(['Go', 'PyPI', 'crates.io', 'npm']);
      for (const { file, doc } of docs) {
        const eco = ((doc['affected'] as { package: { ecosystem: string } }[])[0]!.package.ecosystem);
        const entry = (await readZip(path.join(out, eco, 'all.zip'))).find((e) => e.name === `${doc['id'] as string}.json`);
        expect(entry, file).toBeDefined();
        expect(JSON.parse(entry!.data.toString('utf8')), file).toEqual(normalizeOsv(doc));
      }
      expect((await fs.readFile(path.join(out, 'npm', 'modified_id.csv'), 'utf8'))).toBe('2023-09-11T16:22:17Z,GHSA-pxg6-pf52-xh8x\n');
    } finally {
      await fresh.drop();
    }
  });
});

const REAL_OSV = path.resolve(import.meta.dirname, '../../../shared/realdata/osv');
const REAL_SETS = ['govulndb-osv/data', 'rustsec-osv/data/crates', 'ghsa-sample'].map((d) => path.join(REAL_OSV, d));

describe('OSV in → store → zip → OSV out on real databases', skipUnless(REAL_SETS.every((d) => existsSync(d)), '../shared/realdata/osv is absent, as in a fresh clone'), () => {
  it('gives every Go, RustSec and GHSA document back, up to the documented normalization', { timeout: 600_000 }, async () => {
    const fresh = await createTestDb();
    try {
      const docs = (await Promise.all(REAL_SETS.map((d) => osvDocs(d)))).flat();
      for (const group of [...new Set(docs.map((d) => d.record.namespace))].sort()) {
        await putRecords(fresh.sql, 'osv', 'github', docs.filter((d) => d.record.namespace === group).map((d) => d.record));
      }
      const out = await tempDir('airfeed-osv-roundtrip-real-');
      const r = await buildOsvExport(fresh.sql, out);
      const byEco = new Map<string, Map<string, Buffer>>();
      for (const e of r.ecosystems) byEco.set(e.name, new Map((await readZip(path.join(out, e.name, 'all.zip'))).map((x) => [x.name, x.data])));
      const failures: string[] = [];
      for (const { file, doc } of docs) {
        const eco = (doc['affected'] as { package: { ecosystem: string } }[] | undefined)?.[0]?.package.ecosystem.split(':')[0] ?? '';
        const data = byEco.get(eco)?.get(`${doc['id'] as string}.json`);
        if (!data) {
          failures.push(`${file}: not in ${eco}/all.zip`);
          continue;
        }
        try {
          expect(JSON.parse(data.toString('utf8'))).toEqual(normalizeOsv(doc));
        } catch (err) {
          failures.push(`${file}: ${(err as Error).message.slice(0, 300)}`);
        }
      }
      expect(failures.slice(0, 3)).toEqual([]);
      expect(r.documents).toBe(docs.length);
    } finally {
      await fresh.drop();
    }
  });
});

describe('zip archives', () => {
  it('of 65,535 entries and more carry the ZIP64 end records that readers count them by', async () => {
    const out = await tempDir('airfeed-osv-zip64-');
    const file = path.join(out, 'big.zip');
    const zip = await ZipWriter.create(file);
    const n = 70_000;
    for (let i = 0; i < n; i++) await zip.add(`X-${String(i).padStart(6, '0')}.json`, Buffer.from(`{"id":"X-${i}"}`), new Date('2024-01-02T03:04:05Z'));
    await zip.finish();
    // yauzl (what the osv driver reads zips with) counts the entries from the ZIP64 end record.
    const opened = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(file, { lazyEntries: true, autoClose: false });
    expect(opened.entryCount).toBe(n);
    opened.close();
    // Info-ZIP, when installed, reads every entry back and checks its CRC.
    const unzip = spawnSync('unzip', ['-tqq', file], { encoding: 'utf8' });
    if (!unzip.error) expect(unzip.status, unzip.stdout + unzip.stderr).toBe(0);
    // And the framework's zip reader reads a small archive of the same writer entry by entry.
    const small = await ZipWriter.create(path.join(out, 'small.zip'));
    await small.add('A.json', Buffer.from('{"id":"A"}'), new Date('2024-01-02T03:04:05Z'));
    await small.finish();
    expect(await readZip(path.join(out, 'small.zip'))).toEqual([{ name: 'A.json', data: Buffer.from('{"id":"A"}') }]);
  });
});
