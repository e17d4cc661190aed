/**
 * The OSV export's sort buffer: a SQLite file beside the build. Records stream out of PostgreSQL in
 * record-id order, but every file the export writes wants another order (zip entries by OSV id per
 * ecosystem, modified_id.csv newest first), and one document goes to every ecosystem it names; the
 * spool takes each document once, deflated, and hands the entries back in each order, from disk, so
 * memory stays flat however many documents there are.
 */
import Database from 'better-sqlite3';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';

/** One spooled document, ready for a zip. */
export interface SpooledDoc {
  osvId: string;
  /** `modified` as osv.dev writes it (RFC 3339, UTC, fraction without trailing zeros). */
  modified: string;
  crc: number;
  size: number;
  data: Buffer;
}

/** A line of a modified_id.csv: the time and the path (`GHSA-…` per ecosystem, `PyPI/GHSA-…` at the top). */
export interface ModifiedLine {
  modified: string;
  path: string;
}

const BATCH = 2000;

export class OsvSpool {
  private readonly db: Database.Database;
  private readonly insertDoc: Database.Statement;
  private readonly insertEntry: Database.Statement;
  private inBatch = 0;
  /** Entries refused because their ecosystem already holds a document of the same OSV id. */
  duplicates = 0;

  constructor(readonly file: string) {
    try {
      this.db = new Database(file);
    } catch (err) {
      throw new AirfeedError('OUTPUT_FAILED', `osv: cannot create the spool ${file}: ${(err as Error).message}`, { cause: err });
    }
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('cache_size = -32768');
    this.db.pragma('temp_store = FILE');
    this.db.exec(`
      CREATE TABLE docs (n INTEGER PRIMARY KEY, osv_id TEXT NOT NULL, modified TEXT NOT NULL, crc INTEGER NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE TABLE entries (eco TEXT NOT NULL, osv_id TEXT NOT NULL, mkey TEXT NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (eco, osv_id)) WITHOUT ROWID;
    `);
    this.insertDoc = this.db.prepare('INSERT INTO docs (osv_id, modified, crc, size, data) VALUES (?, ?, ?, ?, ?)');
    this.insertEntry = this.db.prepare('INSERT OR IGNORE INTO entries (eco, osv_id, mkey, doc) VALUES (?, ?, ?, ?)');
    this.db.exec('BEGIN');
  }

  /** Adds a document to each of `ecosystems`; `mkey` sorts as the modified time does. */
  add(doc: SpooledDoc, mkey: string, ecosystems: readonly string[]): void {
    const n = Number(this.insertDoc.run(doc.osvId, doc.modified, doc.crc, doc.size, doc.data).lastInsertRowid);
    for (const eco of ecosystems) {
      if (this.insertEntry.run(eco, doc.osvId, mkey, n).changes === 0) this.duplicates++;
    }
    if (++this.inBatch >= BATCH) {
      this.db.exec('COMMIT; BEGIN');
      this.inBatch = 0;
    }
  }

  /** Ends writing and indexes the entries for the newest-first reads. */
  seal(): void {
    this.db.exec('COMMIT');
    this.db.exec('CREATE INDEX entries_modified ON entries (eco, mkey DESC, osv_id)');
  }

  /** The ecosystems, in byte order (`GIT` < `PyPI` < `crates.io`, as Go sorts strings). */
  ecosystems(): string[] {
    return (this.db.prepare('SELECT DISTINCT eco FROM entries ORDER BY eco').all() as { eco: string }[]).map((r) => r.eco);
  }

  /** How many documents each ecosystem holds. */
  count(eco: string): number {
    return (this.db.prepare('SELECT count(*) n FROM entries WHERE eco = ?').get(eco) as { n: number }).n;
  }

  /** An ecosystem's documents by OSV id (byte order). */
  *docs(eco: string): Generator<SpooledDoc> {
    const rows = this.db.prepare(`SELECT d.osv_id AS osvId, d.modified, d.crc, d.size, d.data FROM entries e JOIN docs d ON d.n = e.doc
      WHERE e.eco = ? ORDER BY e.osv_id`).iterate(eco) as IterableIterator<SpooledDoc>;
    yield* rows;
  }

  /** An ecosystem's modified_id.csv lines, newest first, then by id. */
  *modified(eco: string): Generator<ModifiedLine> {
    yield* this.db.prepare(`SELECT d.modified, e.osv_id AS path FROM entries e JOIN docs d ON d.n = e.doc
      WHERE e.eco = ? ORDER BY e.mkey DESC, e.osv_id`).iterate(eco) as IterableIterator<ModifiedLine>;
  }

  /** The top-level modified_id.csv lines (`<ecosystem>/<id>`), newest first, then by path. */
  *allModified(): Generator<ModifiedLine> {
    yield* this.db.prepare(`SELECT d.modified, e.eco || '/' || e.osv_id AS path FROM entries e JOIN docs d ON d.n = e.doc
      ORDER BY e.mkey DESC, path`).iterate() as IterableIterator<ModifiedLine>;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
