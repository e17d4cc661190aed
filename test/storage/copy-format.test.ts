/**
 * COPY text-format helpers (drivers/_framework/pg/copy.ts): escaping gives what PostgreSQL reads back
 * as the same text, whichever fast path a value takes, and ChunkWriter writes the bytes it was given.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChunkWriter, copyEscape } from '../../drivers/_framework/pg/copy.ts';

/** PostgreSQL's reading of a COPY text field (the escapes copyEscape writes). */
function unescape(field: string): string {
  return field.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

describe('copyEscape', () => {
  it.each([
    ['plain', 'plain'],
    ['{"a":"say \\"hi\\""}', '{"a":"say \\\\"hi\\\\""}'],
    ['a\\b\tc\nd\re', 'a\\\\b\\tc\\nd\\re'],
    ['\t', '\\t'],
    ['', ''],
  ])('%j → %j', (value, escaped) => {
    expect(copyEscape(value)).toBe(escaped);
    expect(copyEscape(value)).not.toMatch(/[\t\n\r]/);
    expect(unescape(copyEscape(value))).toBe(value);
  });
});

describe('ChunkWriter', () => {
  it('writes strings and buffers in order, as UTF-8', async () => {
    const got: Buffer[] = [];
    const target = new Writable({ write: (chunk: Buffer, _enc, cb) => { got.push(chunk); cb(); } });
    const w = new ChunkWriter(target, 8);
    for (const part of ['café ', Buffer.from('𝄞 '), 'a\\b', 'x'.repeat(20), Buffer.from('end')]) await w.write(part);
    await w.end();
    expect(Buffer.concat(got).toString('utf8')).toBe(`café 𝄞 a\\b${'x'.repeat(20)}end`);
    expect(got.length).toBeGreaterThan(1);
  });
});
