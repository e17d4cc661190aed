/**
 * The alpine driver on the real secdb snapshot in ../shared/realdata (absent in a fresh clone: then
 * skipped). Counts are checked against a count computed here, directly from the JSON files, with
 * the id rules of drivers/alpine/ids.ts written out again independently.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { validateRecord } from '../../drivers/_framework/record.ts';
import { alpine } from '../../drivers/alpine/index.ts';

const REALDATA = path.resolve(import.meta.dirname, '../../../shared/realdata/alpine/secdb-2024-12-31');
const present = existsSync(REALDATA);

/** Record ids of one upstream string: CVEs if any, else the other id-looking tokens. */
function idsOf(raw: string): string[] {
  const tokens = raw.replace(/\([^)]*(\)|$)/g, ' ').split(/[\s,;]+/).filter((t) => t !== '');
  const cves = tokens.flatMap((t) => {
    const m = /^cve[-_](\d{4}-\d{4,})(-\d{1,2}|\.patch|\.diff)?[.,:;]*$/i.exec(t);
    return m ? [`CVE-${m[1]}`] : [];
  });
  if (cves.length > 0) return cves;
  return tokens.filter((t) => !/^cve/i.test(t) && /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/i.test(t) && /\d/.test(t));
}

interface Expected { ids: Set<string>; pairs: Set<string> }

/** group name → distinct ids and distinct (id, package) pairs, straight from the files. */
async function expectedCounts(): Promise<Map<string, Expected>> {
  const out = new Map<string, Expected>();
  for (const branch of await fs.readdir(REALDATA)) {
    const group = `alpine:${branch.replace(/^v/, '')}`;
    const exp: Expected = { ids: new Set(), pairs: new Set() };
    for (const file of await fs.readdir(path.join(REALDATA, branch))) {
      const doc = JSON.parse(await fs.readFile(path.join(REALDATA, branch, file), 'utf8')) as {
        packages: { pkg: { name: string; secfixes?: Record<string, string[] | null> | null } }[];
      };
      for (const { pkg } of doc.packages) {
        for (const list of Object.values(pkg.secfixes ?? {})) {
          for (const id of (list ?? []).flatMap(idsOf)) {
            exp.ids.add(id);
            exp.pairs.add(`${id} ${pkg.name}`);
          }
        }
      }
    }
    out.set(group, exp);
  }
  return out;
}

describe.skipIf(!present)(`alpine on the real secdb snapshot${present ? '' : ' (skipped: ../shared/realdata is absent, as in a fresh clone)'}`, () => {
  let ws: string;
  beforeAll(async () => {
    ws = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-alpine-real-'));
  });
  afterAll(async () => {
    await fs.rm(ws, { recursive: true, force: true });
  });

  it('fetches from the directory and parses every group to the independently counted records', async () => {
    const fetched = await alpine.fetch({
      source: REALDATA, workspace: ws, state: {}, http: new HttpClient(), log: silentLogger,
      progress: { phase: () => undefined, tick: () => undefined },
    });
    expect(Object.keys(fetched.state)).toHaveLength(41);

    const expected = await expectedCounts();
    const seen = new Map<string, { ids: number; pairs: number; zero: number }>();
    for await (const g of alpine.parse({ workspace: ws, log: silentLogger })) {
      const counts = { ids: 0, pairs: 0, zero: 0 };
      for await (const r of g.records) {
        validateRecord(r);
        counts.ids++;
        counts.pairs += r.fixedIn.length;
        counts.zero += r.fixedIn.filter((f) => f.version === '0').length;
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
    // Upstream's "never affected" entries survive parsing.
    expect([...seen.values()].reduce((n, c) => n + c.zero, 0)).toBeGreaterThan(0);
  });
});
