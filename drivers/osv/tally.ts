/**
 * What a fetch or a parse left out, counted so it is reported rather than dropped silently: OSV
 * ecosystems airfeed does not map (`Hex`, `Pub`, `CRAN`, `GIT`, …: the names table has no group,
 * comparator or purl type for them), files of a mirror that are not OSV documents, `affected[]`
 * entries without a package, withdrawn records, and CVSS vectors that cannot be scored. The totals
 * go to the log at the end of each fetch and of each group's parse: `warn` for what a person may
 * want to act on (an unmapped ecosystem, a file that is not OSV, a vector that does not parse).
 */
import type { Logger } from 'pino';
import { compareStrings } from '../_framework/strings.ts';

const EXAMPLES = 5;

/** Keeps the EXAMPLES smallest values (code-unit order), so the examples do not depend on the order work finished in. */
function keepFirst(list: string[], value: string): void {
  list.push(value);
  list.sort(compareStrings);
  if (list.length > EXAMPLES) list.pop();
}

export class Tally {
  /** Unmapped OSV ecosystem → how many documents (fetch) or `affected[]` entries (parse) name it. */
  readonly unmapped = new Map<string, number>();
  notOsv = 0;
  readonly notOsvExamples: string[] = [];
  packageless = 0;
  withdrawn = 0;
  badVectors = 0;
  readonly badVectorExamples: string[] = [];

  addUnmapped(ecosystem: string, n = 1): void {
    this.unmapped.set(ecosystem, (this.unmapped.get(ecosystem) ?? 0) + n);
  }

  addNotOsv(file: string): void {
    this.notOsv++;
    keepFirst(this.notOsvExamples, file);
  }

  addBadVector(where: string): void {
    this.badVectors++;
    keepFirst(this.badVectorExamples, where);
  }

  /** `{"CRAN": 14, "Hex": 2}`, sorted by ecosystem. */
  unmappedCounts(): Record<string, number> {
    return Object.fromEntries([...this.unmapped].sort(([a], [b]) => compareStrings(a, b)));
  }

  /** Logs what was left out (nothing when nothing was); `what` says where: `osv: fetch`, `osv: github:npm`. */
  report(log: Logger, what: string, unit: 'documents' | 'affected entries'): void {
    if (this.unmapped.size > 0) {
      log.warn(
        { skipped: this.unmappedCounts(), unit },
        `${what}: skipped ${unit} of OSV ecosystems airfeed does not map (no group, version comparator or purl type for them in drivers/_framework/names.ts)`,
      );
    }
    if (this.notOsv > 0) log.warn({ files: this.notOsv, examples: this.notOsvExamples }, `${what}: skipped files that are not OSV documents (no string "id" and "modified")`);
    if (this.badVectors > 0) {
      log.warn({ vectors: this.badVectors, examples: this.badVectorExamples }, `${what}: CVSS vectors that do not parse are kept as given, without scores`);
    }
    if (this.packageless > 0) log.info({ entries: this.packageless }, `${what}: skipped affected[] entries without a package`);
    if (this.withdrawn > 0) log.info({ records: this.withdrawn }, `${what}: withdrawn records (tombstones)`);
  }
}
