/**
 * Streams the items of an NVD API 2.0 page file (`{"resultsPerPage":…,"totalResults":…,
 * "vulnerabilities":[{"cve":{…}},…]}`, plain or compressed), one `JSON.parse`d item at a time, with
 * memory bounded by the largest item (684 KB for CVE-2016-1409 in the real 2016 page) plus one chunk.
 *
 * Why not the framework's `jsonArray`: it builds every value token by token and reads ~28 MB/s, so
 * tokenizing alone takes longer than `JSON.parse` plus PostgreSQL `COPY` of the same bytes — the
 * floor a first sync of NVD is measured against (../../scripts/bench/nvd.ts). This reader finds an
 * item's end with a scan that jumps over strings with `indexOf` (~850 MB/s) and hands the item's
 * text to `JSON.parse`, so it does the work `JSON.parse` would do once and little more.
 *
 * The same guarantees as the framework readers: strict UTF-8 (read/utf8.ts: invalid bytes are
 * SOURCE_INVALID with their byte offset), compression sniffed by content (read/decompress.ts,
 * with its bomb limits), and a malformed or truncated document is SOURCE_INVALID naming the file,
 * the byte range and the JSON path (`vulnerabilities[12]`). Only the top level is scanned by hand:
 * an object whose scalar members (`totalResults`, `timestamp`, …) form the header and whose
 * `vulnerabilities` member is the array streamed; `JSON.parse` checks every item and header value.
 */
import { AirfeedError } from '../_framework/errors.ts';
import { openDecoded } from '../_framework/read/decompress.ts';
import { Utf8Decoder } from '../_framework/read/utf8.ts';

export interface PageItem {
  /** Position in `vulnerabilities`. */
  index: number;
  value: unknown;
}

/** Characters held before an item's end must be found; beyond it the document is refused (an item of NVD is < 1 MB). */
const MAX_ITEM_CHARS = 64 * 1024 * 1024;

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const COLON = 58;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

type Phase =
  | 'start' | 'firstKey' | 'key' | 'scanKey' | 'colon' | 'valueStart' | 'value' | 'afterValue'
  | 'arrayOpen' | 'firstItem' | 'nextItem' | 'scanItem' | 'afterItem' | 'done';

/** One page being read: `header` fills as its members are passed; `items()` streams the array. */
export class PageReader {
  /** Scalar members of the top-level object seen so far (all of them once `items()` has finished). */
  readonly header: Record<string, unknown> = {};
  #sawArray = false;

  constructor(
    readonly file: string,
    readonly label: string,
  ) {}

  /** True once the `vulnerabilities` array was found. */
  get sawArray(): boolean {
    return this.#sawArray;
  }

  /** The items of `vulnerabilities`, in order; see the module doc. */
  async *items(): AsyncGenerator<PageItem> {
    const { stream } = await openDecoded(this.file, { label: this.label });
    const decoder = new Utf8Decoder(this.label);
    const header = this.header;
    let buf = '';
    /** Bytes of the decoded document before `buf[0]`. */
    let bufByte = 0;
    let pos = 0;
    let phase: Phase = 'start';
    let key = '';
    let index = 0;
    let sawArray = false;
    // The value being scanned: where it starts, how deep, and whether inside a string.
    let start = -1;
    let depth = 0;
    let inString = false;

    const byteAt = (i: number): number => bufByte + Buffer.byteLength(buf.slice(0, i), 'utf8');
    const inArray = (): boolean => ['firstItem', 'nextItem', 'scanItem', 'afterItem'].includes(phase);
    const where = (): string => (inArray() ? `vulnerabilities[${index}]` : key === '' ? '(top level)' : key);
    const fail = (what: string, at: number, cause?: unknown): AirfeedError => {
      const byte = byteAt(at);
      return new AirfeedError('SOURCE_INVALID', `${this.label}: the JSON is malformed at byte ${byte} (near ${where()}): ${what}`, {
        cause, details: { offset: byte, path: where() },
      });
    };

    /**
     * Advances the scan of the value starting at `start` from `pos`; true when it ended (at `pos`,
     * exclusive), false when `buf` ran out first. Strings are skipped with indexOf.
     */
    const scanValue = (): boolean => {
      const n = buf.length;
      while (pos < n) {
        if (inString) {
          let q = buf.indexOf('"', pos);
          for (;;) {
            if (q < 0) {
              pos = n;
              return false;
            }
            // The quote ends the string unless an odd number of backslashes precede it.
            let b = q - 1;
            while (b > start && buf.charCodeAt(b) === BACKSLASH) b--;
            if ((q - 1 - b) % 2 === 0) break;
            q = buf.indexOf('"', q + 1);
          }
          inString = false;
          pos = q + 1;
          if (depth === 0) return true;
          continue;
        }
        const c = buf.charCodeAt(pos);
        if (c === QUOTE) inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
        else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          if (depth === 0) return true; // a scalar ended at its container's end
          depth--;
          if (depth === 0) {
            pos++;
            return true;
          }
        } else if (depth === 0 && (c === COMMA || isSpace(c))) return true;
        pos++;
      }
      return false;
    };

