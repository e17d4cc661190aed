/**
 * The grype database built from the store: packaging as grype distributes it (archive members,
 * import.json digest, latest.json checksum), byte-identical rebuilds, what the Alpine records become,
 * `built` as the data's time, and disabled groups left out.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import xxhash from 'xxhash-wasm';
import { buildGrypeDatabase, type BuildResult } from '../../feed-service/outputs/grype/build.ts';
import { setEnabled } from '../../feed-service/storage/groups.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { DEMO_MIRROR, openReadOnly, readArchive, syncAlpine } from './grype-helpers.ts';

let db: TestDb;
let first: BuildResult;
let firstDir: string;

async function build(): Promise<{ dir: string; result: BuildResult }> {
  const dir = await tempDir('airfeed-grype-build-');
  return { dir, result: await buildGrypeDatabase(db.sql, dir) };
}

beforeAll(async () => {
  db = await createTestDb();
  await syncAlpine(db.sql, DEMO_MIRROR);
  // Fixed freshness, so `built` is known: the data was last confirmed current at these times.
  await db.sql`update groups set last_success = case name
    when 'alpine:3.19' then '2024-12-30T10:00:00.750Z'::timestamptz
    when 'alpine:3.20' then '2024-12-31T08:30:15.250Z'::timestamptz
    else '2024-12-29T00:00:00Z'::timestamptz end`;
  ({ dir: firstDir, result: first } = await build());
});
afterAll(async () => {
  await db.drop();
});

describe('packaging', () => {
  it('names the archive as grype does (oldest provider capture, built epoch) and writes latest.json with its sha256', async () => {
    expect(path.basename(first.archive)).toBe('vulnerability-db_v6.1.9_2024-12-31T08:30:15Z_1735633815.tar.zst');
    const latest = JSON.parse(await fs.readFile(path.join(firstDir, 'latest.json'), 'utf8')) as Record<string, unknown>;
    expect(latest).toEqual({
      status: 'active',
      schemaVersion: 'v6.1.9',
      built: '2024-12-31T08:30:15Z',
      path: path.basename(first.archive),
      checksum: `sha256:${createHash('sha256').update(await fs.readFile(first.archive)).digest('hex')}`,
    });
  });

  it('holds vulnerability.db and an import.json whose xxh64 digest matches it', async () => {
    const members = await readArchive(first.archive);
    expect([...members.keys()]).toEqual(['vulnerability.db', 'import.json']);
    const dbBytes = members.get('vulnerability.db')!;
    expect(dbBytes.equals(await fs.readFile(path.join(firstDir, 'vulnerability.db')))).toBe(true);
    const hasher = await xxhash();
    const digest = `xxh64:${hasher.h64Raw(new Uint8Array(dbBytes)).toString(16).padStart(16, '0')}`;
    expect(JSON.parse(members.get('import.json')!.toString('utf8'))).toEqual({ digest, client_version: 'v6.1.9' });
    expect(first.dbDigest).toBe(digest);
  });

  it('rebuilds the same store into byte-identical files', async () => {
    const { dir, result } = await build();
    expect(path.basename(result.archive)).toBe(path.basename(first.archive));
    for (const f of ['vulnerability.db', 'import.json', 'latest.json', path.basename(first.archive)]) {
      const a = await fs.readFile(path.join(firstDir, f));
      const b = await fs.readFile(path.join(dir, f));
      expect(b.equals(a), f).toBe(true);
    }
  });
});

describe('contents', () => {
  it('writes db_metadata with the data time and the provider with its capture time and input digest', () => {
    const sqlite = openReadOnly(path.join(firstDir, 'vulnerability.db'));
    try {
      expect(sqlite.prepare('select * from db_metadata').all()).toEqual([{ build_timestamp: '2024-12-31 08:30:15+00:00', model: 6, revision: 1, addition: 9 }]);
      const providers = sqlite.prepare('select * from providers').all() as Record<string, string>[];
      expect(providers).toHaveLength(1);
      expect(providers[0]).toMatchObject({ id: 'alpine', processor: 'airfeed@0.1.0', date_captured: '2024-12-31 08:30:15.25+00:00' });
      expect(providers[0]!['input_digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(sqlite.prepare('select name, release_id, major_version, minor_version, label_version, channel from operating_systems order by id').all()).toEqual([
        { name: 'alpine', release_id: 'alpine', major_version: '3', minor_version: '19', label_version: '', channel: '' },
        { name: 'alpine', release_id: 'alpine', major_version: '3', minor_version: '20', label_version: '', channel: '' },
        { name: 'alpine', release_id: 'alpine', major_version: '', minor_version: '', label_version: 'edge', channel: '' },
      ]);
      // grype's own overrides are there: an `_alpha` VERSION_ID reads edge's rows.
      expect(sqlite.prepare("select version_pattern, replacement_label_version, rolling from operating_system_specifier_overrides where alias = 'alpine'").all())
        .toEqual([{ version_pattern: '.*_alpha.*', replacement_label_version: 'edge', rolling: 1 }]);
    } finally {
      sqlite.close();
    }
  });

  it('maps a fixed Alpine package to "< fix" with state fixed, and shares one vulnerability handle across releases', async () => {
    const sqlite = openReadOnly(path.join(firstDir, 'vulnerability.db'));
    try {
      const [row] = await db.sql<{ group_name: string; doc: string }[]>`
        select group_name, doc from records where group_name = 'alpine:3.20' and not deleted order by id collate "C" limit 1`;
      const rec = JSON.parse(row!.doc) as { id: string; fixedIn: { package: string; version: string }[]; link: string };
      const fix = rec.fixedIn[0]!;
      const handles = sqlite.prepare(`
        select v.name, v.status, v.provider_id, vb.value as vblob, p.ecosystem, p.name as pkg, o.major_version, o.minor_version, b.value as blob
        from affected_package_handles a
        join vulnerability_handles v on v.id = a.vulnerability_id
        join blobs vb on vb.id = v.blob_id
        join packages p on p.id = a.package_id
        join operating_systems o on o.id = a.operating_system_id
        join blobs b on b.id = a.blob_id
        where v.name = ? and p.name = ? and o.minor_version = '20'`).all(rec.id, fix.package) as Record<string, string>[];
      expect(handles).toHaveLength(1);
      const h = handles[0]!;
      expect(h).toMatchObject({ name: rec.id, status: 'active', provider_id: 'alpine', ecosystem: 'apk', pkg: fix.package, major_version: '3' });
      expect(JSON.parse(h['vblob']!)).toEqual({ id: rec.id, refs: [{ url: rec.link }] });
      expect(JSON.parse(h['blob']!)).toEqual({ ranges: [{ version: { type: 'apk', constraint: `< ${fix.version}` }, fix: { version: fix.version, state: 'fixed' } }] });
      // The same vulnerability in several releases is one handle: grype-db shares identical blobs the same way.
      const perName = sqlite.prepare('select name, count(*) n from vulnerability_handles group by name having n > 1').all();
      expect(perName).toEqual([]);
      const blobs = sqlite.prepare('select value, count(*) n from blobs group by value having n > 1').all();
      expect(blobs).toEqual([]);
    } finally {
      sqlite.close();
    }
  });

  it('counts what it wrote', () => {
    expect(first.groups.map((g) => g.name)).toEqual(['alpine:3.19', 'alpine:3.20', 'alpine:edge']);
    expect(first.records).toBe(first.groups.reduce((s, g) => s + g.records, 0));
    expect(first.counts.operatingSystems).toBe(3);
    expect(first.counts.affectedPackages).toBeGreaterThan(0);
  });
});

describe('disabled groups', () => {
  it('leaves a disabled group out, and builds the same bytes again once it is back', async () => {
    await setEnabled(db.sql, 'alpine:3.19', false);
    try {
      const { dir, result } = await build();
      expect(result.groups.map((g) => g.name)).toEqual(['alpine:3.20', 'alpine:edge']);
      const sqlite = openReadOnly(path.join(dir, 'vulnerability.db'));
      try {
        expect(sqlite.prepare("select count(*) n from operating_systems where minor_version = '19'").get()).toEqual({ n: 0 });
      } finally {
        sqlite.close();
      }
      expect(result.key).not.toBe(first.key);
    } finally {
      await setEnabled(db.sql, 'alpine:3.19', true);
    }
    const again = await build();
    expect((await fs.readFile(again.result.archive)).equals(await fs.readFile(first.archive))).toBe(true);
  });

  it('refuses to build when no enabled group has data', async () => {
    await setEnabled(db.sql, 'vulnerabilities', false);
    try {
      const err = await build().then(() => null, (e: unknown) => e as { code: string; message: string });
      expect(err?.code).toBe('OUTPUT_FAILED');
      expect(err?.message).toContain('no enabled group');
    } finally {
      await setEnabled(db.sql, 'vulnerabilities', true);
    }
  });
});
