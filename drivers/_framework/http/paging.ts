/**
 * Offset paging, as NVD API 2.0 does it: ask with `startIndex` and `resultsPerPage`, read
 * `totalResults` from each answer, stop when `startIndex` reaches it. The total is re-read from
 * every page (it grows while a sync runs); a page that returns nothing before the total is reached
 * is an error rather than an endless loop.
 *
 *   for await (const page of offsetPages({ pageSize: 2000, fetchPage: (start, size) => getPage(start, size) })) …
 */
import { AirfeedError } from '../errors.ts';

export interface OffsetPage<T> {
  /** Items on this page. */
  items: readonly T[];
  /** The upstream's total as this page states it. */
  total: number;
}

export interface OffsetPagingOptions<T> {
  pageSize: number;
  /** First offset; default 0. */
  start?: number;
  /** Fetches the page at `start` with at most `size` items. */
  fetchPage: (start: number, size: number) => Promise<OffsetPage<T>>;
  /** Names the source in errors. */
  label?: string;
}

/** Yields every page with its offset; see the module doc. */
export async function* offsetPages<T>(options: OffsetPagingOptions<T>): AsyncGenerator<OffsetPage<T> & { start: number }> {
  const { pageSize } = options;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`offsetPages: pageSize must be a positive integer, got ${pageSize}`);
  let start = options.start ?? 0;
  for (;;) {
    const page = await options.fetchPage(start, pageSize);
    if (!Number.isSafeInteger(page.total) || page.total < 0) {
      throw new AirfeedError('SOURCE_INVALID', `${options.label ?? 'paging'}: the page at offset ${start} states an invalid total ${String(page.total)}`);
    }
    if (page.items.length > pageSize) {
      throw new AirfeedError('SOURCE_INVALID', `${options.label ?? 'paging'}: the page at offset ${start} holds ${page.items.length} items, more than the ${pageSize} asked for`);
    }
    yield { ...page, start };
    start += page.items.length;
    if (start >= page.total) return;
    if (page.items.length === 0) {
      throw new AirfeedError('SOURCE_INVALID', `${options.label ?? 'paging'}: the page at offset ${start} is empty, but the total is ${page.total}`);
    }
  }
}
