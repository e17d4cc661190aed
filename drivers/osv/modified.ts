/**
 * osv.dev's change index, `<Ecosystem>/modified_id.csv`: one row per record of the ecosystem,
 * `<modified time>,<ID>`, newest first, no header
 * (https://google.github.io/osv.dev/data/#data-dumps):
 *
 *   2024-08-15T19:51:20.929Z,GHSA-6q6q-88xp-6f2r
 *   2024-08-15T19:51:19Z,PYSEC-2021-123
 *
 * Times are RFC 3339 (osv.dev writes UTC with `Z`; an offset is accepted and converted). They are
 * compared as exact keys, `2024-08-15T19:51:20.929000000Z`, so fractions finer than milliseconds
 * count (PyPA writes microseconds). The order of the rows is not relied on: every row is read and
 * the newest time is computed. A row that is not `<time>,<id>`, or an id that could not be a file
 * name (`npm/<ID>.json`), is SOURCE_INVALID naming the file and line.
 */
import { createReadStream } from 'node:fs';
import { AirfeedError } from '../_framework/errors.ts';
import { csvRows } from '../_framework/read/csv.ts';

const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;
/** What an OSV id may look like here: it becomes a file name and a URL path segment. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** The comparable key of an RFC 3339 time (`…T19:51:20.929000000Z`), or undefined when it is not one. */
export function timeKey(text: string): string | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  let whole = `${y}-${mo}-${d}T${h}:${mi}:${s}`;
  if (zone.toUpperCase() !== 'Z') {
    const ms = Date.parse(`${whole}${zone}`);
    if (Number.isNaN(ms)) return undefined;
    whole = new Date(ms).toISOString().slice(0, 19);
  } else if (Number.isNaN(Date.parse(`${whole}Z`))) {
    return undefined;
  }
  return `${whole}.${frac.padEnd(9, '0')}Z`;
}

export interface ModifiedRow {
  /** timeKey of the row's time. */
  time: string;
  id: string;
  line: number;
}

export interface ChangeIndex {
  /** Rows newer than the watermark, newest first, one per id (its newest row); at most `limit` + 1. */
  newer: ModifiedRow[];
  /** How many distinct ids are newer than the watermark (counted past the limit). */
  newerCount: number;
  /** The newest time in the file; undefined for an empty index. */
  newest: string | undefined;
  rows: number;
}

/**
 * Reads `file` (label names it in errors), keeping the rows newer than `watermark` (a timeKey; all
 * rows when undefined) up to `limit` + 1 of them: one more than the limit says "too many".
 */
export async function readChangeIndex(file: string, label: string, watermark: string | undefined, limit: number): Promise<ChangeIndex> {
  const newer = new Map<string, ModifiedRow>();
  let newerCount = 0;
  let newest: string | undefined;
  let rows = 0;
  for await (const { line, fields } of csvRows(createReadStream(file), { label })) {
    const [time, id] = fields;
    const key = time === undefined ? undefined : timeKey(time.trim());
    if (fields.length !== 2 || key === undefined || id === undefined || !ID.test(id.trim())) {
      throw new AirfeedError('SOURCE_INVALID', `${label}: line ${line}: expected "<RFC 3339 time>,<OSV id>", got ${JSON.stringify(fields.join(',')).slice(0, 120)}`, {
        details: { line },
      });
    }
    rows++;
    const row = { time: key, id: id.trim(), line };
    if (newest === undefined || key > newest) newest = key;
    if (watermark !== undefined && key <= watermark) continue;
    const seen = newer.get(row.id);
    if (seen) {
      if (key > seen.time) seen.time = key;
      continue;
    }
    newerCount++;
    if (newer.size <= limit) newer.set(row.id, row);
  }
  const list = [...newer.values()].sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { newer: list, newerCount, newest, rows };
}
