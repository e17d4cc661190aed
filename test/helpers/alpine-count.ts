/**
 * An independent count of the real Alpine secdb snapshot, straight from the JSON files, with the id
 * rules of drivers/alpine/ids.ts written out again (so a driver bug cannot hide in both).
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

export const REALDATA_ALPINE = path.resolve(import.meta.dirname, '../../../shared/realdata/alpine/secdb-2024-12-31');
export const realdataPresent = existsSync(REALDATA_ALPINE);
/** The skip reason of tests that need it (test/helpers/skip.ts). */
export const REALDATA_ABSENT = `${path.relative(path.resolve(import.meta.dirname, '../..'), REALDATA_ALPINE)} is absent, as in a fresh clone`;

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

export interface Expected { ids: Set<string>; pairs: Set<string> }

/** group name → distinct ids and distinct (id, package) pairs, straight from the files. */
export async function expectedCounts(): Promise<Map<string, Expected>> {
  const out = new Map<string, Expected>();
  for (const branch of await fs.readdir(REALDATA_ALPINE)) {
    const group = `alpine:${branch.replace(/^v/, '')}`;
    const exp: Expected = { ids: new Set(), pairs: new Set() };
    for (const file of await fs.readdir(path.join(REALDATA_ALPINE, branch))) {
      const doc = JSON.parse(await fs.readFile(path.join(REALDATA_ALPINE, branch, file), 'utf8')) as {
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

