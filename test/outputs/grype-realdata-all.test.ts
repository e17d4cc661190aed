/**
 * The grype database of every real distro and language data set the drivers read from
 * ../shared/realdata (the Debian tracker slice, Canonical's Ubuntu OSV documents, the Red Hat VEX
 * archive, the Go, RustSec, PyPA and GHSA OSV databases; absent in a fresh clone: then skipped),
 * each synced by its driver (test/helpers/realdata-sync.ts), checked row by row against grype's
 * model:
 *
 * - every package handle is either on an operating system grype knows (alpine, debian, ubuntu,
 *   redhat) with that distro's package type (apk, deb, rpm), or on none with a syft language type;
 * - every blob is valid against grype's blob JSON Schema;
 * - every range has the version format grype-db writes for its kind (`dpkg`, `rpm`; vunnel's GitHub
 *   ecosystem names for language packages, or `Unknown` where grype's format rejects a version), a
 *   constraint grype's parser reads, and versions the format's comparator accepts;
 * - a `fixed` range names its fix and ends before it; an affected handle never says `not-affected`,
 *   an unaffected handle says nothing else, and a package every entry of a record calls not
 *   affected is never an affected handle of that record.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixedIn } from '../../drivers/_framework/record.ts';
import { getComparator } from '../../drivers/_framework/versions/index.ts';
import { comparatorFor } from '../../engine-client/match/ecosystems.ts';
import { buildGrypeDatabase } from '../../feed-service/outputs/grype/build.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { realSetsPresent, syncRealData } from '../helpers/realdata-sync.ts';
import { skipUnless } from '../helpers/skip.ts';
import { openReadOnly, SCHEMA_DIR } from './grype-helpers.ts';
import { constraintClauses } from './grype-lookup.ts';

const SETS = ['debian slice', 'ubuntu OSV', 'redhat VEX', 'Go', 'RustSec', 'PyPA', 'GHSA'];

/** grype's package type of each distro's operating system rows (grype-db's getPackageType). */
const OS_TYPES: Readonly<Record<string, string>> = { alpine: 'apk', debian: 'deb', ubuntu: 'deb', redhat: 'rpm' };
/** The range formats grype-db writes per package type, and the comparator that reads their versions. */
const FORMATS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  apk: { apk: 'apk' },
  deb: { dpkg: 'dpkg' },
  rpm: { rpm: 'rpm' },
  'go-module': { go: 'go' },
  'rust-crate': { rust: 'crates' },
  python: { python: 'pep440' },
  'java-archive': { java: 'maven' },
  npm: { npm: 'semver' },
  dotnet: { nuget: 'nuget' },
  gem: { gem: 'gem' },
  'php-composer': { composer: 'semver' },
};

interface HandleRow {
  kind: 'affected' | 'unaffected';
  vuln: string;
  ecosystem: string;
  pkg: string;
  os: string | null;
  release: string | null;
  major: string | null;
  label: string | null;
  blob: string;
}

interface RangeJson {
  version: { type?: string; constraint?: string };
  fix?: { version?: string; state?: string };
}

