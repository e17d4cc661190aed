/**
 * /v1 query parameters as Anchore engines send them: `since` (the engine's naive UTC clock from
 * Python's isoformat, appended unencoded) and `next_token` (ours, opaque).
 *
 * Token format: base64url without padding of `1.<updated_at in µs since the epoch>.<record id>`:
 * the keyset position after the last record of the page. The leading `1` versions the format. Only
 * `[A-Za-z0-9_-]` appear, so it survives being appended raw to a URL. It holds no `since`: the
 * engine re-sends `since` with every token and both filters apply together.
 */
import { z } from 'zod';
import { AirfeedError } from '../../drivers/_framework/errors.ts';

/** Longest token accepted or issued (ids longer than ~700 bytes cannot be paged past; none exist). */
export const MAX_TOKEN_LENGTH = 1024;

export interface KeysetPosition {
  us: number;
  id: string;
}

const TOKEN_TEXT = z
  .string()
  .max(MAX_TOKEN_LENGTH, `next_token is longer than ${MAX_TOKEN_LENGTH} characters`)
  .regex(/^[A-Za-z0-9_-]+$/, 'next_token must be a token this service issued (base64url characters only)');
const PAYLOAD = /^1\.(\d{1,16})\.([\s\S]+)$/;

/** Encodes the keyset position as a next_token. */
export function encodeToken(pos: KeysetPosition): string {
  const token = Buffer.from(`1.${pos.us}.${pos.id}`, 'utf8').toString('base64url');
  if (token.length > MAX_TOKEN_LENGTH) {
    // A server-side limit, not bad input: no real id comes near it.
    throw new Error(`record id ${pos.id.slice(0, 80)}… is too long to page past with a next_token`);
  }
  return token;
}

/** Decodes a next_token; INPUT_INVALID naming `next_token` when it is not one we issued. */
export function decodeToken(raw: string): KeysetPosition {
  const text = TOKEN_TEXT.safeParse(raw);
  if (!text.success) throw new AirfeedError('INPUT_INVALID', `query parameter "next_token": ${text.error.issues[0]?.message ?? 'invalid'}`);
  const m = PAYLOAD.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  const us = Number(m?.[1]);
  if (!m?.[2] || !Number.isSafeInteger(us)) {
    throw new AirfeedError('INPUT_INVALID', 'query parameter "next_token" is not a token this service issued; restart paging without it');
  }
  return { us, id: m[2] };
}

// date, optional time (T or space), fraction, then Z, ±HH:MM, ±HHMM, ±HH, or a space where an unencoded + was decoded.
const SINCE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(?:([Zz])|([+\- ])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * Parses `since` into µs since the epoch. A time without an offset is UTC (the engine sends
 * `datetime.utcnow().isoformat()`); microseconds are kept exactly.
 */
export function parseSince(raw: string): number {
  const bad = (why: string): AirfeedError =>
    new AirfeedError('INPUT_INVALID', `query parameter "since": "${raw.slice(0, 64)}" ${why}; expected an ISO 8601 time like 2021-06-03T20:18:03.123456 (UTC when no offset)`);
  const m = SINCE.exec(raw.trim());
  if (!m) throw bad('is not a time');
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', , sign, oh = '0', om = '0'] = m;
  const nums = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const [year, month, day, hour, minute, second] = nums;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw bad('is not a valid calendar time');
  }
  if (Number(oh) > 23 || Number(om) > 59) throw bad('has an invalid UTC offset');
  const micros = Number(frac.padEnd(6, '0').slice(0, 6));
  const offsetMinutes = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  return (date.getTime() - offsetMinutes * 60_000) * 1000 + micros;
}
