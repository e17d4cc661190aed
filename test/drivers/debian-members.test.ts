/** The tracker JSON's member reader (drivers/debian/members.ts): JSON.parse's answer whatever the chunking, and named errors. */
import { describe, expect, it } from 'vitest';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { topLevelMembers } from '../../drivers/debian/members.ts';

async function read(text: string, chunk = text.length || 1): Promise<[string, unknown][]> {
  const bytes = Buffer.from(text, 'utf8');
  async function* source(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
  }
  const out: [string, unknown][] = [];
  for await (const m of topLevelMembers(source(), 'debian: tracker/data/json')) out.push([m.key, m.value]);
  return out;
}

async function error(text: string): Promise<AirfeedError> {
  const err = await read(text).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AirfeedError);
  expect((err as AirfeedError).code).toBe('SOURCE_INVALID');
  return err as AirfeedError;
}

const TRICKY = JSON.stringify({
  'openssl': { 'CVE-2024-0727': { description: 'quote " and backslash \\ and \\" and }{][,: inside', releases: { bookworm: { status: 'resolved', fixed_version: '3.0.13-1~deb12u1' } } } },
  'é-ünïcödé': { 'TEMP-0000000-2F6E3C': { description: '😀 🐛 \u2028 \\\\', releases: [] } },
  ['__proto__']: { 'CVE-1': { releases: {} } },
  'scalar': 7,
  'list': [1, [2, { 'a': '}' }]],
  'backslashes': { 'x': '\\\\\\\\' },
}, null, 1);

describe('topLevelMembers', () => {
  it('gives what JSON.parse gives, member by member, however the bytes are chunked', async () => {
    const want = Object.entries(JSON.parse(TRICKY) as Record<string, unknown>);
    for (const chunk of [1, 2, 3, 5, 7, 64, TRICKY.length]) {
      const got = await read(TRICKY, chunk);
      expect(got, `chunk ${chunk}`).toEqual(want);
    }
    // `__proto__` is an own key, as JSON.parse makes it.
    expect((await read(TRICKY)).map(([k]) => k)).toContain('__proto__');
    expect(await read(' {} ')).toEqual([]);
  });

  it.each([
    ['', /is empty, not a JSON object/],
    ['[1]', /not a JSON object of source packages \(at byte 0\)/],
    ['{"a": {"b": 1},', /ends before the closing "}" \(truncated\)/],
    ['{"a": {"b": 1}', /ends inside member "a" \(truncated\)/],
    ['{"a": {"b": 1}, "bash": {"CVE-1": {"desc', /ends inside member "bash" \(truncated\)/],
    ['{"a": 1} x', /text after the end of the top-level object \(at byte 9\)/],
    ['{"a": 1,}', /a comma before the closing "}"/],
    ['{,"a": 1}', /a comma where a member should be/],
    ['{"a": {"b": tru}}', /member "a": malformed JSON: .*\(at byte 1\)/],
    ['{"a": 1 "b": 2}', /member "a": malformed JSON/],
  ])('%j fails naming what and where', async (text, message) => {
    expect((await error(text)).message).toMatch(message);
  });

  it('names the byte offset of a bad member after multi-byte text', async () => {
    const text = `{"é": 1, "bad": {"x": nope}}`;
    expect((await error(text)).message).toBe('debian: tracker/data/json: member "bad": malformed JSON: ' +
      `${(() => { try { JSON.parse('{"bad": {"x": nope}}'); } catch (e) { return (e as Error).message; } return ''; })()} (at byte 10)`);
  });
});
