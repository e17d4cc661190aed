/**
 * The CPE targets of a record: the distinct (part, vendor, product) of every criterion its NVD
 * configurations mark `vulnerable: true` (NVD API 2.0 `configurations[].nodes[].cpeMatch[]`, e.g.
 * CVE-2024-9681's `cpe:2.3:a:haxx:curl:*:*:*:*:*:*:*:*` from 7.74.0 up to 8.11.0). Only such a
 * criterion can make a component a match (a `vulnerable: false` one names a platform), so the store
 * indexes these (store table `cpe_targets`) and `scan --match cpe` looks candidates up by the
 * components' vendor:product. A criterion whose vendor or product is a wildcard, or that does not
 * parse, cannot be looked up and is left out (NVD writes neither).
 */

/** One indexed target. */
export interface CpeTarget {
  part: string;
  vendor: string;
  product: string;
}

/**
 * Part, vendor and product of a CPE 2.3 formatted string, unquoted and lower-cased; undefined when it
 * is not one or names no concrete vendor and product. This runs for every criterion of every NVD
 * record a sync writes, so the common case (nothing quoted) only looks for the first five colons.
 */
function leadingAttributes(criteria: string): [string, string, string] | undefined {
  if (!criteria.startsWith('cpe:2.3:')) return undefined;
  const c1 = criteria.indexOf(':', 8);
  const c2 = c1 < 0 ? -1 : criteria.indexOf(':', c1 + 1);
  const c3 = c2 < 0 ? -1 : criteria.indexOf(':', c2 + 1);
  if (c3 < 0) return undefined;
  const head = criteria.slice(8, c3);
  if (!head.includes('\\')) {
    // An unquoted wildcard in vendor or product cannot be looked up.
    if (head.includes('*') || head.includes('?')) return undefined;
    return [criteria.slice(8, c1).toLowerCase(), criteria.slice(c1 + 1, c2).toLowerCase(), criteria.slice(c2 + 1, c3).toLowerCase()];
  }
  const out: string[] = [];
  let cur = '';
  for (let i = 8; i < criteria.length && out.length < 3; i++) {
    const c = criteria.charCodeAt(i);
    if (c === 0x5c /* backslash: quotes the next character */ && i + 1 < criteria.length) {
      cur += criteria[i + 1];
      i++;
    } else if (c === 0x3a /* : */) {
      out.push(cur);
      cur = '';
    } else {
      if (c === 0x2a || c === 0x3f) return undefined;
      cur += criteria[i];
    }
  }
  const [part, vendor, product] = out.map((v) => v.toLowerCase());
  return part !== undefined && vendor !== undefined && product !== undefined ? [part, vendor, product] : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The targets of a record, sorted and distinct; [] when it has no configurations. Read without a
 * schema (this runs for every NVD record of a sync): anything not shaped as NVD writes it is passed
 * over, and the record itself was validated by its producer.
 */
export function cpeTargets(record: unknown): CpeTarget[] {
  const confs = isObject(record) ? record['configurations'] : undefined;
  if (!Array.isArray(confs)) return [];
  const seen = new Map<string, CpeTarget>();
  for (const conf of confs) {
    const nodes = isObject(conf) ? conf['nodes'] : undefined;
    if (!Array.isArray(nodes)) continue;
    for (const node of nodes) {
      const matches = isObject(node) ? node['cpeMatch'] : undefined;
      if (!Array.isArray(matches)) continue;
      for (const m of matches) {
        if (!isObject(m) || m['vulnerable'] !== true || typeof m['criteria'] !== 'string') continue;
        const attrs = leadingAttributes(m['criteria']);
        if (attrs === undefined) continue;
        const [part, vendor, product] = attrs;
        // ANY (`*`, empty) or NA (`-`) in vendor or product names nothing to look up.
        if (!['a', 'o', 'h'].includes(part) || vendor === '' || product === '' || vendor === '-' || product === '-') continue;
        seen.set(`${part}\0${vendor}\0${product}`, { part, vendor, product });
      }
    }
  }
  if (seen.size === 0) return [];
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t);
}
