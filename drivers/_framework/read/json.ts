/**
 * Streaming JSON: the elements of one array, or the entries of one object, of a document far too
 * large to hold (an NVD API 2.0 page of 16,000 CVEs, the ~70 MB Debian tracker JSON), one at a
 * time, with memory bounded by the largest single element.
 *
 * - `jsonArray(bytes, { label, path: ['vulnerabilities'] })` yields `{ key: index, value }` for
 *   each element of `vulnerabilities` in `{"resultsPerPage":2000,"startIndex":0,
 *   "totalResults":80844,"format":"NVD_CVE","version":"2.0","timestamp":"2024-10-25T…",
 *   "vulnerabilities":[{"cve":{…}},…]}`; `path: []` is a top-level array.
 * - `jsonObject(bytes, { label, path: [] })` yields `{ key, value }` for each entry of an object:
 *   the Debian tracker's `{"openssl": {"CVE-2024-0727": {…}}, …}` one source package at a time.
 * - `header()` resolves with the scalar members of the container's parent object that come
 *   before the container (`totalResults`, `timestamp` above), read without reading further.
 *   Non-scalar members outside the path are skipped without being built.
 *
 * The bytes are decoded with the strict UTF-8 decoder (read/utf8.ts) and tokenized by
 * stream-json's parser (v2: its parser is a function list run synchronously here, so tokens cost
 * no promise each). Values are built by a small assembler of ours that keeps a member named
 * `__proto__` an own property, as `JSON.parse` does. A syntax error or a document that ends early
 * is SOURCE_INVALID naming the file, the byte range (at most ~4 KiB) where the parser stopped and
 * the JSON path it had reached (`near vulnerabilities[12].cve`).
 */
import { AirfeedError } from '../errors.ts';
import { Assembler, type Frame, isEnd, isStart, pathText, scalar, type Token, tokenizer } from './json-tokens.ts';
import { type ByteSource, Utf8Decoder } from './utf8.ts';

export interface JsonStreamOptions {
  /** Names the file in errors: `nvd: nvdcve-2016.json`. */
  label: string;
  /** Object keys from the root to the container; `[]` (default) is the root itself. */
  path?: readonly string[];
  /** When true, a document without the container yields nothing instead of failing. */
  optional?: boolean;
}

export interface JsonItem<K extends string | number> {
  key: K;
  value: unknown;
}

/**
 * Characters handed to the tokenizer at once. The tokenizer returns a piece's tokens only when the
 * whole piece parsed, so on an error the path is the one reached before the failing piece, and the
 * byte range named is that piece plus the one before (whose end the tokenizer may still hold).
 */
const PIECE = 2048;

type Event<K extends string | number> = { type: 'header'; values: Record<string, unknown> } | { type: 'item'; item: JsonItem<K> };

/** A streamed document: `header()` first if wanted, then `items()` once. */
export class JsonStream<K extends string | number> {
  readonly #events: AsyncGenerator<Event<K>>;
  #header: Record<string, unknown> | null = null;
  #started = false;

  constructor(events: AsyncGenerator<Event<K>>) {
    this.#events = events;
  }

