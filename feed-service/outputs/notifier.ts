/**
 * "The data changed": the one hook between what changes the store (a sync run, a bundle import)
 * and what is built from it (the grype database, the osv-scanner databases). Producers
 * call it after their change is committed; consumers decide for themselves whether anything they
 * build is affected (each compares what it read last time), so a spurious call costs one query.
 */

export interface DataChange {
  /** What changed the store. */
  source: 'sync' | 'import';
  /** The groups it touched. */
  groups: string[];
}

export type OutputsNotifier = (change: DataChange) => void;

/** Fans one change out to every listener; a throwing listener does not stop the others. */
export function fanOut(listeners: readonly OutputsNotifier[]): OutputsNotifier {
  return (change) => {
    for (const l of listeners) {
      try {
        l(change);
      } catch {
        // A consumer's failure is its own to report; the change itself is committed.
      }
    }
  };
}
