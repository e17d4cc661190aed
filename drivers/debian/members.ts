/**
 * The tracker JSON's top-level members, `"openssl": {…}`, one at a time: the text is decoded
 * strictly (read/utf8.ts), scanned for the end of each member (nesting followed, strings skipped
 * whole to their closing quote), and each member is handed to
 * `JSON.parse` whole. Memory holds one source package's member, as with the framework's streaming
 * reader (read/json.ts), at about three times its speed on the ~70 MB file, since `JSON.parse`
 * builds the values instead of a token stream (scripts/bench/debian.ts measures it).
 *
 * Anything that is not one JSON object of members (a syntax error inside a member, text after the
 * closing brace, a document that ends early) is SOURCE_INVALID naming the file, the byte offset of
 * the member and its key when it was read.
 */
import { AirfeedError } from '../_framework/errors.ts';
import { type ByteSource, Utf8Decoder } from '../_framework/read/utf8.ts';

export interface Member {
  key: string;
  value: unknown;
}

/** The members of the top-level object of `source`; see the module doc. */
export async function* topLevelMembers(source: ByteSource, label: string): AsyncGenerator<Member> {
  const decoder = new Utf8Decoder(label);
  /** Byte offset of the start of `text`. */
  let base = 0;
  let text = '';
  /** Where scanning resumes in `text`. */
  let pos = 0;
  let started = false;
  let ended = false;
  /** Nesting below the top-level object (0: between members). */
  let depth = 0;
  /** Start of the current member in `text`, or -1. */
  let memberStart = -1;
  /** Members finished so far, and whether a comma came after the last one. */
  let members = 0;
  let afterComma = false;
  const fail = (what: string, at: number, cause?: unknown): never => {
    const offset = base + Buffer.byteLength(text.slice(0, Math.max(0, at)), 'utf8');
    throw new AirfeedError('SOURCE_INVALID', `${label}: ${what} (at byte ${offset})`, { details: { offset }, ...(cause ? { cause } : {}) });
  };
  const keyHint = (from: number): string => {
    const m = /^\s*("(?:[^"\\]|\\.)*")/.exec(text.slice(from, from + 300));
    return m?.[1] ?? '(a member)';
  };
  const finishMember = (end: number): Member => {
    const body = text.slice(memberStart, end);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(`{${body}}`) as Record<string, unknown>;
    } catch (err) {
      return fail(`member ${keyHint(memberStart)}: malformed JSON: ${(err as Error).message}`, memberStart, err);
    }
    const keys = Object.keys(parsed);
    if (keys.length !== 1) return fail(`expected one "key": value member, found ${keys.length}`, memberStart);
    const key = keys[0] as string;
    return { key, value: parsed[key] };
  };
  const pending: Member[] = [];

  const scan = (): void => {
    const n = text.length;
    while (pos < n) {
      if (!started || ended) {
        const c = text.charCodeAt(pos);
        if (c === 32 || c === 10 || c === 13 || c === 9) {
          pos++;
          continue;
        }
        if (ended) fail('text after the end of the top-level object', pos);
        if (c !== 123) fail('not a JSON object of source packages', pos);
        started = true;
        pos++;
        continue;
      }
      const c = text.charCodeAt(pos);
      if (c === 34) {
        // A string: jump to its closing quote (one not escaped by an odd run of backslashes).
        if (depth === 0 && memberStart < 0) {
          if (members > 0 && !afterComma) fail('members not separated by a comma', pos);
          afterComma = false;
          memberStart = pos;
        }
        let j = pos + 1;
        for (;;) {
          j = text.indexOf('"', j);
          if (j < 0) return; // not closed yet: resume at its opening quote with more text
          let k = j - 1;
          while (text.charCodeAt(k) === 92) k--;
          if ((j - 1 - k) % 2 === 0) break;
          j++;
        }
        pos = j + 1;
        continue;
      }
      if (depth === 0 && memberStart < 0) {
        // Between members: whitespace, a comma, or the closing brace.
        if (c === 32 || c === 10 || c === 13 || c === 9) {
          pos++;
          continue;
        }
        if (c === 44) {
          if (afterComma || members === 0) fail('a comma where a member should be', pos);
          afterComma = true;
        } else if (c === 125) {
          if (afterComma) fail('a comma before the closing "}"', pos);
          ended = true;
        } else fail(`expected a member key, found ${JSON.stringify(text[pos])}`, pos);
        pos++;
        continue;
      }
      if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (depth === 0) {
          // The top-level object closes after its last member.
          if (c !== 125) fail('unbalanced "]"', pos);
          pending.push(finishMember(pos));
          members++;
          memberStart = -1;
          ended = true;
        } else depth--;
      } else if (c === 44 && depth === 0) {
        pending.push(finishMember(pos));
        members++;
        memberStart = -1;
        afterComma = true;
      }
      pos++;
    }
  };

  /** Drops what is no longer needed from the front of `text` (the scanned part before the current member). */
  const compact = (): void => {
    const keep = memberStart >= 0 ? memberStart : pos;
    if (keep === 0) return;
    base += Buffer.byteLength(text.slice(0, keep), 'utf8');
    text = text.slice(keep);
    pos -= keep;
    if (memberStart >= 0) memberStart = 0;
  };

  for await (const chunk of source) {
    text += decoder.write(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    scan();
    for (const m of pending) yield m;
    pending.length = 0;
    compact();
  }
  text += decoder.end();
  scan();
  for (const m of pending) yield m;
  pending.length = 0;
  if (!started) fail('is empty, not a JSON object', 0);
  if (!ended) fail(memberStart >= 0 ? `ends inside member ${keyHint(memberStart)} (truncated)` : 'ends before the closing "}" (truncated)', memberStart >= 0 ? memberStart : text.length);
}
