/**
 * The alpine driver on the real secdb snapshot in ../shared/realdata (absent in a fresh clone: then
 * skipped). Counts are checked against a count computed here, directly from the JSON files, with
 * the id rules of drivers/alpine/ids.ts written out again independently.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { SettingValues } from '../../drivers/_framework/settings.ts';
import { validateRecord } from '../../drivers/_framework/record.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { expectedCounts, REALDATA_ABSENT, REALDATA_ALPINE, realdataPresent } from '../helpers/alpine-count.ts';
import { skipUnless } from '../helpers/skip.ts';

const REALDATA = REALDATA_ALPINE;

describe('alpine on the real secdb snapshot', skipUnless(realdataPresent, REALDATA_ABSENT), () => {
  let ws: string;
  beforeAll(async () => {
    ws = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-alpine-real-'));
  });
  afterAll(async () => {
    await fs.rm(ws, { recursive: true, force: true });
  });

  it('fetches from the directory and parses every group to the independently counted records', async () => {
    const fetched = await alpine.fetch({
      source: REALDATA, workspace: ws, state: {}, settings: SettingValues.none('alpine'), http: new HttpClient(), log: silentLogger,
      progress: { phase: () => undefined, tick: () => undefined },
    });
    expect(Object.keys(fetched.state)).toHaveLength(41);

    const expected = await expectedCounts();
    const seen = new Map<string, { ids: number; pairs: number; zero: number }>();
    let odd = 0;
    for await (const g of alpine.parse({ workspace: ws, log: silentLogger })) {
      const counts = { ids: 0, pairs: 0, zero: 0 };
      for await (const r of g.records) {
        validateRecord(r);
        counts.ids++;
        counts.pairs += r.fixedIn.length;
        counts.zero += r.fixedIn.filter((f) => f.state === 'not_affected').length;
        // Only upstream's "0" becomes not_affected; every other entry is fixed at a version.
        odd += r.fixedIn.filter((f) => !((f.state === 'fixed' && f.version !== undefined && f.version !== '0') || (f.state === 'not_affected' && f.version === undefined))).length;
      }
      seen.set(g.name, counts);
    }
    expect([...seen.keys()]).toEqual([...expected.keys()].sort());
    expect(seen.size).toBe(21);
    for (const [name, exp] of expected) {
      expect({ group: name, ids: seen.get(name)?.ids, pairs: seen.get(name)?.pairs }).toEqual({ group: name, ids: exp.ids.size, pairs: exp.pairs.size });
    }
    const total = [...seen.values()].reduce((n, c) => n + c.ids, 0);
    expect(total).toBe(72_602);
    expect(odd).toBe(0);
    // Upstream's "never affected" entries survive parsing, as not_affected.
    expect([...seen.values()].reduce((n, c) => n + c.zero, 0)).toBeGreaterThan(0);
  });
});