  /** The scalar members before the container (see the module doc); reads only up to the container. */
  async header(): Promise<Record<string, unknown>> {
    if (this.#header) return this.#header;
    if (this.#started) throw new Error('JsonStream.header() must be called before items()');
    return this.#readHeader();
  }

  async #readHeader(): Promise<Record<string, unknown>> {
    const first = await this.#events.next();
    if (first.done || first.value.type !== 'header') throw new Error('JsonStream: no header event');
    this.#header = first.value.values;
    return this.#header;
  }

  /** The container's items, in document order. Breaking out of the loop stops reading. */
  async *items(): AsyncGenerator<JsonItem<K>> {
    if (this.#started) throw new Error('JsonStream.items() can be iterated only once');
    this.#started = true;
    try {
      if (!this.#header) await this.#readHeader();
      for (;;) {
        const next = await this.#events.next();
        if (next.done) return;
        if (next.value.type === 'item') yield next.value.item;
      }
    } finally {
      await this.#events.return(undefined);
    }
  }

  /** Stops reading (closes the source); needed only when `items()` is never iterated. */
  async close(): Promise<void> {
    await this.#events.return(undefined);
  }
}

/** The elements of the array at `path`; see the module doc. */
export function jsonArray(source: ByteSource, options: JsonStreamOptions): JsonStream<number> {
  return new JsonStream(walk<number>(source, options, 'array'));
}

/** The entries of the object at `path`; see the module doc. */
export function jsonObject(source: ByteSource, options: JsonStreamOptions): JsonStream<string> {
  return new JsonStream(walk<string>(source, options, 'object'));
}

async function* walk<K extends string | number>(source: ByteSource, options: JsonStreamOptions, want: 'array' | 'object'): AsyncGenerator<Event<K>> {
  const target = options.path ?? [];
  const label = options.label;
  const decoder = new Utf8Decoder(label);
  const tok = tokenizer();
  const frames: Frame[] = [];
  const header: Record<string, unknown> = {};
  let headerSent = false;
  /** 'before' the container, 'inside' it, 'after' it. */
  let phase: 'before' | 'inside' | 'after' = 'before';
  let asm: Assembler | null = null;
  let itemKey: string | number = 0;
  let byteStart = 0;
  let byteEnd = 0;
  /** Depth of the frames that match `target` so far. */
  const onPath = (): boolean => frames.length <= target.length && frames.every((f, i) => f.kind === 'object' && f.key === target[i]);

  const fail = (message: string, cause?: unknown, ended = false): AirfeedError => {
    const where = ended ? `ends early at byte ${byteEnd}` : `is malformed in bytes ${byteStart}–${byteEnd}`;
    return new AirfeedError('SOURCE_INVALID', `${label}: the JSON ${where} (near ${pathText(frames)}): ${message}`, {
      cause, details: { offset: byteStart, path: pathText(frames) },
    });
  };

  const out: Event<K>[] = [];
  const sendHeader = (): void => {
    if (headerSent) return;
    headerSent = true;
    out.push({ type: 'header', values: header });
  };

  /** After a value ends inside an array, the next one gets the next index. */
  const advance = (): void => {
    const top = frames[frames.length - 1];
    if (top?.kind === 'array') top.index++;
  };
  const open = (name: string): void => {
    frames.push(name === 'startObject' ? { kind: 'object', key: null } : { kind: 'array', index: 0 });
  };
  /** Tracks the path for the tokens of a value being built or skipped. */
  const track = (t: Token): void => {
    if (isStart(t.name)) open(t.name);
    else if (t.name === 'keyValue') (frames[frames.length - 1] as { key: string | null }).key = t.value as string;
    else {
      if (isEnd(t.name)) frames.pop();
      advance();
    }
  };

  const handle = (t: Token): void => {
    const name = t.name;
    if (asm) {
      asm.push(t);
      track(t);
      if (asm.done) {
        out.push({ type: 'item', item: { key: itemKey as K, value: asm.result } });
        asm = null;
      }
      return;
    }
    const parent = frames[frames.length - 1];
    if (phase === 'inside' && frames.length === target.length + 1 && name !== 'keyValue') {
      if (isEnd(name)) {
        frames.pop();
        phase = 'after';
        return;
      }
      // An item starts here.
      itemKey = parent?.kind === 'array' ? parent.index : (parent as { key: string }).key;
      asm = new Assembler();
      asm.push(t);
      track(t);
      if (asm.done) {
        out.push({ type: 'item', item: { key: itemKey as K, value: asm.result } });
        asm = null;
      }
      return;
    }
    if (phase === 'before' && frames.length === target.length && onPath()) {
      // The container (or, when the path is the root, whatever the document is).
      if (isStart(name)) {
        const kind = name === 'startObject' ? 'object' : 'array';
        if (kind !== want) throw fail(`expected ${want === 'array' ? 'an array' : 'an object'} here, found ${kind === 'array' ? 'an array' : 'an object'}`);
        phase = 'inside';
        sendHeader();
      } else if (frames.length === 0) {
        throw fail(`expected ${want === 'array' ? 'an array' : 'an object'}, found a ${name.replace('Value', '')} value`);
      }
    } else if (
      phase === 'before' && !isStart(name) && !isEnd(name) && name !== 'keyValue' && frames.length === target.length &&
      parent?.kind === 'object' && parent.key !== null && frames.slice(0, -1).every((f, i) => f.kind === 'object' && f.key === target[i])
    ) {
      // A scalar member of the container's parent: part of the header.
      header[parent.key] = scalar(t);
    }
    track(t);
  };

  const feed = (tokens: Token[]): void => {
    for (const t of tokens) handle(t);
  };

  const pieces = async function* (): AsyncGenerator<string> {
    for await (const chunk of source) {
      const text = decoder.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
      for (let i = 0; i < text.length; i += PIECE) yield text.slice(i, i + PIECE);
    }
    const rest = decoder.end();
    if (rest !== '') yield rest;
  };

  let pieceStart = 0;
  for await (const piece of pieces()) {
    // The tokenizer may still hold the end of the previous piece: name both.
    byteStart = pieceStart;
    pieceStart = byteEnd;
    byteEnd += Buffer.byteLength(piece, 'utf8');
    try {
      feed(tok.write(piece));
    } catch (err) {
      if (err instanceof AirfeedError) throw err;
      throw fail((err as Error).message, err);
    }
    if (out.length > 0) {
      yield* out;
      out.length = 0;
    }
  }
  byteStart = byteEnd;
  try {
    feed(tok.end());
  } catch (err) {
    if (err instanceof AirfeedError) throw err;
    throw fail((err as Error).message, err, true);
  }
  if (frames.length > 0 || asm) throw fail('the document is incomplete (truncated?)', undefined, true);
  if (phase === 'before' && !options.optional) {
    const what = target.length === 0 ? 'the top level' : target.join('.');
    throw new AirfeedError('SOURCE_INVALID', `${label}: the JSON has no ${want} at ${what}`);
  }
  sendHeader();
  yield* out;
}
