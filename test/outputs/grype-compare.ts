/**
 * The two sides of the lookup tests (grype-lookup*.test.ts): the engine's matcher over the feed
 * service's records, and grype's lookup over the SQLite file (grype-lookup.ts), compared package by
 * package; and the synthetic inventories that try every range below, at and past its fix.
 */
import type Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { Distro, InstalledPackage, Inventory } from '../../engine-client/inputs/index.ts';
import { type Lookup, matchInventory } from '../../engine-client/match/match.ts';
import { fromNormalized } from '../../engine-client/sources/convert.ts';
import { packageKey } from '../../engine-client/store/package-key.ts';
import type { AffectedRow } from '../../engine-client/store/types.ts';
import type { Sql } from '../../feed-service/storage/db.ts';
import type { Match } from '../../engine-client/match/match.ts';
import { grypeFindingStates, resolveOs } from './grype-lookup.ts';

/**
 * The fix state grype's model gives an engine match (grype/db/v6 FixStatus, written by grype-db's
 * getFix): `fixed` when a fix version is known, `wont-fix` for the vendor's will-not-fix, else
 * `not-fixed` (affected, deferred, under investigation).
 */
export function grypeFixState(m: Pick<Match, 'state' | 'fixedVersion'>): string {
  if (m.fixedVersion !== null) return 'fixed';
  return m.state === 'will_not_fix' ? 'wont-fix' : 'not-fixed';
}

/**
 * The engine's lookup, answered from the feed service's records (what an engine synced from it holds),
 * for a machine without subscription channels and outside module streams (see the module comment).
 * An Ubuntu record read from Canonical's OSV (`UBUNTU-CVE-…`) is named by its upstream CVE, as grype
 * names it; a live record marked withdrawn is what a driver would have made a tombstone.
 */
export function storeLookup(sql: Sql): Lookup {
  return async (group, names) => {
    const rows = await sql<{ id: string; doc: string }[]>`select id, doc from records where group_name = ${group} and not deleted`;
    const wanted = new Set(names);
    const out: AffectedRow[] = [];
    for (const r of rows) {
      const doc = JSON.parse(r.doc) as { upstream?: string[]; withdrawn: string | null; fixedIn: { channel?: string; moduleStream?: string }[] };
      // Drivers turn a withdrawn advisory into a tombstone (an engine never holds it); grype-db drops a withdrawn Ubuntu record.
      if (doc.withdrawn !== null) continue;
      const plain = { ...doc, fixedIn: doc.fixedIn.filter((f) => f.channel === undefined && f.moduleStream === undefined) };
      const u = fromNormalized(plain, group, r.id, r.doc);
      if (typeof u === 'string') throw new Error(u);
      const vulnId = r.id.startsWith('UBUNTU-') && doc.upstream?.[0] ? doc.upstream[0] : r.id;
      for (const a of u.affected) {
        // The matcher asks by the lookup key (PEP 503 for PyPI, case-folded for NuGet), as the engine's store answers.
        if (wanted.has(packageKey(group, a.package))) out.push({ group, vulnId, package: a.package, scheme: a.scheme, state: a.state, fixed: a.fixed, ranges: a.ranges, versions: a.versions, channel: a.channel, severity: u.severity, link: u.link });
      }
    }
    return out;
  };
}

/** An os-release VERSION_ID for a group's release: a point release, edge's alpha, Debian's major, Ubuntu's release, a RHEL minor. */
export function versionId(distro: Distro): string {
  if (distro.id === 'alpine') return distro.release === 'edge' ? '3.21_alpha20240807' : `${distro.release}.3`;
  if (distro.id === 'rhel') return `${distro.release}.4`;
  return distro.release;
}

/** The syft type of a distro's packages and the engine's package kind. */
export const KINDS: Readonly<Record<string, 'apk' | 'deb' | 'rpm'>> = { alpine: 'apk', debian: 'deb', ubuntu: 'deb', rhel: 'rpm' };

export interface Compared {
  packages: number;
  /** Packages with at least one finding. */
  affected: number;
  matches: number;
}

/** Matches `inv` both ways and expects the same findings per package; returns how much was compared. */
export async function compare(sql: Sql, grype: Database.Database, inv: Inventory, distro: Distro): Promise<Compared> {
  const groups = await sql<{ name: string }[]>`select name from groups where enabled`;
  const engine = await matchInventory(inv, { lookup: storeLookup(sql), available: new Set(groups.map((g) => g.name)), distro });
  expect(engine.problems).toEqual([]);
  const osIds = resolveOs(grype, distro.id, versionId(distro));
  // A release whose records only name channel fixes (Ubuntu 16.04 with only Pro fixes) has no plain row: then the engine finds nothing either.
  if (engine.matches.length > 0) expect(osIds.length, `grype resolves ${distro.id} ${versionId(distro)} to an operating system`).toBeGreaterThan(0);
  let matches = 0;
  let affected = 0;
  for (const pkg of inv.packages) {
    const fromEngine = engine.matches
      .filter((m) => m.location === pkg.location)
      .map((m) => ({ id: m.vulnId, fix: m.fixedVersion, state: grypeFixState(m) }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const names = [pkg.name, ...(pkg.source ? [pkg.source.name] : [])];
    const fromGrype = grypeFindingStates(grype, osIds, names, pkg.source?.version ?? pkg.version, { ecosystem: KINDS[distro.id] ?? 'apk' });
    expect(fromGrype, `${pkg.name} ${pkg.version} (${pkg.location}) on ${distro.id}:${distro.release}`).toEqual(fromEngine);
    matches += fromEngine.length;
    if (fromEngine.length > 0) affected++;
  }
  return { packages: inv.packages.length, affected, matches };
}

/** One inventory per group: every package any record names, at every version any record names for it, and below and above them. */
export async function syntheticInventory(sql: Sql, group: string, kind: 'apk' | 'deb' | 'rpm' = 'apk'): Promise<Inventory> {
  const fixes = await sql<{ package: string; version: string }[]>`
    select distinct f->>'package' as package, f->>'version' as version
    from records r, jsonb_array_elements(r.doc::jsonb->'fixedIn') f
    where not r.deleted and f->>'version' is not null`;
  const inGroup = await sql<{ package: string }[]>`
    select distinct f->>'package' as package from records r, jsonb_array_elements(r.doc::jsonb->'fixedIn') f
    where r.group_name = ${group} and not r.deleted order by 1`;
  const packages: InstalledPackage[] = [];
  for (const { package: name } of inGroup) {
    const versions = new Set(['0', '9999.0-r0', ...fixes.filter((f) => f.package === name && f.version !== 'None').map((f) => f.version)]);
    for (const version of [...versions].sort()) packages.push({ name, version, kind, location: `${group}/${name}@${version}` });
  }
  return { file: `synthetic ${group}`, format: kind === 'apk' ? 'apk-installed' : kind === 'deb' ? 'dpkg-status' : 'rpm-qa', packages };
}

