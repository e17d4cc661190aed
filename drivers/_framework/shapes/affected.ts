/**
 * The engine's matching data: one affected row per `fixedIn` entry, as engine-client/store keeps
 * it for lookup by (group, package). The engine reads records from producers it does not control
 * (a newer service, a bundle), so its input is checked loosely: only the fields a row is made of must
 * be there and well-formed; anything else may be added by a newer schema without breaking the sync.
 *
 * - `fixed` is the first fixed version of a `fixed` entry (null otherwise, and when only ranges say it);
 * - `ranges` (OSV) and `versions` (OSV's explicit list) are carried for the matcher to evaluate;
 * - `state` is kept: `not_affected` rows never match, the other non-fixed states match every version
 *   their ranges and versions allow (all of them when there are none);
 * - `channel` names a fix published only in a subscription channel (Ubuntu Pro, EUS);
 * - `module` is the Red Hat module stream (`nodejs:18`) an entry is limited to: the matcher matches
 *   it only to packages built in that stream.
 */
import { z } from 'zod';
import { FixState, Range } from '../record.ts';

/** One fixed-in entry of a record, as the matcher needs it. */
export interface AffectedEntry {
  package: string;
  scheme: string;
  state: FixState;
  /** The first fixed version of a `fixed` entry; null otherwise. */
  fixed: string | null;
  ranges: Range[] | null;
  versions: string[] | null;
  channel: string | null;
  /** The module stream (`nodejs:18`) the entry is limited to; null for packages outside modules. */
  module: string | null;
}

const text = z.string().min(1);

/** The part of a version 2 record the rows are made of (loose: other fields may be anything). */
export const AffectedInput = z.looseObject({
  fixedIn: z.array(
    z.looseObject({
      package: text,
      versionScheme: text,
      state: FixState,
      version: text.optional(),
      ranges: z.array(Range).optional(),
      versions: z.array(text).optional(),
      channel: text.optional(),
      moduleStream: text.optional(),
    }),
  ),
});
export type AffectedInput = z.infer<typeof AffectedInput>;

/** The affected rows of a record, in `fixedIn` order. */
export function affectedRows(r: AffectedInput): AffectedEntry[] {
  return r.fixedIn.map((f) => ({
    package: f.package,
    scheme: f.versionScheme,
    state: f.state,
    fixed: f.state === 'fixed' ? (f.version ?? null) : null,
    ranges: f.ranges && f.ranges.length > 0 ? f.ranges : null,
    versions: f.versions && f.versions.length > 0 ? f.versions : null,
    channel: f.channel ?? null,
    module: f.moduleStream ?? null,
  }));
}
