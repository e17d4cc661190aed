/**
 * The per-package part of a record (`fixedIn[]`): which package of the record's group is concerned,
 * in what state, and from which version on it is fixed. One entry per package (and, for sources that
 * split one package by product, module stream or channel, per package and product/stream/channel).
 *
 * `state` says what the source says about the package; the matcher and every output read it:
 *
 * | state                 | meaning                                           | upstream spellings (examples)                                        |
 * |-----------------------|---------------------------------------------------|----------------------------------------------------------------------|
 * | `fixed`               | fixed from `version` on (or as `ranges` say)      | secdb `"1.2.4-r3"`, Debian `resolved`, Ubuntu `released`, VEX `fixed` |
 * | `affected`            | affected, no fix published yet                    | Debian `open`, Ubuntu `needed`, VEX `known_affected` + `none_available`, Anchore `"None"` |
 * | `will_not_fix`        | affected, and the vendor says it will not fix it  | Debian `<no-dsa>` ignored, Ubuntu `ignored`, VEX `no_fix_planned`, Anchore `NoAdvisory: true` |
 * | `deferred`            | affected, fix postponed                           | Ubuntu `deferred`, Red Hat "Deferred" / VEX `fix_deferred`           |
 * | `not_affected`        | this package here never had the flaw: never a match | secdb fixed version `"0"`, Debian `not-affected`, Ubuntu `not-affected`, VEX `known_not_affected` |
 * | `under_investigation` | the vendor has not decided yet                     | Ubuntu `needs-triage`, VEX `under_investigation`                     |
 *
 * Rules checked here (so every record has one spelling): a `fixed` entry has a `version` or OSV
 * `ranges`; any other state has no `version`; the Anchore spellings `"None"` and `"0"` are states,
 * never versions. Optional lists and objects are absent when empty, never `[]` or `{}`.
 */
import { z } from 'zod';
import { SCHEME_NAMES } from './versions/index.ts';

const nonEmpty = z.string().min(1);

/** A JSON object carried as is (OSV `ecosystem_specific` / `database_specific`); never empty. */
export const JsonObject = z.record(z.string(), z.unknown()).refine((o) => Object.keys(o).length > 0, 'an empty object is written by leaving the field out');

/** Version schemes: exactly the engine's comparators (drivers/_framework/versions), so no table maps between them. */
export const VERSION_SCHEMES = SCHEME_NAMES;
export const VersionScheme = z.enum(SCHEME_NAMES);
export type VersionScheme = z.infer<typeof VersionScheme>;

/** The states of one package (see the module comment), sorted. */
export const FIX_STATES = ['affected', 'deferred', 'fixed', 'not_affected', 'under_investigation', 'will_not_fix'] as const;
export const FixState = z.enum(FIX_STATES);
export type FixState = z.infer<typeof FixState>;

export const Advisory = z.strictObject({ id: nonEmpty, link: z.string().nullable() });

/** `{"NoAdvisory": true}` in Anchore terms is `{noAdvisory: true, advisories: []}` here. */
export const VendorAdvisory = z.strictObject({
  noAdvisory: z.boolean(),
  advisories: z.array(Advisory),
});

/** One OSV range event; exactly one key is set (https://ossf.github.io/osv-schema/#affectedrangesevents-fields). */
export const RangeEvent = z.union([
  z.strictObject({ introduced: nonEmpty }),
  z.strictObject({ fixed: nonEmpty }),
  z.strictObject({ last_affected: nonEmpty }),
  z.strictObject({ limit: nonEmpty }),
]);
export type RangeEvent = z.infer<typeof RangeEvent>;

/** An OSV range, with OSV's own rules: an `introduced` event, never `fixed` and `last_affected` together, a `repo` for GIT. */
export const Range = z
  .strictObject({
    type: z.enum(['ECOSYSTEM', 'SEMVER', 'GIT']),
    /** The repository of a GIT range's commits. */
    repo: nonEmpty.optional(),
    events: z.array(RangeEvent).min(1),
    databaseSpecific: JsonObject.optional(),
  })
  .superRefine((r, ctx) => {
    if (!r.events.some((e) => 'introduced' in e)) ctx.addIssue({ code: 'custom', path: ['events'], message: 'a range needs an "introduced" event' });
    if (r.events.some((e) => 'fixed' in e) && r.events.some((e) => 'last_affected' in e)) {
      ctx.addIssue({ code: 'custom', path: ['events'], message: '"fixed" and "last_affected" events exclude each other in one range' });
    }
    if (r.type === 'GIT' && r.repo === undefined) ctx.addIssue({ code: 'custom', path: ['repo'], message: 'a GIT range names its repo' });
  });
export type Range = z.infer<typeof Range>;

/**
 * The product an entry belongs to, when the source splits a release by product: Red Hat's product id
 * and CPE (`AppStream-9.2.0.Z.EUS`, `cpe:/a:redhat:rhel_eus:9.2::appstream`), or a CPE alone.
 */
export const Product = z
  .strictObject({ id: nonEmpty.optional(), name: nonEmpty.optional(), cpe: nonEmpty.optional() })
  .refine((p) => p.id !== undefined || p.cpe !== undefined, 'a product has an id or a cpe');
export type Product = z.infer<typeof Product>;

export const FixedIn = z
  .strictObject({
    /** Package name as the group names it (a distro's source package, an ecosystem's package). */
    package: nonEmpty,
    versionScheme: VersionScheme,
    state: FixState,
    /** First fixed version: only with `state: "fixed"`; optional when `ranges` carry the fix. */
    version: nonEmpty.optional(),
    /** OSV affected ranges (language ecosystems, OSV-fed distros), in upstream order. */
    ranges: z.array(Range).min(1).optional(),
    /** OSV's explicit list of affected versions, kept as given. */
    versions: z.array(nonEmpty).min(1).optional(),
    /** The OSV ecosystem string as the source wrote it, when it says more than the group (`Maven:https://maven.google.com`). */
    ecosystem: nonEmpty.optional(),
    /** OSV `package.purl`, as given. */
    purl: nonEmpty.optional(),
    vendorAdvisory: VendorAdvisory.optional(),
    /** A Red Hat module stream (`nodejs:18`): the entry concerns the package built in that stream only. */
    moduleStream: z.string().regex(/^[^:\s]+:[^:\s]+$/, 'a module stream is name:stream, e.g. nodejs:18').optional(),
    product: Product.optional(),
    /**
     * The channel the fix is published in when it is not the release's public archive: Ubuntu Pro
     * (`esm-infra`, `esm-apps`, `fips-updates`), Red Hat EUS/AUS. A fix only in such a channel is no
     * fix for a machine without that subscription.
     */
    channel: nonEmpty.optional(),
    ecosystemSpecific: JsonObject.optional(),
    databaseSpecific: JsonObject.optional(),
  })
  .superRefine((f, ctx) => {
    if (f.version === 'None') ctx.addIssue({ code: 'custom', path: ['version'], message: 'version "None" is Anchore\'s spelling of state "affected": leave version out' });
    else if (f.version === '0') ctx.addIssue({ code: 'custom', path: ['version'], message: 'a fix in version "0" means never affected: use state "not_affected"' });
    if (f.state === 'fixed' && f.version === undefined && f.ranges === undefined) {
      ctx.addIssue({ code: 'custom', path: ['version'], message: 'a "fixed" entry needs a version or ranges' });
    }
    if (f.state !== 'fixed' && f.version !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['version'], message: `a "${f.state}" entry has no fixed version` });
    }
  });
export type FixedIn = z.infer<typeof FixedIn>;
