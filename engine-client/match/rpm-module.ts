/**
 * Red Hat module streams in matching (record `fixedIn[].moduleStream`, engine row `module`). A
 * package built in a module stream (`nodejs:18`, from its `MODULARITYLABEL`) is matched only against
 * entries of that stream; a package the input says is in no module only against entries outside
 * modules; a package whose input cannot say (a plain NEVRA list, an SBOM without the label) against
 * every entry, as grype does (its rpmmodularity qualifier): missing a stream's fix would be worse
 * than one more finding to review.
 */

/** Whether an entry limited to `rowModule` (null: no module) applies to a package of `pkgModule` (see the module doc). */
export function moduleApplies(pkgModule: string | undefined, rowModule: string | null | undefined): boolean {
  if (pkgModule === undefined) return true;
  return pkgModule === (rowModule ?? '');
}
