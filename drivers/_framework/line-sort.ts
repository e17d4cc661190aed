/**
 * An external sort of text lines, for drivers whose upstream is keyed one way and whose groups are
 * keyed another, in files too large to regroup in memory: the Debian tracker's ~70 MB JSON is
 * `{source: {CVE: {releases: {codename: …}}}}` while a group is one release's records by CVE;
 * Canonical's OSV tarball holds one document per CVE for every release at once. The driver writes
 * one line per fact, led by its sort key (`debian:12\tCVE-2024-0727\topenssl\t…`), and reads them
 * back sorted, so memory holds at most one buffer of lines whatever the input's size.
 *
 * - `add(line)` buffers a line (no `\n` in it); a full buffer (`maxBufferChars`, default 8 M
 *   characters) is sorted and written to a run file in `dir`;
 * - `finish(file, { partition })` merges the runs (a k-way merge, one line per run in memory) into
 *   `file` and removes them; `partition(line)` names the part a line belongs to (its group), and the
 *   byte range of each part is returned, so each group can be read alone (`fileLines(file, range)`).
 *
 * Order is plain code-unit order (`Array.prototype.sort` without a comparator, the same as
 * strings.ts `compareStrings`); equal lines are kept (an external sort is not a dedup).
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

export interface LineSorterOptions {
  /** Where run files are written; created if missing. The caller removes it. */
  dir: string;
  /** Characters buffered before a run is written (memory is about twice this in bytes). */
  maxBufferChars?: number;
}

/** A byte range of a file: `[start, end)`. */
export interface ByteRange {
  start: number;
  end: number;
}

const WRITE_CHUNK = 1 << 20;

/** Appends text to a file in large writes. */
class ChunkedFile {
  #parts: string[] = [];
  #pending = 0;
  bytes = 0;
  private constructor(readonly handle: fs.FileHandle) {}

  static async open(file: string): Promise<ChunkedFile> {
    return new ChunkedFile(await fs.open(file, 'w'));
  }

  async write(text: string): Promise<void> {
    this.#parts.push(text);
    this.#pending += text.length;
    if (this.#pending >= WRITE_CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    const buf = Buffer.from(this.#parts.join(''), 'utf8');
    this.#parts = [];
    this.#pending = 0;
    await this.handle.write(buf);
    this.bytes += buf.length;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }
}

/** The lines of a UTF-8 file written by LineSorter (or of one byte range of it), streamed. */
export async function* fileLines(file: string, range?: ByteRange): AsyncGenerator<string> {
  if (range && range.end <= range.start) return;
  const stream = createReadStream(file, { highWaterMark: 1 << 20, ...(range ? { start: range.start, end: range.end - 1 } : {}) });
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + decoder.write(chunk as Buffer);
    let from = 0;
    for (let nl = text.indexOf('\n', from); nl >= 0; nl = text.indexOf('\n', from)) {
      yield text.slice(from, nl);
      from = nl + 1;
    }
    rest = text.slice(from);
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}

/** See the module doc. */
export class LineSorter {
  readonly #dir: string;
  readonly #max: number;
  #buffer: string[] = [];
  #chars = 0;
  #runs: string[] = [];
  #lines = 0;

  constructor(options: LineSorterOptions) {
    this.#dir = options.dir;
    this.#max = options.maxBufferChars ?? 8 * 1024 * 1024;
  }

  /** Lines added so far. */
  get lines(): number {
    return this.#lines;
  }

