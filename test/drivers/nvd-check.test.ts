/**
 * The nvd driver's fast item check (api-check.ts) is never looser than the zod schema it stands in
 * front of: every item it accepts, zod accepts too, and the record built from the item it returns
 * equals the record built from zod's stripped copy. Checked on the fixture items and on every
 * variant of them with one member deleted or replaced by a value of another kind.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NvdItem } from '../../drivers/nvd/api.ts';
import { checkItem } from '../../drivers/nvd/api-check.ts';
import { toRecord } from '../../drivers/nvd/record.ts';
import { type Json, variants } from '../helpers/variants.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/drivers/nvd');

async function fixtureItems(): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const f of ['nvdcve-2016.json', 'nvdcve-modified.json']) {
    const doc = JSON.parse(await fs.readFile(path.join(FIXTURES, f), 'utf8')) as { vulnerabilities: unknown[] };
    out.push(...doc.vulnerabilities);
  }
  return out;
}

/** toRecord's result, or its error message. */
function recordOf(cve: Parameters<typeof toRecord>[0]): unknown {
  try {
    return toRecord(cve, 'nvd: test', 'test');
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe('nvd: checkItem', () => {
  it('accepts the fixture items, giving the records zod’s copies give', async () => {
    const items = await fixtureItems();
    expect(items.length).toBeGreaterThan(3);
    for (const item of items) {
      const fast = checkItem(item);
      expect(fast).toBeDefined();
      expect(recordOf(fast as never)).toEqual(recordOf(NvdItem.parse(item).cve));
    }
  });

  it('accepts nothing zod refuses, and what it accepts builds the same record', async () => {
    let refused = 0;
    let accepted = 0;
    for (const item of await fixtureItems()) {
      for (const v of variants(item as Json)) {
        const zod = NvdItem.safeParse(v);
        const fast = checkItem(v);
        if (fast === undefined) {
          refused++;
          continue;
        }
        accepted++;
        expect(zod.success, JSON.stringify(v).slice(0, 300)).toBe(true);
        if (zod.success) expect(recordOf(fast)).toEqual(recordOf(zod.data.cve));
      }
    }
    // Both kinds occur, so neither half of the check is vacuous.
    expect(refused).toBeGreaterThan(100);
    expect(accepted).toBeGreaterThan(100);
  });

  it('leaves to zod an item whose cveTags or vendorComments carry members zod strips', async () => {
    const item = structuredClone((await fixtureItems())[0]) as { cve: Record<string, unknown> };
    item.cve['cveTags'] = [{ sourceIdentifier: 'cna@example.org', tags: ['disputed'], extra: 1 }];
    expect(NvdItem.safeParse(item).success).toBe(true);
    expect(checkItem(item)).toBeUndefined();
    item.cve['cveTags'] = [{ sourceIdentifier: 'cna@example.org', tags: ['disputed'] }];
    expect(checkItem(item)).toBeDefined();
    item.cve['vendorComments'] = [{ organization: 'o', comment: 'c', lastModified: '2020-01-01T00:00:00', extra: 1 }];
    expect(checkItem(item)).toBeUndefined();
  });
});
