/**
 * The last steps of matching one package: one match per vulnerability from the rows that matched
 * (a record can name a package twice: two ranges, a public and an Ubuntu Pro entry), and the vendor
 * advisories of the matches. Rules in match.ts's module doc and channels.ts.
 */
import { getComparator } from '../../drivers/_framework/versions/index.ts';
import { channelAvailable, type ProAssumption } from './channels.ts';
import type { AdvisoryLookup, Match } from './types.ts';

/** One row's match, with the channel its fix is published in. */
export interface Outcome {
  match: Match;
  channel: string | null;
  scheme: string;
}

/** Whether fix `a` is above fix `b` in `scheme` (an unorderable pair keeps `b`). */
function above(scheme: string, a: string, b: string): boolean {
  try {
    return getComparator(scheme).compare(a, b) > 0;
  } catch {
    return false;
  }
}

/** The highest fix among outcomes, or undefined. */
function highestFix(outcomes: readonly Outcome[]): Outcome | undefined {
  let best: Outcome | undefined;
  for (const o of outcomes) {
    if (o.match.fixedVersion === null) continue;
    if (!best || above(o.scheme, o.match.fixedVersion, best.match.fixedVersion ?? '')) best = o;
  }
  return best;
}

/**
 * One match from the rows of one vulnerability that matched one package: the available rows decide
 * (public ones, and channel ones when the channel is assumed), their highest fix is the fix to
 * install; a higher fix only in an unassumed channel is `unavailableFix`. When only unassumed
 * channel rows matched, the package is still affected and has no fix it can install.
 */
export function combine(outcomes: readonly Outcome[], pro: ProAssumption): Match {
  const available = outcomes.filter((o) => channelAvailable(o.channel, pro));
  const closed = outcomes.filter((o) => !channelAvailable(o.channel, pro));
  const chosen = highestFix(available) ?? available[0];
  const out: Match = chosen ? { ...chosen.match } : { ...(outcomes[0] as Outcome).match, fixedVersion: null };
  const closedFix = highestFix(closed);
  if (closedFix?.match.fixedVersion && (out.fixedVersion === null || above(closedFix.scheme, closedFix.match.fixedVersion, out.fixedVersion))) {
    out.unavailableFix = { version: closedFix.match.fixedVersion, channel: closedFix.channel ?? '' };
  }
  return out;
}

/** Puts the vendor advisories the store has on each match. */
export async function attachAdvisories(matches: Match[], lookup: AdvisoryLookup): Promise<void> {
  const found = await lookup(matches.map((m) => ({ group: m.group, vulnId: m.vulnId, package: m.matchedName })));
  for (const m of matches) {
    const list = found.get(`${m.group}\u0000${m.vulnId}\u0000${m.matchedName}`);
    if (list && list.length > 0) m.advisories = list;
  }
}