  /** Adds one line (it must not contain `\n`). */
  async add(line: string): Promise<void> {
    this.#buffer.push(line);
    this.#chars += line.length + 24;
    this.#lines++;
    if (this.#chars >= this.#max) await this.#spill();
  }

  async #spill(): Promise<void> {
    if (this.#buffer.length === 0) return;
    await fs.mkdir(this.#dir, { recursive: true });
    const file = path.join(this.#dir, `run-${this.#runs.length}`);
    const out = await ChunkedFile.open(file);
    this.#buffer.sort();
    for (const line of this.#buffer) await out.write(`${line}\n`);
    await out.close();
    this.#runs.push(file);
    this.#buffer = [];
    this.#chars = 0;
  }

  /**
   * Writes every line, sorted, to `file`; returns the byte range of each part `partition` names
   * (parts must be contiguous in sorted order, i.e. a prefix of the line). Removes the run files.
   */
  async finish(file: string, options: { partition?: (line: string) => string } = {}): Promise<Map<string, ByteRange>> {
    const out = await ChunkedFile.open(file);
    const parts = new Map<string, ByteRange>();
    let part: string | undefined;
    let partStart = 0;
    let written = 0;
    const emit = async (line: string): Promise<void> => {
      if (options.partition) {
        const p = options.partition(line);
        if (p !== part) {
          if (part !== undefined) parts.set(part, { start: partStart, end: written });
          if (parts.has(p)) throw new Error(`LineSorter: part ${JSON.stringify(p)} is not contiguous in sorted order`);
          part = p;
          partStart = written;
        }
      }
      await out.write(`${line}\n`);
      written += Buffer.byteLength(line, 'utf8') + 1;
    };
    try {
      if (this.#runs.length === 0) {
        this.#buffer.sort();
        for (const line of this.#buffer) await emit(line);
        this.#buffer = [];
      } else {
        await this.#spill();
        await this.#merge(emit);
      }
      if (part !== undefined) parts.set(part, { start: partStart, end: written });
    } finally {
      await out.close();
      await Promise.all(this.#runs.map((r) => fs.rm(r, { force: true })));
      this.#runs = [];
    }
    return parts;
  }

  /** k-way merge of the runs: the smallest head line first; on equal lines, the earlier run. */
  async #merge(emit: (line: string) => Promise<void>): Promise<void> {
    const readers = this.#runs.map((r) => fileLines(r));
    const heads: (string | undefined)[] = [];
    for (const r of readers) {
      const first = await r.next();
      heads.push(first.done ? undefined : first.value);
    }
    // A binary heap of run indexes ordered by their head line.
    const heap: number[] = [];
    const less = (a: number, b: number): boolean => {
      const x = heads[a] as string;
      const y = heads[b] as string;
      return x < y || (x === y && a < b);
    };
    const up = (i: number): void => {
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!less(heap[i] as number, heap[p] as number)) break;
        [heap[i], heap[p]] = [heap[p] as number, heap[i] as number];
        i = p;
      }
    };
    const down = (i: number): void => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l] as number, heap[m] as number)) m = l;
        if (r < heap.length && less(heap[r] as number, heap[m] as number)) m = r;
        if (m === i) return;
        [heap[i], heap[m]] = [heap[m] as number, heap[i] as number];
        i = m;
      }
    };
    heads.forEach((h, i) => {
      if (h !== undefined) {
        heap.push(i);
        up(heap.length - 1);
      }
    });
    while (heap.length > 0) {
      const top = heap[0] as number;
      await emit(heads[top] as string);
      const next = await (readers[top] as AsyncGenerator<string>).next();
      if (next.done) {
        const last = heap.pop() as number;
        if (heap.length > 0) {
          heap[0] = last;
          down(0);
        }
      } else {
        heads[top] = next.value;
        down(0);
      }
    }
  }
}

/**
 * A file of lines sorted by their first tab-separated field, read forward one key at a time (keys
 * asked in increasing order): the join of a second sorted file to the lines a parse is reading, as
 * the Debian and Ubuntu drivers join each record's shared text (`meta.lines`) to its group's lines.
 */
export class KeyedLines {
  readonly #lines: AsyncGenerator<string>;
  #pending: { key: string; rest: string } | undefined;
  #done = false;

  constructor(file: string) {
    this.#lines = fileLines(file);
  }

  async #next(): Promise<{ key: string; rest: string } | undefined> {
    if (this.#pending) {
      const p = this.#pending;
      this.#pending = undefined;
      return p;
    }
    if (this.#done) return undefined;
    const n = await this.#lines.next();
    if (n.done) {
      this.#done = true;
      return undefined;
    }
    const tab = n.value.indexOf('\t');
    return tab < 0 ? { key: n.value, rest: '' } : { key: n.value.slice(0, tab), rest: n.value.slice(tab + 1) };
  }

  /** What follows the key (and its tab) on each line of `key`, in file order; lines of smaller keys are passed over. */
  async take(key: string): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const m = await this.#next();
      if (m === undefined) break;
      if (m.key < key) continue;
      if (m.key > key) {
        this.#pending = m;
        break;
      }
      out.push(m.rest);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#lines.return(undefined);
  }
}
