/** String helpers shared by drivers. */

/** Code-unit string order: locale-independent, so output does not depend on the machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
