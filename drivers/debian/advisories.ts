/**
 * The security tracker's advisory lists, `data/DSA/list` (Debian Security Advisories, stable) and
 * `data/DLA/list` (Debian LTS Advisories): which advisory fixed which issues in which source package
 * of which release, at which version. One block per advisory, newest first:
 *
 * ```
 * [29 Mar 2023] DSA-5380-1 xorg-server - security update
 * 	{CVE-2023-1393}
 * 	[bullseye] - xorg-server 2:1.20.11-1+deb11u6
 * [17 Mar 2023] DSA-5356-2 sox - regression update
 * 	[bullseye] - sox 14.4.2+git20190427-2+deb11u2
 * ```
 *
 * Rules:
 * - a block starts at a line beginning `[DD Mon YYYY] <ID>` (DSA-5380-1, DSA-141, DLA-3380-1);
 *   lines before the first block and lines of other shapes are ignored (`NOTE: fixed in testing at
 *   time of DSA`);
 * - `{CVE-… CVE-…}` names the issues fixed; `[codename] - source version` (also after `NOTE:`, as in
 *   `NOTE: [woody] - zebra 0.92a-5woody2`; any text after the version, `(medium)`, is a comment)
 *   says the release and source it fixed; `[codename] - source <not-affected> (…)` and
 *   `<end-of-life>` fix nothing and are skipped;
 * - a block without an issue list (a regression update: DSA-5356-2 above) fixed the issues of the
 *   other blocks of the same advisory number (DSA-5356-1), as vunnel's Debian provider also reads it;
 * - the advisory becomes an advisory of the record's `fixed` package entry for that release, source
 *   and issue, linked to the tracker's page (`https://security-tracker.debian.org/tracker/DSA-5380-1`).
 *
 * The index holds one entry per (release, source, issue, advisory): ~40,000 for the full lists, a
 * few MB, whatever the size of the tracker JSON.
 */
import { fileLines } from '../_framework/line-sort.ts';
import { compareStrings } from '../_framework/strings.ts';

interface Block {
  id: string;
  base: string;
  issues: string[];
  fixes: { codename: string; source: string }[];
}

const HEADER = /^\[\d{1,2} [A-Za-z]{3} \d{4}\]\s+(D[A-Z]*SA-\d+(?:-\d+)?|DLA-\d+(?:-\d+)?)\b/;
const ISSUES = /^\s+\{([^}]*)\}/;
const FIX = /^\s+(?:NOTE:\s+)?\[([a-z][a-z0-9-]*)\]\s+-\s+(\S+)\s+(\S+)/;

/** Advisories by (codename, source, issue). */
export class AdvisoryIndex {
  readonly #map = new Map<string, string[]>();
  /** Advisory blocks read, per list. */
  readonly counts: Record<string, number> = {};

  static key(codename: string, source: string, issue: string): string {
    return `${codename}\u0000${source}\u0000${issue}`;
  }

  /** The advisories that fixed `issue` in `source` of `codename`, sorted; empty when none. */
  get(codename: string, source: string, issue: string): readonly string[] {
    return this.#map.get(AdvisoryIndex.key(codename, source, issue)) ?? [];
  }

  get size(): number {
    return this.#map.size;
  }

  /** Reads one list file into the index. */
  async addList(file: string, name: string): Promise<void> {
    const blocks: Block[] = [];
    let current: Block | undefined;
    for await (const raw of fileLines(file)) {
      const line = raw.replace(/\r$/, '');
      const h = HEADER.exec(line);
      if (h?.[1]) {
        current = { id: h[1], base: h[1].replace(/^(D[A-Z]*-\d+)-\d+$/, '$1'), issues: [], fixes: [] };
        blocks.push(current);
        continue;
      }
      if (!current) continue;
      const i = ISSUES.exec(line);
      if (i?.[1] !== undefined && current.issues.length === 0) {
        current.issues = i[1].split(/\s+/).filter((s) => s !== '');
        continue;
      }
      const f = FIX.exec(line);
      if (f?.[1] && f[2] && f[3] && !f[3].startsWith('<')) current.fixes.push({ codename: f[1], source: f[2] });
    }
    this.counts[name] = blocks.length;
    // Issues of an advisory number, for its blocks that list none.
    const byBase = new Map<string, Set<string>>();
    for (const b of blocks) {
      if (b.issues.length === 0) continue;
      let set = byBase.get(b.base);
      if (!set) byBase.set(b.base, (set = new Set()));
      for (const issue of b.issues) set.add(issue);
    }
    for (const b of blocks) {
      const issues = b.issues.length > 0 ? b.issues : [...(byBase.get(b.base) ?? [])];
      for (const fix of b.fixes) for (const issue of issues) this.#add(fix.codename, fix.source, issue, b.id);
    }
  }

  #add(codename: string, source: string, issue: string, id: string): void {
    const key = AdvisoryIndex.key(codename, source, issue);
    const list = this.#map.get(key);
    if (!list) this.#map.set(key, [id]);
    else if (!list.includes(id)) {
      list.push(id);
      list.sort(compareStrings);
    }
  }
}
