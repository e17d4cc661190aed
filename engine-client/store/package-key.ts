/**
 * The name a package is looked up by in a group. Most ecosystems compare names exactly; PyPI names
 * are compared normalized (PEP 503: case-folded, runs of `-`, `_`, `.` as one `-`,
 * https://peps.python.org/pep-0503/#normalized-names) and NuGet ids case-insensitively. The store
 * keeps this key next to the name as the record spells it, and the matcher asks by the same key.
 */

/** The lookup key of package `name` in `group`. */
export function packageKey(group: string, name: string): string {
  if (group === 'github:python') return name.toLowerCase().replace(/[-_.]+/g, '-');
  if (group === 'github:nuget') return name.toLowerCase();
  return name;
}