    const parseSlice = (from: number, to: number, what: string): unknown => {
      try {
        return JSON.parse(buf.slice(from, to));
      } catch (err) {
        throw fail(`${what}: ${(err as Error).message}`, from, err);
      }
    };

    const begin = (next: Phase): void => {
      start = pos;
      depth = 0;
      inString = false;
      phase = next;
    };

    /** Runs the state machine over `buf`, yielding parsed items, until `buf` runs out. */
    function* run(): Generator<PageItem> {
      for (;;) {
        if (phase === 'scanItem' || phase === 'value' || phase === 'scanKey') {
          if (!scanValue()) return;
          if (phase === 'scanItem') {
            const value = parseSlice(start, pos, `vulnerabilities[${index}] is not valid JSON`);
            start = -1;
            phase = 'afterItem';
            yield { index, value };
            index++;
          } else if (phase === 'scanKey') {
            const name = parseSlice(start, pos, 'a member name is not valid JSON');
            if (typeof name !== 'string') throw fail('expected a member name', start);
            key = name;
            start = -1;
            phase = 'colon';
          } else {
            const value = parseSlice(start, pos, `the value of "${key}" is not valid JSON`);
            if (value === null || typeof value !== 'object') header[key] = value;
            start = -1;
            phase = 'afterValue';
          }
          continue;
        }
        while (pos < buf.length && isSpace(buf.charCodeAt(pos))) pos++;
        if (pos >= buf.length) return;
        const c = buf.charCodeAt(pos);
        switch (phase) {
          case 'start':
            if (c !== OPEN_BRACE) throw fail('an NVD API 2.0 page is a JSON object', pos);
            pos++;
            phase = 'firstKey';
            break;
          case 'firstKey':
          case 'key':
            if (c === CLOSE_BRACE && phase === 'firstKey') {
              pos++;
              phase = 'done';
            } else if (c === QUOTE) begin('scanKey');
            else throw fail('expected a member name', pos);
            break;
          case 'colon':
            if (c !== COLON) throw fail(`expected ":" after "${key}"`, pos);
            pos++;
            if (key === 'vulnerabilities') {
              if (sawArray) throw fail('"vulnerabilities" appears twice', pos);
              phase = 'arrayOpen';
            } else phase = 'valueStart';
            break;
          case 'valueStart':
            begin('value');
            break;
          case 'arrayOpen':
            if (c !== OPEN_BRACKET) throw fail('"vulnerabilities" must be an array', pos);
            pos++;
            sawArray = true;
            phase = 'firstItem';
            break;
          case 'firstItem':
          case 'nextItem':
            if (c === CLOSE_BRACKET && phase === 'firstItem') {
              pos++;
              phase = 'afterValue';
            } else if (c === CLOSE_BRACKET) throw fail('a "," before "]"', pos);
            else begin('scanItem');
            break;
          case 'afterItem':
            if (c === COMMA) {
              pos++;
              phase = 'nextItem';
            } else if (c === CLOSE_BRACKET) {
              pos++;
              phase = 'afterValue';
            } else throw fail(`expected "," or "]" after vulnerabilities[${index - 1}]`, pos);
            break;
          case 'afterValue':
            if (c === COMMA) {
              pos++;
              phase = 'key';
            } else if (c === CLOSE_BRACE) {
              pos++;
              phase = 'done';
            } else throw fail('expected "," or "}" after a member', pos);
            break;
          case 'done':
            throw fail('text after the end of the document', pos);
          default:
            return;
        }
      }
    }

    for await (const chunk of stream as AsyncIterable<Buffer>) {
      buf += decoder.write(chunk);
      yield* run();
      // Drop what was consumed: everything before the value being scanned (or before `pos`).
      const keep = start >= 0 ? start : pos;
      if (keep > 0) {
        bufByte += Buffer.byteLength(buf.slice(0, keep), 'utf8');
        buf = buf.slice(keep);
        pos -= keep;
        if (start >= 0) start = 0;
      }
      if (buf.length > MAX_ITEM_CHARS) throw fail(`one value is longer than ${MAX_ITEM_CHARS} characters`, 0);
    }
    buf += decoder.end();
    yield* run();
    this.#sawArray = sawArray;
    if ((phase as Phase) !== 'done') {
      const at = byteAt(buf.length);
      throw new AirfeedError('SOURCE_INVALID', `${this.label}: the JSON ends early at byte ${at} (near ${where()}): the document is incomplete (truncated?)`, {
        details: { offset: at, path: where() },
      });
    }
    if (!sawArray) {
      throw new AirfeedError('SOURCE_INVALID', `${this.label}: not an NVD API 2.0 page: the top-level object has no "vulnerabilities" array`);
    }
  }
}
