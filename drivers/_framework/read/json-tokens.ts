/**
 * The pieces of the streaming JSON reader (read/json.ts) below its walk: stream-json's tokenizer
 * run synchronously, the value assembler, and JSON path formatting.
 */
import makeParser from 'stream-json/parser.js';

export interface Token {
  name: string;
  value?: unknown;
}

// stream-chain's cross-version protocol (defs.js): these symbols mark "no value" and "many values".
const NONE = Symbol.for('object-stream.none');
const MANY = Symbol.for('object-stream.many');

type Step = (value: unknown) => unknown;

/** Runs stream-json's parser function list synchronously; throws if a step ever turns asynchronous. */
export function tokenizer(): { write(text: string): Token[]; end(): Token[] } {
  const made = makeParser({ packValues: true, streamValues: false }) as unknown as { fList?: Step[] };
  const steps = made.fList;
  if (!Array.isArray(steps) || steps.length === 0) throw new Error('stream-json parser has no function list (its API changed; see read/json-tokens.ts)');
  const run = (input: unknown[], from: number): Token[] => {
    let values = input;
    for (let i = from; i < steps.length; i++) {
      const next: unknown[] = [];
      for (const v of values) collect((steps[i] as Step)(v), next);
      values = next;
    }
    return values as Token[];
  };
  return {
    write: (text) => run([text], 0),
    end: () => {
      const out: Token[] = [];
      for (let i = 0; i < steps.length; i++) {
        const flushed: unknown[] = [];
        collect((steps[i] as Step)(NONE), flushed);
        out.push(...run(flushed, i + 1));
      }
      return out;
    },
  };
}

function collect(result: unknown, into: unknown[]): void {
  if (result === NONE) return;
  if (result !== null && typeof result === 'object') {
    const r = result as Record<symbol, unknown> & { values?: unknown[]; then?: unknown; next?: unknown };
    if (r[MANY] === 1 && Array.isArray(r.values)) {
      into.push(...r.values);
      return;
    }
    if (typeof r.then === 'function' || typeof r.next === 'function') {
      throw new Error('stream-json parser step returned an asynchronous value (its API changed; see read/json-tokens.ts)');
    }
  }
  into.push(result);
}

export type Frame = { kind: 'object'; key: string | null } | { kind: 'array'; index: number };

/** Builds one value from tokens; `__proto__` stays an own property. */
export class Assembler {
  #stack: Array<{ value: Record<string, unknown> | unknown[]; key: string | null }> = [];
  #done = false;
  #result: unknown;

  get done(): boolean {
    return this.#done;
  }

  get result(): unknown {
    return this.#result;
  }

  push(t: Token): void {
    switch (t.name) {
      case 'startObject':
        this.#stack.push({ value: {}, key: null });
        return;
      case 'startArray':
        this.#stack.push({ value: [], key: null });
        return;
      case 'endObject':
      case 'endArray':
        this.#add((this.#stack.pop() as { value: unknown }).value);
        return;
      case 'keyValue':
        (this.#stack[this.#stack.length - 1] as { key: string | null }).key = t.value as string;
        return;
      default:
        this.#add(scalar(t));
    }
  }

  #add(value: unknown): void {
    const top = this.#stack[this.#stack.length - 1];
    if (!top) {
      this.#result = value;
      this.#done = true;
    } else if (Array.isArray(top.value)) {
      top.value.push(value);
    } else if (top.key === '__proto__') {
      Object.defineProperty(top.value, top.key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      top.value[top.key as string] = value;
    }
  }
}

export function scalar(t: Token): unknown {
  switch (t.name) {
    case 'stringValue':
      return t.value;
    case 'numberValue':
      return Number(t.value);
    case 'nullValue':
      return null;
    case 'trueValue':
      return true;
    case 'falseValue':
      return false;
    default:
      throw new Error(`unexpected JSON token ${t.name}`);
  }
}

export const isStart = (name: string): boolean => name === 'startObject' || name === 'startArray';
export const isEnd = (name: string): boolean => name === 'endObject' || name === 'endArray';

export function pathText(frames: readonly Frame[]): string {
  let out = '';
  for (const f of frames) {
    if (f.kind === 'array') out += `[${f.index}]`;
    else if (f.key !== null) out += /^[A-Za-z_$][\w$]*$/.test(f.key) ? `${out === '' ? '' : '.'}${f.key}` : `[${JSON.stringify(f.key)}]`;
  }
  return out === '' ? '(top level)' : out;
}
