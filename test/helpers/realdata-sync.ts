/**
 * Every real data set in ../shared/realdata that a driver reads, synced by that driver into one
 * store (for the grype realdata test and `npm run bench -- grype`). Where the data is not laid out
 * as the driver's mirror, a mirror of symbolic links to it is made under `work` (nothing is copied):
 *
 * | driver | data |
 * |---|---|
 * | alpine | `alpine/secdb-2024-12-31` (every branch) |
 * | debian | `debian/vunnel-fixture/debian.json` as `tracker/data/json`, with the tracker's `DSA/list` and `DLA/list` |
 * | ubuntu | `fixtures/vunnel/ubuntu/test-fixtures`: `osv/cve`, `osv-esm-cases/cve` as `osv/cve`, `osv/usn` |
 * | redhat | `redhat/csaf-vex-beta-2022-fetched-2024-04-02` (the 30-document archive and its changes.csv) |
 * | osv | `osv/govulndb-osv/data`, `osv/rustsec-osv/data/crates`, `osv/pypa`, `osv/ghsa-sample`, one sync each |
 * | nvd | `nvd/v2.0-feeds` (API 2.0 pages 2002–2016 and modified) |
 * | kev | `kev/cisa-kev-2025-08-25` |
 * | epss | `fixtures/vunnel/epss/test-fixtures/example-1.csv` as `epss_scores-current.csv` (FIRST's bulk file is not in realdata) |
 *
 * A set that is absent is left out and named in `notes`.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { getDriver } from '../../drivers/index.ts';
import type { Sql } from '../../feed-service/storage/db.ts';
import { syncDriver } from '../../feed-service/sync.ts';

export const REALDATA = path.resolve(import.meta.dirname, '../../../shared/realdata');

interface RealSet {
  driver: string;
  label: string;
  /** The paths under REALDATA the set needs. */
  needs: string[];
  /** The mirror directory to sync from (made under `work` when it is a tree of links). */
  mirror: (work: string) => Promise<string>;
}

async function link(target: string, at: string): Promise<void> {
  await fs.mkdir(path.dirname(at), { recursive: true });
  await fs.symlink(target, at);
}

/** Links every file under `from` into `to`, keeping the relative paths. */
async function linkTree(from: string, to: string): Promise<void> {
  for (const rel of (await fs.readdir(from, { recursive: true })).map(String).sort()) {
    const src = path.join(from, rel);
    if ((await fs.stat(src)).isFile()) await link(src, path.join(to, rel));
  }
}

const r = (rel: string): string => path.join(REALDATA, rel);
const UBUNTU = 'fixtures/vunnel/ubuntu/test-fixtures';

export const REAL_SETS: readonly RealSet[] = [
  { driver: 'alpine', label: 'alpine', needs: ['alpine/secdb-2024-12-31'], mirror: async () => r('alpine/secdb-2024-12-31') },
  {
    driver: 'debian', label: 'debian slice', needs: ['debian/vunnel-fixture/debian.json', 'debian/security-tracker-data/DSA/list', 'debian/security-tracker-data/DLA/list'],
    mirror: async (work) => {
      const m = path.join(work, 'debian-mirror');
      await link(r('debian/vunnel-fixture/debian.json'), path.join(m, 'tracker/data/json'));
      await link(r('debian/security-tracker-data/DSA/list'), path.join(m, 'data/DSA/list'));
      await link(r('debian/security-tracker-data/DLA/list'), path.join(m, 'data/DLA/list'));
      return m;
    },
  },
  {
    driver: 'ubuntu', label: 'ubuntu OSV', needs: [`${UBUNTU}/osv/cve`, `${UBUNTU}/osv-esm-cases/cve`, `${UBUNTU}/osv/usn`],
    mirror: async (work) => {
      const m = path.join(work, 'ubuntu-mirror');
      for (const [from, to] of [['osv/cve', 'osv/cve'], ['osv-esm-cases/cve', 'osv/cve'], ['osv/usn', 'osv/usn']] as const) await linkTree(r(`${UBUNTU}/${from}`), path.join(m, to));
      return m;
    },
  },
  { driver: 'redhat', label: 'redhat VEX', needs: ['redhat/csaf-vex-beta-2022-fetched-2024-04-02'], mirror: async () => r('redhat/csaf-vex-beta-2022-fetched-2024-04-02') },
  { driver: 'osv', label: 'Go', needs: ['osv/govulndb-osv/data'], mirror: async () => r('osv/govulndb-osv/data') },
  { driver: 'osv', label: 'RustSec', needs: ['osv/rustsec-osv/data/crates'], mirror: async () => r('osv/rustsec-osv/data/crates') },
  { driver: 'osv', label: 'PyPA', needs: ['osv/pypa'], mirror: async () => r('osv/pypa') },
  { driver: 'osv', label: 'GHSA', needs: ['osv/ghsa-sample'], mirror: async () => r('osv/ghsa-sample') },
  { driver: 'nvd', label: 'nvd', needs: ['nvd/v2.0-feeds'], mirror: async () => r('nvd/v2.0-feeds') },
  { driver: 'kev', label: 'kev', needs: ['kev/cisa-kev-2025-08-25'], mirror: async () => r('kev/cisa-kev-2025-08-25') },
  {
    driver: 'epss', label: 'epss sample', needs: ['fixtures/vunnel/epss/test-fixtures/example-1.csv'],
    mirror: async (work) => {
      const m = path.join(work, 'epss-mirror');
      await link(r('fixtures/vunnel/epss/test-fixtures/example-1.csv'), path.join(m, 'epss_scores-current.csv'));
      return m;
    },
  },
];

/** Whether every path of the chosen sets is present. */
export function realSetsPresent(labels: readonly string[]): boolean {
  return REAL_SETS.filter((s) => labels.includes(s.label)).every((s) => s.needs.every((n) => existsSync(r(n))));
}

/** Syncs the real sets (all, or those labelled in `only`) into `sql`; returns what was synced and what was absent. */
export async function syncRealData(sql: Sql, work: string, progress: (message: string) => void = () => undefined, only?: readonly string[]): Promise<{ sets: string[]; notes: string[] }> {
  const sets: string[] = [];
  const notes: string[] = [];
  for (const [i, set] of REAL_SETS.entries()) {
    if (only !== undefined && !only.includes(set.label)) continue;
    const missing = set.needs.filter((n) => !existsSync(r(n)));
    if (missing.length > 0) {
      notes.push(`${set.label}: ${missing.map((n) => r(n)).join(', ')} absent, not synced`);
      continue;
    }
    progress(`syncing ${set.label} (${set.driver}) …`);
    const home = path.join(work, `home-${i}-${set.driver}`);
    const report = await syncDriver(sql, getDriver(set.driver), { home, http: new HttpClient(), log: silentLogger, source: await set.mirror(work) });
    if (report.status === 'failed') throw new Error(`${set.label}: ${set.driver} sync failed: ${report.error ?? ''}`);
    sets.push(set.label);
  }
  return { sets, notes };
}
