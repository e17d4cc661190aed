/**
 * Groups that vanish and groups that appear (issue #9). After every successful fetch, sync compares
 * the groups the driver lists in its workspace with the groups the database holds for the driver:
 *
 * - a group listed for the first time is created: it appeared;
 * - a group no longer listed (its input vanished upstream, e.g. Alpine's `v3.14/` directory gone
 *   from the mirror) keeps its data and stays served, but is marked stale from now on
 *   (`groups.vanished_at`), so no one takes frozen data for current data;
 * - a stale group listed again is no longer stale: it appeared again (`returned`).
 *
 * Nothing here deletes a record: a missing input is not a statement that the vulnerabilities are gone.
 */
import { compareStrings } from '../../drivers/_framework/strings.ts';
import type { GroupInfo } from '../../drivers/_framework/types.ts';
import type { Sql } from './db.ts';
import { registerGroups } from './groups.ts';

export interface AppearedGroup {
  group: string;
  /** True when the group had vanished before and is back. */
  returned: boolean;
}

export interface VanishedGroup {
  group: string;
  /** When the driver first stopped listing it (ISO UTC). */
  since: string;
  /** True when it vanished in this run; false when it was already gone. */
  newly: boolean;
}

export interface PresenceChanges {
  appeared: AppearedGroup[];
  vanished: VanishedGroup[];
}

/**
 * Registers `present` groups of `driver` in `feed` and marks the driver's other groups vanished and
 * listed ones present again, in one transaction; returns what changed, sorted by group name.
 */
export async function reconcileGroups(sql: Sql, driver: string, feed: string, present: readonly GroupInfo[]): Promise<PresenceChanges> {
  return sql.begin(async (tx) => {
    const before = await tx<{ name: string; vanishedAt: Date | null }[]>`
      select name, vanished_at as "vanishedAt" from groups where driver = ${driver} order by name for update`;
    const known = new Map(before.map((g) => [g.name, g.vanishedAt]));
    const listed = new Set(present.map((g) => g.name));
    await registerGroups(tx, driver, feed, present);

    const appeared: AppearedGroup[] = [];
    for (const g of present) {
      if (!known.has(g.name)) appeared.push({ group: g.name, returned: false });
      else if (known.get(g.name) !== null) appeared.push({ group: g.name, returned: true });
    }
    const back = appeared.filter((a) => a.returned).map((a) => a.group);
    if (back.length > 0) await tx`update groups set vanished_at = null where driver = ${driver} and name in ${tx(back)}`;

    const gone = before.filter((g) => !listed.has(g.name)).map((g) => g.name);
    const vanished: VanishedGroup[] = [];
    if (gone.length > 0) {
      const rows = await tx<{ name: string; since: string; newly: boolean }[]>`
        with marked as (
          update groups g set vanished_at = coalesce(g.vanished_at, now())
          from (select name, vanished_at is null as newly from groups where driver = ${driver} and name in ${tx(gone)}) old
          where g.name = old.name
          returning g.name, g.vanished_at, old.newly
        )
        select name, to_char(vanished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as since, newly from marked order by name`;
      vanished.push(...rows.map((r) => ({ group: r.name, since: r.since, newly: r.newly })));
    }
    appeared.sort((a, b) => compareStrings(a.group, b.group));
    return { appeared, vanished };
  });
}
