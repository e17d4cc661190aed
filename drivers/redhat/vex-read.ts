/**
 * Reads one CSAF VEX document as a stream of bytes into the model (model.ts) in a single pass, never
 * holding the document: Red Hat's documents reach tens of megabytes (a kernel CVE lists every
 * product, module, architecture and binary package: CVE-2022-0235 is 3.9 MB, documents of over 90 MB
 * exist), nested five levels deep in `product_tree.branches`. Only these pieces are built, each on
 * its own: `document`, every `product` object found under `product_tree.branches`, every element of
 * `product_tree.relationships`, and every element of `vulnerabilities`, whose product id lists
 * (`product_status.fixed`, `remediations[].product_ids`, `scores[].products`, …) keep only the ids
 * the model can use as they are read. Everything else (binary package branches, containers, other
 * products' relationships) is tokenized and dropped. Memory is bounded by what concerns RHEL
 * source packages, not by the document's size.
 *
 * Bytes are decoded with the strict UTF-8 decoder and tokenized by the framework's JSON tokenizer
 * (read/json-tokens.ts). A syntax error, a truncated document or a piece of the wrong shape is
 * SOURCE_INVALID naming the document (`redhat: csaf_vex_2024-04-02.tar.zst entry "2022/cve-2022-0235.json"`),
 * the byte offset and the JSON path reached.
 */
import { z } from 'zod';
import { AirfeedError } from '../_framework/errors.ts';
import { type Frame, isEnd, isStart, pathText, scalar, type Token, tokenizer } from '../_framework/read/json-tokens.ts';
import { type ByteSource, Utf8Decoder } from '../_framework/read/utf8.ts';
import { describeIssues } from '../_framework/record.ts';
import { ModelBuilder, PRODUCT_ID_ARRAYS, type VexModel } from './model.ts';

/** Characters handed to the tokenizer at once (as read/json.ts does). */
const PIECE = 16 * 1024;

interface Building {
  value: Record<string, unknown> | unknown[];
  key: string | null;
  /** An array of product ids: strings the builder does not keep are dropped. */
  filter: boolean;
}

/** Builds one value from tokens, dropping unwanted product ids from the arrays named in PRODUCT_ID_ARRAYS. */
class FilteringAssembler {
  readonly #stack: Building[] = [];
  done = false;
  result: unknown;

  constructor(private readonly keep: ((id: string) => string | null) | null) {}

  push(t: Token): void {
    switch (t.name) {
      case 'startObject':
        this.#stack.push({ value: {}, key: null, filter: false });
        return;
      case 'startArray': {
        const parent = this.#stack[this.#stack.length - 1];
        const filter = this.keep !== null && parent !== undefined && !Array.isArray(parent.value) && parent.key !== null && PRODUCT_ID_ARRAYS.has(parent.key);
        this.#stack.push({ value: [], key: null, filter });
        return;
      }
      case 'endObject':
      case 'endArray':
        this.#add((this.#stack.pop() as Building).value);
        return;
      case 'keyValue':
        (this.#stack[this.#stack.length - 1] as Building).key = t.value as string;
        return;
      default: {
        const value = scalar(t);
        const top = this.#stack[this.#stack.length - 1];
        if (typeof value !== 'string') {
          this.#add(value);
          return;
        }
        if (top?.filter && this.keep !== null) {
          const kept = this.keep(value);
          if (kept !== null) this.#add(kept);
          return;
        }
        this.#add(flat(value));
      }
    }
  }

  #add(value: unknown): void {
    const top = this.#stack[this.#stack.length - 1];
    if (!top) {
      this.result = value;
      this.done = true;
    } else if (Array.isArray(top.value)) {
      top.value.push(value);
    } else if (top.key !== null && top.key !== '__proto__') {
      top.value[top.key] = value;
    }
  }
}

/**
 * A copy of `s` that does not share memory with the text it was cut from. The tokenizer's strings
 * are slices of the piece of text being read; a kept slice would keep its whole piece alive, and
 * kept ids from every piece would keep the whole document in memory (measured: a 56 MB document
 * retained 56 MB). Concatenating makes a new string, slicing it flattens that into a small one.
 */
function flat(s: string): string {
  return s.length < 13 ? s : (` ${s}`).slice(1);
}

type Piece = 'document' | 'product' | 'relationship' | 'vulnerability';

