/**
 * One version per CVE, in id order, from pages that may hold a CVE several times (NVD's year pages
 * plus the `modified` page; API pages fetched while NVD kept changing), with memory that does not
 * grow with the number of CVEs: an external merge sort on disk.
 *
 * 1. Entries arrive in any order; they are collected in memory up to `runBytes` (8 MB), sorted by
 *    (id, then the winner first), repeats of an id dropped, and written to a run file, one line per
 *    entry: `id \t lastModified(ms) \t file rank \t position \t rejected \t record JSON`.
 *    (JSON text, canonical or not, has its tabs and newlines escaped, so a line is always one entry.) The JSON waits in
 *    the run as UTF-8 bytes, off the JS heap: held as strings, every record would pass through V8's
 *    old generation, which then grows to several times what is live (measured: 300,000 CVEs peaked
 *    at 275 MB RSS with strings, 205 MB with bytes; 8 MB runs, not 32, for the same reason).
 * 2. The runs are merged with a heap on the same order, each read through a 16 KiB buffer (so 150
 *    runs of 300,000 CVEs cost ~5 MB); the first entry of each id is the winner. When everything
 *    fitted in one run, nothing touches the disk.
 *
 * The winner of an id is the version with the later `lastModified`; on equal times the one from the
 * file whose name sorts last, then the later position in it — so the result never depends on the
 * order the files were read in. A winner that is Rejected is reported as such (the caller makes it
 * a tombstone or leaves it out); the older, live version is never used instead.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface Entry {
  id: string;
  /** `lastModified` in ms since the epoch. */
  modified: number;
  /** Rank of the file the entry came from (its position in the sorted file list). */
  rank: number;
  /** Position in the input, to break the last ties. */
  seq: number;
  rejected: boolean;
  /** The record as JSON (`""` for a rejected entry). */
  json: string;
}

export interface Winner {
  id: string;
  rejected: boolean;
  json: string;
}

/** true when `a` sorts before `b`: by id (code units), then the winner first. */
function before(a: Omit<Entry, 'json'>, b: Omit<Entry, 'json'>): boolean {
  if (a.id !== b.id) return a.id < b.id;
  if (a.modified !== b.modified) return a.modified > b.modified;
  if (a.rank !== b.rank) return a.rank > b.rank;
  return a.seq > b.seq;
}

const compare = (a: Held, b: Held): number => (before(a, b) ? -1 : before(b, a) ? 1 : 0);

/** An entry held in a run's buffer: the record's JSON as UTF-8 bytes, off the JS heap until spilled. */
interface Held extends Omit<Entry, 'json'> {
  bytes: Buffer;
}

function head(e: Held): string {
  return `${e.id}\t${e.modified}\t${e.rank}\t${e.seq}\t${e.rejected ? 1 : 0}\t`;
}

function fromLine(text: string): Entry {
  const t1 = text.indexOf('\t');
  const t2 = text.indexOf('\t', t1 + 1);
  const t3 = text.indexOf('\t', t2 + 1);
  const t4 = text.indexOf('\t', t3 + 1);
  const t5 = text.indexOf('\t', t4 + 1);
  return {
    id: text.slice(0, t1),
    modified: Number(text.slice(t1 + 1, t2)),
    rank: Number(text.slice(t2 + 1, t3)),
    seq: Number(text.slice(t3 + 1, t4)),
    rejected: text.slice(t4 + 1, t5) === '1',
    json: text.slice(t5 + 1),
  };
}

/** Bytes read from a run at a time. 64 KiB was tried: 300,000 CVEs (150 runs) then peaked 40 MB higher and ran no faster. */
const READ_BYTES = 16 * 1024;

/** Lines of a file, streamed: split as bytes (a UTF-8 sequence never holds a newline byte), each decoded once. */
async function* lines(file: string): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  for await (const chunk of createReadStream(file, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, from)) {
      if (pending.length > 0) {
        pending.push(chunk.subarray(from, nl));
        yield Buffer.concat(pending).toString('utf8');
        pending = [];
      } else yield chunk.toString('utf8', from, nl);
      from = nl + 1;
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
  }
  if (pending.length > 0) throw new Error(`nvd: the sort run ${file} ends inside a line`);
}

const NEWLINE = Buffer.from('\n');

async function write(out: WriteStream, text: Buffer): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

