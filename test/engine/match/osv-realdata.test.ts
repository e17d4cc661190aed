/**
 * The matcher on every real OSV record of ../shared/realdata/osv (absent in a fresh clone: then
 * skipped): govulndb (Go, versions without "v", pseudo-versions, +incompatible), RustSec (crates)
 * and PyPA (PyPI, YAML). Each record becomes a schema-v2 record (the framework's fromOsv) and the
 * engine's rows (the affected shape). For every package entry with one range of ascending
 * `introduced`/`fixed` windows (or one `introduced`/`last_affected` pair), the windows' own ends
 * are installed, spelt as the ecosystem's lockfiles spell them (go.mod's `v`), and the verdict OSV
 * defines is expected without asking the matcher: `introduced: X, fixed: Y` → X affected with fix
 * Y, Y not affected (unless listed in `versions`); `introduced: X, last_affected: Z` → Z affected.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { fromOsv } from '../../../drivers/_framework/shapes/osv-in.ts';
import { OUTPUT_SHAPES } from '../../../drivers/_framework/shapes/index.ts';
import type { VulnRecord } from '../../../drivers/_framework/record.ts';
import { COMPARATORS } from '../../../drivers/_framework/versions/index.ts';
import type { InstalledPackage, PackageKind } from '../../../engine-client/inputs/types.ts';
import { matchInventory } from '../../../engine-client/match/match.ts';
import { packageKey } from '../../../engine-client/store/package-key.ts';
import type { AffectedRow } from '../../../engine-client/store/types.ts';
import { skipUnless } from '../../helpers/skip.ts';

const OSV = path.resolve(import.meta.dirname, '../../../../shared/realdata/osv');
const present = existsSync(path.join(OSV, 'govulndb-osv'));

interface Source {
  dir: string;
  group: string;
  kind: PackageKind;
  ecosystem: string;
  /** The installed version as the ecosystem's lockfile writes an OSV version. */
  installed: (v: string) => string;
}

const SOURCES: Source[] = [
  { dir: 'govulndb-osv', group: 'github:go', kind: 'go', ecosystem: 'Go', installed: (v) => `v${v}` },
  { dir: 'rustsec-osv', group: 'github:rust', kind: 'cargo', ecosystem: 'crates.io', installed: (v) => v },
  { dir: 'pypa', group: 'github:python', kind: 'pypi', ecosystem: 'PyPI', installed: (v) => v },
];

async function* files(dir: string): AsyncGenerator<string> {
  for (const e of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (/\.(json|ya?ml)$/.test(e.name)) yield p;
  }
}

/** The records of one source, only with the affected entries of its own ecosystem. */
async function records(src: Source): Promise<VulnRecord[]> {
  const out: VulnRecord[] = [];
  for await (const f of files(path.join(OSV, src.dir))) {
    const text = await fs.readFile(f, 'utf8');
    const doc = (f.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as { affected?: { package: { ecosystem: string } }[] };
    doc.affected = (doc.affected ?? []).filter((a) => a.package.ecosystem === src.ecosystem);
    if (doc.affected.length === 0) continue;
    out.push(fromOsv(doc, { group: src.group, provenance: { driver: 'test', source: f } }));
  }
  return out;
}

describe('the matcher on real OSV records', skipUnless(present, '../shared/realdata/osv is absent, as in a fresh clone'), () => {
  it.each(SOURCES)('$dir: every simple range decides its own boundaries as OSV defines them', async (src) => {
    const recs = await records(src);
    const cmp = COMPARATORS[src.kind === 'go' ? 'go' : src.kind === 'cargo' ? 'crates' : 'pep440'];
    const rows: AffectedRow[] = [];
    const packages: InstalledPackage[] = [];
    const expectAffected = new Map<string, string | null>();
    const expectClean = new Set<string>();
    const invalid = new Set<string>();
    const installed = new Set<string>();
    for (const r of recs) {
      const entries = OUTPUT_SHAPES.affected.render(r, { deleted: false, updatedAt: null });
      for (const e of entries) {
        rows.push({ group: src.group, vulnId: r.id, package: e.package, scheme: e.scheme, state: e.state, fixed: e.fixed, ranges: e.ranges, versions: e.versions, channel: e.channel, severity: r.severity, link: r.link });
        const events = (e.ranges ?? []).filter((x) => x.type !== 'GIT').flatMap((x) => x.events).flatMap((ev) => Object.values(ev));
        if (events.some((v) => v !== '0' && !cmp.valid(src.installed(v)))) invalid.add(r.id);
      }
      for (const e of entries) {
        // One entry per package, one range: the range decides (a listed version only adds, by equality).
        if (entries.filter((x) => x.package === e.package).length > 1 || e.ranges?.length !== 1) continue;
        const [range] = e.ranges;
        if (range === undefined || range.type === 'GIT' || invalid.has(r.id)) continue;
        // One package per name and version (many records share a fix); expectations name the record.
        const add = (version: string): string => {
          const location = `${e.package}@${src.installed(version)}`;
          if (!installed.has(location)) packages.push({ kind: src.kind, name: e.package, version: src.installed(version), location });
          installed.add(location);
          return `${r.id} ${location}`;
        };
        const ev = range.events;
        const last = ev[1];
        if (ev.length === 2 && ev[0] !== undefined && 'introduced' in ev[0] && last !== undefined && 'last_affected' in last) {
          expectAffected.set(add(last.last_affected), null);
          continue;
        }
        // introduced/fixed pairs in ascending order, as upstream writes them: each window's own ends.
        const pairs: [string, string][] = [];
        for (let i = 0; i + 1 < ev.length; i += 2) {
          const a = ev[i];
          const b = ev[i + 1];
          if (a !== undefined && b !== undefined && 'introduced' in a && 'fixed' in b) pairs.push([a.introduced, b.fixed]);
        }
        const bounds = pairs.flat().filter((v, i) => !(i === 0 && v === '0')).map(src.installed);
        const ascending = bounds.every((v, i) => i === 0 || cmp.compare(bounds[i - 1] ?? v, v) < 0);
        if (pairs.length * 2 !== ev.length || !ascending) continue;
        for (const [introduced, fixed] of pairs) {
          if (introduced !== '0') expectAffected.set(add(introduced), fixed);
          if (!(e.versions ?? []).includes(fixed)) expectClean.add(add(fixed));
        }
      }
    }
    const byKey = new Map<string, AffectedRow[]>();
    for (const row of rows) {
      const k = packageKey(src.group, row.package);
      byKey.set(k, [...(byKey.get(k) ?? []), row]);
    }
    const result = await matchInventory(
      { file: src.dir, format: 'syft', packages },
      { available: new Set([src.group]), lookup: async (_g, names) => names.flatMap((n) => byKey.get(n) ?? []) },
    );
    // A problem may only come from a record whose events the scheme rejects (none of which is installed here).
    expect(result.problems.filter((p) => !invalid.has(p.vulnId ?? ''))).toEqual([]);
    const matched = new Map<string, string | null>();
    for (const m of result.matches) matched.set(`${m.vulnId} ${m.location}`, m.fixedVersion);
    for (const [location, fix] of expectAffected) expect(matched.has(location) ? matched.get(location) : 'not matched', location).toBe(fix);
    for (const location of expectClean) expect(matched.has(location), location).toBe(false);
    // Most records have such a range: the check covers the bulk of each database (PyPA: 2,317 ends of 2,661 records).
    expect(expectAffected.size + expectClean.size).toBeGreaterThan(recs.length / 2);
    if (src.kind === 'go') expect(invalid.size).toBe(0);
  });
});
