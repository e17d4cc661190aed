/**
 * Writes grype's v6 SQLite file (`vulnerability.db`) from mapped entries, deterministically:
 *
 * - ids come from AUTOINCREMENT in insertion order, and the caller inserts in a fixed order;
 * - blobs, vulnerability handles, operating systems, packages and CPEs are stored once and shared,
 *   as grype-db does; the "seen" indexes live in SQLite's TEMP database (a separate file), so memory
 *   stays flat however many records there are, and nothing of them is left in the main file;
 * - no journal (the file is built in a temporary directory and renamed into place only when
 *   complete), one page size, no ANALYZE tables, and only inserts (so no free pages, nothing for a
 *   VACUUM to compact): the same entries give the same bytes, the file's header counters depending
 *   only on the sequence of statements.
 *
 * Times are stored as grype's Go SQLite driver writes them: `2024-12-31 00:00:00+00:00`.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import { kevBlobText, packageBlobText, vulnerabilityBlobText } from './blobs.ts';
import type { CpeRow, GrypeEntry, OsRow, PackageHandle, PackageRow, VulnerabilityEntry } from './model.ts';
import { OS_OVERRIDES, PACKAGE_OVERRIDES } from './overrides.ts';
import { DDL, SCHEMA } from './schema.ts';

/** Entries per transaction: big enough to be fast, small enough that SQLite's page cache bounds memory. */
const BATCH = 2000;

export interface ProviderRow {
  id: string;
  version: string;
  processor: string;
  dateCaptured: Date;
  inputDigest: string;
}

export interface WriteCounts {
  vulnerabilities: number;
  blobs: number;
  affectedPackages: number;
  unaffectedPackages: number;
  affectedCpes: number;
  unaffectedCpes: number;
  packages: number;
  operatingSystems: number;
  cpes: number;
  kev: number;
  epss: number;
  cwes: number;
  aliases: number;
}

