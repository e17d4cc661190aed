/**
 * Reading one VEX document from a byte stream: its model (parse), or only the RHEL majors its CPEs
 * name (fetch, to list the groups without parsing).
 *
 * Documents up to `WHOLE_LIMIT` bytes are decoded whole and handed to `JSON.parse` (three times the
 * streaming reader's speed, and most documents are a few kilobytes to a few megabytes); larger
 * ones go through the streaming reader (vex-read.ts), so no document, however large, is held in
 * memory whole. Both build the same model from the same pieces (model.ts); a test checks they agree
 * on every real document.
 */
import { z } from 'zod';
import { AirfeedError } from '../_framework/errors.ts';
import { readAll } from '../_framework/read/archive.ts';
import { decodeUtf8 } from '../_framework/read/utf8.ts';
import { describeIssues } from '../_framework/record.ts';
import { modelOfParsed, type VexModel } from './model.ts';
import { MAJOR_SCAN_RE } from './products.ts';
import { readVex } from './vex-read.ts';

/** Documents larger than this are streamed (bytes). */
export const WHOLE_LIMIT = 4 * 1024 * 1024;

/** The model of a document of `size` bytes (as declared: a tar header, a file's size). */
export async function readDocument(body: AsyncIterable<Uint8Array>, size: number, label: string, wholeLimit = WHOLE_LIMIT): Promise<VexModel> {
  if (size > wholeLimit) return readVex(body, label);
  const bytes = await readAll(body, wholeLimit, label);
  const text = decodeUtf8(bytes, label);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    const where = at === undefined ? '' : ` near byte ${Buffer.byteLength(text.slice(0, Number(at)), 'utf8')}`;
    throw new AirfeedError('SOURCE_INVALID', `${label}: malformed JSON${where} (truncated or corrupt): ${(err as Error).message}`, { cause: err });
  }
  try {
    return modelOfParsed(doc);
  } catch (err) {
    if (err instanceof z.ZodError) throw new AirfeedError('SOURCE_INVALID', `${label}: not a CSAF VEX document: ${describeIssues(err)}`, { cause: err });
    throw err;
  }
}

/** The RHEL majors a document's CPEs name, by text (products.ts MAJOR_SCAN_RE), streamed with an overlap between chunks. */
export async function scanMajors(body: AsyncIterable<Uint8Array>): Promise<number[]> {
  const majors = new Set<number>();
  let carry = '';
  for await (const chunk of body) {
    const text = carry + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    // A match running to the end of the text may be cut (`enterprise_linux:1|0`): it is taken in the next round.
    for (const m of text.matchAll(MAJOR_SCAN_RE)) if (m.index + m[0].length < text.length) majors.add(Number(m[1]));
    carry = text.slice(-96);
  }
  for (const m of carry.matchAll(MAJOR_SCAN_RE)) majors.add(Number(m[1]));
  return [...majors].filter((n) => Number.isSafeInteger(n) && n > 0).sort((a, b) => a - b);
}