/** Reads a VEX document from `source`; see the module doc. */
export async function readVex(source: ByteSource, label: string): Promise<VexModel> {
  const b = new ModelBuilder();
  const decoder = new Utf8Decoder(label);
  const tok = tokenizer();
  const frames: Frame[] = [];
  let asm: FilteringAssembler | null = null;
  let piece: Piece = 'document';
  let byteStart = 0;
  let byteEnd = 0;

  const fail = (message: string, cause?: unknown, ended = false): AirfeedError => {
    const where = ended ? `ends early at byte ${byteEnd}` : `is malformed in bytes ${byteStart}–${byteEnd}`;
    return new AirfeedError('SOURCE_INVALID', `${label}: the JSON ${where} (near ${pathText(frames)}): ${message}`, {
      cause, details: { offset: byteStart, path: pathText(frames) },
    });
  };

  const deliver = (value: unknown): void => {
    const at = pathText(frames);
    try {
      if (piece === 'document') b.document(value);
      else if (piece === 'product') b.product(value);
      else if (piece === 'relationship') b.relationship(value);
      else b.vulnerability(value);
    } catch (err) {
      if (err instanceof z.ZodError) {
        throw new AirfeedError('SOURCE_INVALID', `${label}: not a CSAF VEX document: ${at}: ${describeIssues(err)}`, { cause: err, details: { path: at } });
      }
      throw err;
    }
  };

  const advance = (): void => {
    const top = frames[frames.length - 1];
    if (top?.kind === 'array') top.index++;
  };

  /** The key of the object member or the array element a value starting now is. */
  const keyAt = (i: number): string | number | null => {
    const f = frames[i];
    if (!f) return null;
    return f.kind === 'object' ? f.key : f.index;
  };

  /** Which piece starts here, if any (frames are the containers around the value). */
  const pieceHere = (): Piece | null => {
    const d = frames.length;
    const top = keyAt(0);
    if (d === 1 && top === 'document') return 'document';
    if (d === 2 && top === 'vulnerabilities' && frames[0]?.kind === 'object' && frames[1]?.kind === 'array') return 'vulnerability';
    if (top !== 'product_tree' || d < 2) return null;
    if (keyAt(1) === 'relationships') return d === 3 && frames[2]?.kind === 'array' ? 'relationship' : null;
    if (keyAt(1) === 'branches' && d >= 3 && frames[d - 1]?.kind === 'object' && keyAt(d - 1) === 'product') return 'product';
    return null;
  };

  const handle = (t: Token): void => {
    const name = t.name;
    if (asm) {
      asm.push(t);
      if (isStart(name)) frames.push(name === 'startObject' ? { kind: 'object', key: null } : { kind: 'array', index: 0 });
      else if (name === 'keyValue') (frames[frames.length - 1] as { key: string | null }).key = t.value as string;
      else {
        if (isEnd(name)) frames.pop();
        if (asm.done) {
          const value = asm.result;
          asm = null;
          deliver(value);
        }
        advance();
      }
      return;
    }
    if (name === 'keyValue') {
      (frames[frames.length - 1] as { key: string | null }).key = t.value as string;
      return;
    }
    if (isEnd(name)) {
      frames.pop();
      // The end of product_tree.branches, then of product_tree: from then on ids can be filtered.
      if (frames.length === 2 && keyAt(0) === 'product_tree' && keyAt(1) === 'branches' && name === 'endArray') b.branchesDone();
      if (frames.length === 0) return;
      if (frames.length === 1 && keyAt(0) === 'product_tree' && name === 'endObject') b.relationshipsDone();
      advance();
      return;
    }
    const here = pieceHere();
    if (here !== null) {
      piece = here;
      asm = new FilteringAssembler(here === 'vulnerability' ? (id) => b.keep(id) : null);
      asm.push(t);
      if (isStart(name)) frames.push(name === 'startObject' ? { kind: 'object', key: null } : { kind: 'array', index: 0 });
      else if (asm.done) {
        const value = asm.result;
        asm = null;
        deliver(value);
        advance();
      }
      return;
    }
    if (isStart(name)) frames.push(name === 'startObject' ? { kind: 'object', key: null } : { kind: 'array', index: 0 });
    else advance();
  };

  let pieceStart = 0;
  const feed = (textPiece: string): void => {
    byteStart = pieceStart;
    pieceStart = byteEnd;
    byteEnd += Buffer.byteLength(textPiece, 'utf8');
    try {
      for (const t of tok.write(textPiece)) handle(t);
    } catch (err) {
      if (err instanceof AirfeedError) throw err;
      throw fail((err as Error).message, err);
    }
  };
  for await (const chunk of source) {
    const textChunk = decoder.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    for (let i = 0; i < textChunk.length; i += PIECE) feed(textChunk.slice(i, i + PIECE));
  }
  const rest = decoder.end();
  if (rest !== '') feed(rest);
  byteStart = byteEnd;
  try {
    for (const t of tok.end()) handle(t);
  } catch (err) {
    if (err instanceof AirfeedError) throw err;
    throw fail((err as Error).message, err, true);
  }
  if (frames.length > 0 || asm) throw fail('the document is incomplete (truncated?)', undefined, true);
  if (byteEnd === 0) throw new AirfeedError('SOURCE_INVALID', `${label}: the document is empty`);
  return b.model;
}