describe('grype database of every real distro and language data set', skipUnless(realSetsPresent(SETS), '../shared/realdata (Debian, Ubuntu, Red Hat, OSV sets) is absent, as in a fresh clone'), () => {
  let db: TestDb;
  let grype: Database.Database;
  let handles: HandleRow[];
  beforeAll(async () => {
    db = await createTestDb();
    const work = await tempDir('airfeed-grype-real-all-');
    const { sets } = await syncRealData(db.sql, work, undefined, SETS);
    expect(sets).toEqual(SETS);
    const out = await tempDir('airfeed-grype-real-all-out-');
    await buildGrypeDatabase(db.sql, out);
    grype = openReadOnly(path.join(out, 'vulnerability.db'));
    const select = (table: string, kind: HandleRow['kind']): HandleRow[] => grype.prepare(`
      select '${kind}' as kind, v.name as vuln, p.ecosystem, p.name as pkg, o.name as os, o.release_id as release, o.major_version as major, o.label_version as label, b.value as blob
      from ${table} a join packages p on p.id = a.package_id join vulnerability_handles v on v.id = a.vulnerability_id
      join blobs b on b.id = a.blob_id left join operating_systems o on o.id = a.operating_system_id`).all() as HandleRow[];
    handles = [...select('affected_package_handles', 'affected'), ...select('unaffected_package_handles', 'unaffected')];
  }, 600_000);
  afterAll(async () => {
    grype?.close();
    await db?.drop();
  });

  it('puts every package handle on an operating system grype knows with its package type, or on none with a language type', () => {
    const kinds = new Set(handles.map((h) => `${h.os ?? '-'} ${h.ecosystem}`));
    // Every distro and every language the sets hold is there.
    for (const k of ['debian deb', 'ubuntu deb', 'redhat rpm', '- go-module', '- rust-crate', '- python', '- java-archive']) expect(kinds, k).toContain(k);
    const wrong = handles.filter((h) => (h.os === null ? OS_TYPES[h.ecosystem] !== undefined || FORMATS[h.ecosystem] === undefined : OS_TYPES[h.os] !== h.ecosystem));
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('stores only blobs valid against grype\'s blob schema', async () => {
    const schema = JSON.parse(await fs.readFile(path.join(SCHEMA_DIR, 'blob-schema-6.1.9.json'), 'utf8')) as { $id: string };
    const ajv = new Ajv2020.default({ allErrors: true });
    ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s));
    ajv.addSchema(schema);
    const failures: string[] = [];
    const check = (def: string, values: string[]): void => {
      const validate = ajv.getSchema(`${schema.$id}#/$defs/${def}`)!;
      for (const v of values) if (!validate(JSON.parse(v))) failures.push(`${def} ${v.slice(0, 200)}: ${ajv.errorsText(validate.errors)}`);
    };
    check('VulnerabilityBlob', (grype.prepare('select b.value from vulnerability_handles h join blobs b on b.id = h.blob_id').all() as { value: string }[]).map((r) => r.value));
    check('PackageBlob', handles.map((h) => h.blob));
    expect(failures.slice(0, 3)).toEqual([]);
    expect(handles.length).toBeGreaterThan(5000);
  });

  it('writes every range in the format grype-db writes for its package type, with a constraint grype reads and versions its comparator accepts', () => {
    const problems: string[] = [];
    let clauses = 0;
    let unknown = 0;
    for (const h of handles) {
      for (const range of (JSON.parse(h.blob) as { ranges: RangeJson[] }).ranges) {
        const type = range.version.type ?? '';
        // `Unknown` (grype's fuzzy format) is what grype-db writes for a language range its format cannot read: any version goes.
        if (type === 'Unknown' && OS_TYPES[h.ecosystem] === undefined) {
          unknown++;
          try {
            constraintClauses(range.version.constraint ?? '');
          } catch (err) {
            problems.push(`${h.vuln} ${h.pkg}: ${(err as Error).message}`);
          }
          continue;
        }
        const scheme = FORMATS[h.ecosystem]?.[type];
        if (scheme === undefined) {
          problems.push(`${h.vuln} ${h.pkg}: format "${type}" for ${h.ecosystem}`);
          continue;
        }
        // grype reads Go versions with or without x/mod's `v` (OSV writes none), as the engine's Go comparator does.
        const cmp = scheme === 'go' ? comparatorFor('go', 'go') : getComparator(scheme);
        try {
          for (const alt of constraintClauses(range.version.constraint ?? '')) {
            for (const c of alt) {
              clauses++;
              if (!cmp.valid(c.version)) problems.push(`${h.vuln} ${h.pkg}: ${scheme} rejects "${c.version}" in "${range.version.constraint ?? ''}"`);
            }
          }
        } catch (err) {
          problems.push(`${h.vuln} ${h.pkg}: ${(err as Error).message}`);
        }
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(clauses).toBeGreaterThan(5000);
    // The PyPA ranges fixed in versions that are no PEP 440 (PYSEC-2019-125 `2019-09-12`, PYSEC-2021-371 `0.2.0-n653`), and no more than a handful.
    expect(unknown).toBeGreaterThanOrEqual(2);
    expect(unknown).toBeLessThan(50);
  });

  it('gives fix states as grype\'s model has them, and never lists a not-affected package as affected', async () => {
    const problems: string[] = [];
    for (const h of handles) {
      for (const range of (JSON.parse(h.blob) as { ranges: RangeJson[] }).ranges) {
        const state = range.fix?.state ?? '';
        const constraint = (range.version.constraint ?? '').replace(/ /g, '');
        if (h.kind === 'unaffected') {
          if (state !== 'not-affected') problems.push(`${h.vuln} ${h.pkg}: unaffected handle says ${state}`);
          continue;
        }
        if (!['fixed', 'not-fixed', 'wont-fix'].includes(state)) problems.push(`${h.vuln} ${h.pkg}: affected handle says "${state}"`);
        if (state === 'fixed' && !(range.fix?.version && constraint.includes(`<${range.fix.version.replace(/ /g, '')}`))) problems.push(`${h.vuln} ${h.pkg}: fixed in "${range.fix?.version ?? ''}" but "${constraint}"`);
      }
    }
    // Records whose every entry of a package says not affected: no affected handle of theirs names the package.
    const affected = new Set(handles.filter((h) => h.kind === 'affected' && h.os !== null).map((h) => `${h.vuln} ${h.pkg} ${h.release ?? ''} ${h.major || h.label || ''}`));
    let notAffected = 0;
    for (const r of await db.sql<{ id: string; group_name: string; doc: string }[]>`select id, group_name, doc from records where group_name ~ '^(debian|ubuntu|rhel):' and not deleted`) {
      const doc = JSON.parse(r.doc) as { fixedIn: FixedIn[]; upstream?: string[] };
      const vuln = r.id.startsWith('UBUNTU-') && doc.upstream?.[0] ? doc.upstream[0] : r.id;
      const [distro = '', release = ''] = r.group_name.split(':');
      const byPackage = new Map<string, FixedIn[]>();
      for (const f of doc.fixedIn.filter((x) => x.channel === undefined && x.moduleStream === undefined)) byPackage.set(f.package, [...(byPackage.get(f.package) ?? []), f]);
      for (const [pkg, entries] of byPackage) {
        if (!entries.every((f) => f.state === 'not_affected')) continue;
        notAffected++;
        if (affected.has(`${vuln} ${pkg} ${distro} ${release.split('.')[0] ?? ''}`)) problems.push(`${r.group_name} ${r.id} ${pkg}: not affected, yet an affected handle`);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(notAffected).toBeGreaterThan(0);
  });
});
