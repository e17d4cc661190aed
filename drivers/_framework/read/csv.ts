/**
 * Streaming CSV (RFC 4180): fields separated by commas, records by CRLF or LF; a field in double
 * quotes may hold commas, line breaks and doubled quotes (`"a ""b"""` is `a "b"`). The shapes
 * drivers read:
 *
 * - Red Hat VEX `changes.csv`, every field quoted: `"2024/cve-2024-0056.json","2024-02-05T16:57:43+00:00"`
 * - osv.dev `modified_id.csv`, none quoted: `2024-05-01T00:00:00Z,GHSA-xxxx-xxxx-xxxx`
 * - EPSS scores: a comment line, then a header, then rows:
 *   `#model_version:v2023.03.01,score_date:2024-05-01T00:00:00+0000` / `cve,epss,percentile` /
 *   `CVE-1999-0001,0.01167,0.84054`
 *
 * Options: `comment` (a line starting with it, outside quotes, is skipped: EPSS's `#`), `header`
 * (the first record names the columns: rows come as objects, and a row with a different number of
 * fields is an error), `columns` (the exact header expected). A stray quote inside an unquoted
 * field, text after a closing quote, or an unclosed quote at the end is SOURCE_INVALID naming the
 * file and line. Bytes go through the strict UTF-8 decoder first. Written here rather than taken
 * from a library: the grammar is this small, and errors name lines the way the other readers do.
 */
import { AirfeedError } from '../errors.ts';
import { type ByteSource, utf8Chunks } from './utf8.ts';

export interface CsvOptions {
  /** Names the file in errors. */
  label: string;
  /** Skip lines starting with this character (outside quotes), e.g. `#`. */
  comment?: string;
}

export interface CsvRow {
  /** 1-based line where the record starts. */
  line: number;
  fields: string[];
}

/** Every record of the CSV, as fields; see the module doc. Empty lines are skipped. */
export async function* csvRows(source: ByteSource, options: CsvOptions): AsyncGenerator<CsvRow> {
  const { label } = options;
  const comment = options.comment ?? null;
  let fields: string[] = [];
  let field = '';
  /** 'start' of a field, in an 'unquoted' field, in a 'quoted' one, 'quote' just read inside quotes, 'after' a closing quote. */
  let state: 'start' | 'unquoted' | 'quoted' | 'quote' | 'after' | 'comment' = 'start';
  let line = 1;
  let recordLine = 1;
  let atRecordStart = true;
  let pendingCr = false;
  const fail = (message: string): AirfeedError => new AirfeedError('SOURCE_INVALID', `${label}: line ${line}: ${message}`, { details: { line } });
  const rows: CsvRow[] = [];
  const endRecord = (): void => {
    fields.push(field);
    field = '';
    // A line with nothing on it is not a record of one empty field.
    if (!(fields.length === 1 && fields[0] === '' && state !== 'after')) rows.push({ line: recordLine, fields });
    fields = [];
    atRecordStart = true;
    state = 'start';
  };

  for await (const text of utf8Chunks(source, label)) {
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      if (pendingCr) {
        pendingCr = false;
        if (c === '\n') continue;
      }
      if (atRecordStart) {
        recordLine = line;
        atRecordStart = false;
        if (comment !== null && c === comment) state = 'comment';
      }
      switch (state) {
        case 'comment':
          if (c === '\n' || c === '\r') {
            pendingCr = c === '\r';
            line++;
            atRecordStart = true;
            state = 'start';
          }
          continue;
        case 'quoted':
          if (c === '"') state = 'quote';
          else {
            if (c === '\n') line++;
            field += c;
          }
          continue;
        case 'quote':
          if (c === '"') {
            field += '"';
            state = 'quoted';
            continue;
          }
          state = 'after';
          break;
        default:
          break;
      }
      // start, unquoted, after
      if (c === ',') {
        fields.push(field);
        field = '';
        state = 'start';
      } else if (c === '\n' || c === '\r') {
        pendingCr = c === '\r';
        endRecord();
        line++;
      } else if (state === 'after') {
        throw fail(`unexpected ${JSON.stringify(c)} after a closing quote (field ${fields.length + 1})`);
      } else if (c === '"') {
        if (state === 'unquoted') throw fail(`a quote inside an unquoted field (field ${fields.length + 1})`);
        state = 'quoted';
      } else {
        field += c;
        state = 'unquoted';
      }
    }
    if (rows.length > 0) {
      yield* rows;
      rows.length = 0;
    }
  }
  if (state === 'quoted') throw fail(`the file ends inside a quoted field that started on line ${recordLine} (truncated?)`);
  if (!atRecordStart && state !== 'comment') endRecord();
  yield* rows;
}

export interface CsvRecordsOptions<C extends string> extends CsvOptions {
  /** The exact header the file must have, in order. */
  columns: readonly C[];
}

/** Rows of a CSV with a header line, as objects keyed by `columns` (which the header must equal). */
export async function* csvRecords<C extends string>(source: ByteSource, options: CsvRecordsOptions<C>): AsyncGenerator<{ line: number; record: Record<C, string> }> {
  let header: string[] | null = null;
  for await (const row of csvRows(source, options)) {
    if (header === null) {
      header = row.fields;
      if (header.length !== options.columns.length || header.some((h, i) => h.trim() !== options.columns[i])) {
        throw new AirfeedError('SOURCE_INVALID', `${options.label}: line ${row.line}: the header is ${JSON.stringify(header)}, expected ${JSON.stringify(options.columns)}`);
      }
      continue;
    }
    if (row.fields.length !== header.length) {
      throw new AirfeedError('SOURCE_INVALID', `${options.label}: line ${row.line}: ${row.fields.length} fields, the header has ${header.length}`);
    }
    const record = {} as Record<C, string>;
    options.columns.forEach((c, i) => {
      record[c] = row.fields[i] as string;
    });
    yield { line: row.line, record };
  }
  if (header === null) throw new AirfeedError('SOURCE_INVALID', `${options.label}: the CSV is empty (no header line)`);
}