async function close(out: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}

/** A min-heap of run cursors keyed by their current entry. */
class Heap {
  readonly #items: { entry: Entry; it: AsyncIterator<string> }[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(item: { entry: Entry; it: AsyncIterator<string> }): void {
    const a = this.#items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before((a[i] as typeof item).entry, (a[p] as typeof item).entry)) break;
      [a[i], a[p]] = [a[p] as typeof item, a[i] as typeof item];
      i = p;
    }
  }

  pop(): { entry: Entry; it: AsyncIterator<string> } | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before((a[l] as typeof last).entry, (a[m] as typeof last).entry)) m = l;
        if (r < a.length && before((a[r] as typeof last).entry, (a[m] as typeof last).entry)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as typeof last, a[i] as typeof last];
        i = m;
      }
    }
    return top;
  }
}

/** Collects entries and yields the winners in id order; see the module doc. */
export class WinnerSort {
  readonly #dir: string;
  readonly #runBytes: number;
  #buffer: Held[] = [];
  #bytes = 0;
  readonly #runs: string[] = [];

  /** `dir` is created and owned: `winners()` removes it when done (also when the consumer stops early). */
  constructor(dir: string, runBytes = 8 * 1024 * 1024) {
    this.#dir = dir;
    this.#runBytes = runBytes;
  }

  /** Number of run files written so far (0 while everything fits in memory). */
  get runs(): number {
    return this.#runs.length;
  }

  async add(e: Entry): Promise<void> {
    const bytes = Buffer.from(e.json, 'utf8');
    this.#buffer.push({ id: e.id, modified: e.modified, rank: e.rank, seq: e.seq, rejected: e.rejected, bytes });
    this.#bytes += bytes.length + e.id.length + 48;
    if (this.#bytes >= this.#runBytes) await this.#spill();
  }

  /** The buffered entries, sorted, one per id. */
  #sorted(): Held[] {
    const sorted = this.#buffer.sort(compare);
    const out: Held[] = [];
    for (const e of sorted) if (out.length === 0 || (out[out.length - 1] as Held).id !== e.id) out.push(e);
    this.#buffer = [];
    this.#bytes = 0;
    return out;
  }

  async #spill(): Promise<void> {
    if (this.#buffer.length === 0) return;
    await fs.mkdir(this.#dir, { recursive: true });
    const file = path.join(this.#dir, `run-${String(this.#runs.length).padStart(5, '0')}`);
    const out = createWriteStream(file, { highWaterMark: 1024 * 1024 });
    let parts: Buffer[] = [];
    let size = 0;
    for (const e of this.#sorted()) {
      const h = Buffer.from(head(e), 'utf8');
      parts.push(h, e.bytes, NEWLINE);
      size += h.length + e.bytes.length + 1;
      if (size >= 256 * 1024) {
        await write(out, Buffer.concat(parts, size));
        parts = [];
        size = 0;
      }
    }
    if (size > 0) await write(out, Buffer.concat(parts, size));
    await close(out);
    this.#runs.push(file);
  }

  /** The winner of every id, in id order. Call once, after the last `add`. */
  async *winners(): AsyncGenerator<Winner> {
    try {
      if (this.#runs.length === 0) {
        for (const e of this.#sorted()) yield { id: e.id, rejected: e.rejected, json: e.bytes.toString('utf8') };
        return;
      }
      await this.#spill();
      const heap = new Heap();
      const iterators: AsyncIterator<string>[] = [];
      for (const file of this.#runs) {
        const it = lines(file)[Symbol.asyncIterator]();
        iterators.push(it);
        const first = await it.next();
        if (!first.done) heap.push({ entry: fromLine(first.value), it });
      }
      try {
        let last: string | null = null;
        while (heap.size > 0) {
          const top = heap.pop() as { entry: Entry; it: AsyncIterator<string> };
          const e = top.entry;
          if (e.id !== last) {
            last = e.id;
            yield { id: e.id, rejected: e.rejected, json: e.json };
          }
          const next = await top.it.next();
          if (!next.done) heap.push({ entry: fromLine(next.value), it: top.it });
        }
      } finally {
        for (const it of iterators) await it.return?.();
      }
    } finally {
      this.#buffer = [];
      await fs.rm(this.#dir, { recursive: true, force: true });
    }
  }
}
