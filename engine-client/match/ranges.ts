/**
 * OSV range evaluation (https://ossf.github.io/osv-schema/#affectedranges-field): a version is
 * affected when, walking the events in version order, the last `introduced` at or below it is not
 * followed by a `fixed` at or below it, nor by a `last_affected` below it, and it is below every
 * `limit`. `introduced: "0"` means "from the first version". GIT ranges name commits, not versions,
 * and cannot be evaluated against an installed version: they are skipped.
 */
import type { Range } from '../../drivers/_framework/record.ts';
import type { Comparator } from '../../drivers/_framework/versions/index.ts';

interface Event {
  kind: 'introduced' | 'fixed' | 'last_affected' | 'limit';
  /** Parsed version; null for `introduced: "0"`, which sorts below everything. */
  at: unknown;
  text: string;
}

function eventsOf(range: Range, cmp: Comparator): Event[] {
  const out: Event[] = [];
  for (const e of range.events) {
    if ('introduced' in e) out.push({ kind: 'introduced', at: e.introduced === '0' ? null : cmp.parse(e.introduced), text: e.introduced });
    else if ('fixed' in e) out.push({ kind: 'fixed', at: cmp.parse(e.fixed), text: e.fixed });
    else if ('last_affected' in e) out.push({ kind: 'last_affected', at: cmp.parse(e.last_affected), text: e.last_affected });
    else out.push({ kind: 'limit', at: e.limit === '*' ? null : cmp.parse(e.limit), text: e.limit });
  }
  return out;
}

/** A range's events parsed for one comparator: the limits, and the other events in version order. */
interface Prepared {
  cmp: Comparator;
  limits: Event[];
  ordered: Event[];
}

/**
 * Parsed and ordered events per range object: a scan decides every installed copy of a package
 * against the same rows, so each range is parsed and sorted once, not once per package.
 */
const prepared = new WeakMap<Range, Prepared>();

function prepare(range: Range, cmp: Comparator): Prepared {
  const held = prepared.get(range);
  if (held !== undefined && held.cmp === cmp) return held;
  const events = eventsOf(range, cmp);
  const ordered = events
    .filter((e) => e.kind !== 'limit')
    .sort((a, b) => (a.at === null ? (b.at === null ? 0 : -1) : b.at === null ? 1 : cmp.compareParsed(a.at, b.at)));
  const p = { cmp, limits: events.filter((e) => e.kind === 'limit'), ordered };
  prepared.set(range, p);
  return p;
}

export interface RangeVerdict {
  affected: boolean;
  /** The fix that closes the range the version sits in, when there is one. */
  fixed: string | null;
}

/**
 * Whether `version` (already parsed with `cmp`) lies in any of `ranges`. Throws InvalidVersionError
 * when an event version is not valid in the scheme: a range we cannot read must not read as "safe".
 */
export function inRanges(version: unknown, ranges: readonly Range[], cmp: Comparator): RangeVerdict {
  for (const range of ranges) {
    if (range.type === 'GIT') continue;
    const { limits, ordered } = prepare(range, cmp);
    const at = (e: Event): number => (e.at === null ? -1 : cmp.compareParsed(e.at, version));
    if (limits.some((e) => e.at !== null && at(e) <= 0)) continue;
    let affected = false;
    let fixed: string | null = null;
    for (const e of ordered) {
      const c = at(e);
      if (e.kind === 'introduced' && c <= 0) affected = true;
      else if (e.kind === 'fixed' && c <= 0) affected = false;
      else if (e.kind === 'last_affected' && c < 0) affected = false;
      else if (e.kind === 'fixed' && c > 0 && affected && fixed === null) fixed = e.text;
    }
    if (affected) return { affected, fixed };
  }
  return { affected: false, fixed: null };
}
