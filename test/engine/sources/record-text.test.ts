/** recordText keeps a /v2 line's record byte for byte, and only when the line has the service's exact layout. */
import { describe, expect, it } from 'vitest';
import { recordText } from '../../../engine-client/sources/service.ts';
import { recordJson } from '../../../feed-service/http/v2.ts';

describe('recordText', () => {
  const doc = '{"id":"CVE-1","namespace":"alpine:3.20","description":"a \\"quoted\\" \\\\ text","fixedIn":[]}';
  it('slices the stored document out of a line the service wrote', () => {
    const line = recordJson({ seq: 12, id: 'CVE-1', deleted: false, updatedAt: '2026-12-01T00:00:00.000000Z', doc });
    expect(recordText(line, JSON.parse(line))).toBe(doc);
  });
  it('declines a line with other keys, another key order, or an id the service would escape differently', () => {
    const extra = `{"seq":12,"id":"CVE-1","deleted":false,"updatedAt":"2026-12-01T00:00:00.000000Z","record":${doc},"x":1}`;
    expect(recordText(extra, JSON.parse(extra))).toBeUndefined();
    const reordered = `{"id":"CVE-1","seq":12,"deleted":false,"updatedAt":"2026-12-01T00:00:00.000000Z","record":${doc}}`;
    expect(recordText(reordered, JSON.parse(reordered))).toBeUndefined();
    const escaped = `{"seq":12,"id":"CVE\\u002d1","deleted":false,"updatedAt":"2026-12-01T00:00:00.000000Z","record":${doc}}`;
    expect(recordText(escaped, JSON.parse(escaped))).toBeUndefined();
  });
});