/** `2024-12-31 00:00:00+00:00` (fractional seconds only when present), or null. */
export function sqliteTime(value: string | Date | null): string | null {
  if (value === null) return null;
  const d = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return null;
  const iso = d.toISOString();
  const ms = iso.slice(20, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === '000' ? '' : `.${ms.replace(/0+$/, '')}`}+00:00`;
}

const osKey = (o: OsRow): string => [o.name, o.releaseId, o.major, o.minor, o.label, o.channel].join('\u0000');

export class GrypeWriter {
  private readonly db: Database.Database;
  private readonly stmt: Record<string, Database.Statement>;
  private readonly osIds = new Map<string, number>();
  private readonly providers = new Map<string, ProviderRow>();
  private inBatch = 0;
  private epssDate: string | null = null;
  readonly counts: WriteCounts = {
    vulnerabilities: 0, blobs: 0, affectedPackages: 0, unaffectedPackages: 0, affectedCpes: 0, unaffectedCpes: 0,
    packages: 0, operatingSystems: 0, cpes: 0, kev: 0, epss: 0, cwes: 0, aliases: 0,
  };

  constructor(readonly file: string) {
    try {
      this.db = new Database(file);
    } catch (err) {
      throw new AirfeedError('OUTPUT_FAILED', `grype: cannot create the SQLite file ${file}: ${(err as Error).message}`, { cause: err });
    }
    const db = this.db;
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('temp_store = FILE');
    db.pragma('cache_size = -32768'); // 32 MiB per database (main and temp)
    // Providers are written last (their input digest covers every record); integrity is checked
    // once at the end instead (foreign_key_check), which also spares a lookup per inserted row.
    db.pragma('foreign_keys = OFF');
    for (const ddl of DDL) db.exec(ddl);
    db.exec(`
      CREATE TEMP TABLE blob_ids (digest BLOB PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TEMP TABLE vuln_ids (digest BLOB PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
    `);
    const p = (s: string): Database.Statement => db.prepare(s);
    this.stmt = {
      blobFind: p('SELECT id FROM temp.blob_ids WHERE digest = ?'),
      blobInsert: p('INSERT INTO blobs (value) VALUES (?)'),
      blobClaim: p('INSERT OR IGNORE INTO temp.blob_ids (digest, id) VALUES (?, ?)'),
      vulnFind: p('SELECT id FROM temp.vuln_ids WHERE digest = ?'),
      vulnInsert: p(`INSERT INTO vulnerability_handles (name, status, published_date, modified_date, withdrawn_date, provider_id, blob_id)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      vulnIndex: p('INSERT INTO temp.vuln_ids (digest, id) VALUES (?, ?)'),
      osInsert: p(`INSERT INTO operating_systems (name, release_id, major_version, minor_version, label_version, codename, channel, eol_date, eoas_date)
        VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)`),
      pkgFind: p('SELECT id FROM packages WHERE ecosystem = ? COLLATE NOCASE AND name = ? COLLATE NOCASE'),
      pkgInsert: p('INSERT INTO packages (ecosystem, name) VALUES (?, ?)'),
      cpeFind: p(`SELECT id FROM cpes WHERE part = ? COLLATE NOCASE AND vendor = ? COLLATE NOCASE AND product = ? COLLATE NOCASE
        AND edition = ? COLLATE NOCASE AND language = ? COLLATE NOCASE AND software_edition = ? COLLATE NOCASE
        AND target_hardware = ? COLLATE NOCASE AND target_software = ? COLLATE NOCASE AND other = ? COLLATE NOCASE`),
      cpeInsert: p(`INSERT INTO cpes (part, vendor, product, edition, language, software_edition, target_hardware, target_software, other)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      affectedPkg: p('INSERT INTO affected_package_handles (vulnerability_id, operating_system_id, package_id, blob_id) VALUES (?, ?, ?, ?)'),
      unaffectedPkg: p('INSERT INTO unaffected_package_handles (vulnerability_id, operating_system_id, package_id, blob_id) VALUES (?, ?, ?, ?)'),
      affectedCpe: p('INSERT INTO affected_cpe_handles (vulnerability_id, cpe_id, blob_id) VALUES (?, ?, ?)'),
      unaffectedCpe: p('INSERT INTO unaffected_cpe_handles (vulnerability_id, cpe_id, blob_id) VALUES (?, ?, ?)'),
      alias: p('INSERT OR IGNORE INTO vulnerability_aliases (name, alias) VALUES (?, ?)'),
      cwe: p('INSERT INTO cwe_handles (cve, cwe, source, type) VALUES (?, ?, ?, ?)'),
      kev: p('INSERT INTO known_exploited_vulnerability_handles (cve, blob_id) VALUES (?, ?)'),
      epss: p('INSERT INTO epss_handles (cve, epss, percentile) VALUES (?, ?, ?)'),
    };
    db.exec('BEGIN');
    this.writeOverrides();
  }

  private writeOverrides(): void {
    const os = this.db.prepare(`INSERT INTO operating_system_specifier_overrides
      (alias, version, version_pattern, codename, channel, replacement, replacement_major_version, replacement_minor_version,
       replacement_label_version, replacement_channel, rolling, applicable_client_db_schemas) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const o of OS_OVERRIDES) {
      os.run(o.alias, o.version ?? '', o.versionPattern ?? '', o.codename ?? '', o.channel ?? '', o.replacement ?? null, o.replacementMajor ?? null,
        o.replacementMinor ?? null, o.replacementLabel ?? null, o.replacementChannel ?? null, o.rolling ? 1 : 0, o.clientSchemas ?? '');
    }
    const pkg = this.db.prepare('INSERT INTO package_specifier_overrides (ecosystem, replacement_ecosystem) VALUES (?, ?)');
    for (const [from, to] of PACKAGE_OVERRIDES) pkg.run(from, to);
  }

  private blobId(text: string): number {
    // blobs.id is AUTOINCREMENT over inserts only, so the next id is known: claiming it in the index
    // first makes a new blob cost one index insert and one row insert, and a repeated one a lookup.
    const digest = createHash('sha256').update(text).digest().subarray(0, 16);
    const next = this.counts.blobs + 1;
    if (this.stmt['blobClaim']!.run(digest, next).changes === 0) return (this.stmt['blobFind']!.get(digest) as { id: number }).id;
    const id = Number(this.stmt['blobInsert']!.run(text).lastInsertRowid);
    if (id !== next) throw new AirfeedError('OUTPUT_FAILED', `grype: blob ids out of step (${id}, expected ${next})`);
    this.counts.blobs++;
    return id;
  }

  private osId(o: OsRow): number {
    const key = osKey(o);
    let id = this.osIds.get(key);
    if (id === undefined) {
      id = Number(this.stmt['osInsert']!.run(o.name, o.releaseId, o.major, o.minor, o.label, o.codename, o.channel).lastInsertRowid);
      this.osIds.set(key, id);
      this.counts.operatingSystems++;
    }
    return id;
  }

  private packageId(p: PackageRow): number {
    const found = this.stmt['pkgFind']!.get(p.ecosystem, p.name) as { id: number } | undefined;
    if (found) return found.id;
    this.counts.packages++;
    return Number(this.stmt['pkgInsert']!.run(p.ecosystem, p.name).lastInsertRowid);
  }

  private cpeId(c: CpeRow): number {
    const values = [c.part, c.vendor, c.product, c.edition, c.language, c.softwareEdition, c.targetHardware, c.targetSoftware, c.other];
    const found = this.stmt['cpeFind']!.get(...values) as { id: number } | undefined;
    if (found) return found.id;
    this.counts.cpes++;
    return Number(this.stmt['cpeInsert']!.run(...values).lastInsertRowid);
  }

  /**
   * The handle of the entry's vulnerability, created once per (name, status, provider, blob, dates) as
   * grype's store does (`addUniqueVulnerability`); its aliases are written with it. A modified time
   * defaults to the published one (grype's store does the same, so date queries need no special case).
   */
  private vulnerabilityId(e: GrypeEntry, v: VulnerabilityEntry): number {
    const blob = this.blobId(vulnerabilityBlobText(v.blob));
    const published = sqliteTime(v.published);
    const modified = sqliteTime(v.modified) ?? published;
    const withdrawn = sqliteTime(v.withdrawn);
    const digest = createHash('sha256').update(JSON.stringify([v.name, v.status, e.provider, blob, published, modified, withdrawn])).digest().subarray(0, 16);
    const found = this.stmt['vulnFind']!.get(digest) as { id: number } | undefined;
    if (found) return found.id;
    const id = Number(this.stmt['vulnInsert']!.run(v.name, v.status, published, modified, withdrawn, e.provider, blob).lastInsertRowid);
    this.stmt['vulnIndex']!.run(digest, id);
    this.counts.vulnerabilities++;
    // vulnerability_aliases: every alias of the blob but the name itself (a name → its upstream ids).
    for (const alias of [...new Set(v.blob.aliases ?? [])].sort()) {
      if (alias !== v.name && this.stmt['alias']!.run(v.name, alias).changes > 0) this.counts.aliases++;
    }
    return id;
  }

  private packageHandle(stmt: string, vuln: number, h: PackageHandle): void {
    this.stmt[stmt]!.run(vuln, h.os ? this.osId(h.os) : null, this.packageId(h.pkg), this.blobId(packageBlobText(h.blob)));
  }

  /** Registers (or updates) a provider row; providers are written at the end, sorted by id. */
  setProvider(p: ProviderRow): void {
    this.providers.set(p.id, p);
  }

  addEntry(e: GrypeEntry): void {
    if (!this.providers.has(e.provider)) {
      throw new AirfeedError('OUTPUT_FAILED', `grype: record ${e.vulnerability?.name ?? e.kev[0]?.cve ?? e.epss[0]?.cve ?? ''} names provider ${e.provider}, which the build did not register`);
    }
    const handles = e.affectedPackages.length + e.unaffectedPackages.length + e.affectedCpes.length + e.unaffectedCpes.length;
    if (e.vulnerability === null && handles > 0) {
      throw new AirfeedError('OUTPUT_FAILED', `grype: an entry of provider ${e.provider} has package or CPE handles but no vulnerability`);
    }
    if (e.vulnerability !== null) {
      const vuln = this.vulnerabilityId(e, e.vulnerability);
      for (const h of e.affectedPackages) this.packageHandle('affectedPkg', vuln, h);
      for (const h of e.unaffectedPackages) this.packageHandle('unaffectedPkg', vuln, h);
      for (const h of e.affectedCpes) this.stmt['affectedCpe']!.run(vuln, this.cpeId(h.cpe), this.blobId(packageBlobText(h.blob)));
      for (const h of e.unaffectedCpes) this.stmt['unaffectedCpe']!.run(vuln, this.cpeId(h.cpe), this.blobId(packageBlobText(h.blob)));
    }
    for (const c of e.cwes) this.stmt['cwe']!.run(c.cve, c.cwe, c.source, c.type);
    for (const k of e.kev) this.stmt['kev']!.run(k.cve, this.blobId(kevBlobText(k.blob)));
    for (const s of e.epss) {
      this.stmt['epss']!.run(s.cve, s.epss, s.percentile);
      if (this.epssDate === null || s.date > this.epssDate) this.epssDate = s.date;
    }
    this.counts.affectedPackages += e.affectedPackages.length;
    this.counts.unaffectedPackages += e.unaffectedPackages.length;
    this.counts.affectedCpes += e.affectedCpes.length;
    this.counts.unaffectedCpes += e.unaffectedCpes.length;
    this.counts.kev += e.kev.length;
    this.counts.epss += e.epss.length;
    this.counts.cwes += e.cwes.length;
    if (++this.inBatch >= BATCH) {
      this.db.exec('COMMIT; BEGIN');
      this.inBatch = 0;
    }
  }

  /** Writes providers and `db_metadata` (built = the newest data's time), compacts, and closes the file. */
  finish(built: Date): void {
    const provider = this.db.prepare('INSERT INTO providers (id, version, processor, date_captured, input_digest) VALUES (?, ?, ?, ?, ?)');
    for (const id of [...this.providers.keys()].sort()) {
      const p = this.providers.get(id)!;
      provider.run(p.id, p.version, p.processor, sqliteTime(p.dateCaptured), p.inputDigest);
    }
    if (this.epssDate !== null) this.db.prepare('INSERT INTO epss_metadata (date) VALUES (?)').run(sqliteTime(this.epssDate));
    this.db.prepare('INSERT INTO db_metadata (build_timestamp, model, revision, addition) VALUES (?, ?, ?, ?)')
      .run(sqliteTime(built), SCHEMA.model, SCHEMA.revision, SCHEMA.addition);
    this.db.exec('COMMIT');
    const broken = this.db.prepare('PRAGMA foreign_key_check').all() as { table: string; rowid: number; parent: string }[];
    if (broken.length > 0) {
      const b = broken[0]!;
      throw new AirfeedError('OUTPUT_FAILED', `grype: ${broken.length} rows point at missing rows, e.g. ${b.table} row ${b.rowid} → ${b.parent}`);
    }
    // Only inserts ever touched the main file (the indexes above live in TEMP), so it has no free
    // pages: a VACUUM would rewrite every page for nothing.
    this.db.close();
  }

  /** Closes the file without finishing it (the caller removes the build directory). */
  abort(): void {
    if (this.db.open) this.db.close();
  }
}
