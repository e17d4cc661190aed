/**
 * CPE names as NVD and SBOM tools write them, unbound into attributes and compared the way NIST IR
 * 7696 (CPE Name Matching) compares a source (NVD's criterion) with a target (an SBOM component's
 * CPE), with one documented leniency.
 *
 * - Formatted strings (CPE 2.3, NIST IR 7695 §6.2): `cpe:2.3:a:haxx:curl:8.9.1:*:*:*:*:*:*:*`;
 *   a backslash quotes the next character (`cpe:2.3:a:libssl3:libssl3:3.0.11-1\~deb12u2:…`,
 *   `beyondtrust:privilege_management_for_unix\/linux`), an unquoted `*` alone is ANY, `-` alone is
 *   NA, and an unquoted `*` or `?` inside a value is a wildcard (criteria only).
 * - URIs (CPE 2.2, §6.1): `cpe:/o:rocky:rocky:9::baseos`, percent-encoded, with the 2.3 extended
 *   attributes packed into the edition (`~edition~sw_edition~target_sw~target_hw~other`); missing
 *   trailing attributes are ANY.
 *
 * Values are compared case-insensitively (the specification's normal form is lower case).
 * Matching one attribute (`attributeMatches`): a source ANY matches anything; a target ANY (the SBOM
 * did not say, as syft leaves update, edition, target_sw …) matches any source value — the
 * leniency; NA matches only NA; otherwise the values must be equal (or the source's wildcards match).
 */

/** The eleven attributes of a CPE 2.3 name, in binding order. */
export const CPE_ATTRIBUTES = ['part', 'vendor', 'product', 'version', 'update', 'edition', 'language', 'swEdition', 'targetSw', 'targetHw', 'other'] as const;
export type CpeAttributeName = (typeof CPE_ATTRIBUTES)[number];

/** One attribute value: ANY, NA, or a (lower-cased, unquoted) value, with a pattern when it holds wildcards. */
export type CpeValue = { kind: 'any' } | { kind: 'na' } | { kind: 'value'; text: string; pattern?: RegExp };

export type Cpe = Readonly<Record<CpeAttributeName, CpeValue>>;

const ANY: CpeValue = { kind: 'any' };
const NA: CpeValue = { kind: 'na' };

/** A string that is not a CPE name; the message says what is wrong. */
export class CpeError extends Error {
  constructor(readonly cpe: string, reason: string) {
    super(`${JSON.stringify(cpe)} is not a CPE name: ${reason}`);
    this.name = 'CpeError';
  }
}

/** Splits a 2.3 formatted string at unquoted colons. */
function splitFormatted(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === ':') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** One formatted-string attribute value: quoting removed, wildcards kept as a pattern. */
function formattedValue(raw: string, cpe: string): CpeValue {
  if (raw === '*' || raw === '') return ANY;
  if (raw === '-') return NA;
  let text = '';
  let re = '';
  let wild = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? '';
    if (c === '\\') {
      const next = raw[i + 1];
      if (next === undefined) throw new CpeError(cpe, `value ${JSON.stringify(raw)} ends with a lone backslash`);
      text += next;
      re += escapeRegExp(next.toLowerCase());
      i++;
    } else if (c === '*' || c === '?') {
      wild = true;
      text += c;
      re += c === '*' ? '.*' : '.';
    } else {
      text += c;
      re += escapeRegExp(c.toLowerCase());
    }
  }
  const lower = text.toLowerCase();
  return wild ? { kind: 'value', text: lower, pattern: new RegExp(`^${re}$`) } : { kind: 'value', text: lower };
}

/** One URI attribute value: percent-decoded; empty is ANY, `-` is NA. */
function uriValue(raw: string, cpe: string): CpeValue {
  if (raw === '' || raw === '*') return ANY;
  if (raw === '-') return NA;
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch (err) {
    throw new CpeError(cpe, `bad percent-encoding in ${JSON.stringify(raw)} (${(err as Error).message})`);
  }
  return { kind: 'value', text: text.toLowerCase() };
}

function build(values: CpeValue[]): Cpe {
  const out = {} as Record<CpeAttributeName, CpeValue>;
  CPE_ATTRIBUTES.forEach((name, i) => (out[name] = values[i] ?? ANY));
  return out;
}

/** Parses a CPE 2.3 formatted string or a CPE 2.2 URI; throws CpeError. */
export function parseCpe(cpe: string): Cpe {
  const s = cpe.trim();
  if (/^cpe:2\.3:/i.test(s)) {
    const parts = splitFormatted(s.slice('cpe:2.3:'.length));
    if (parts.length !== 11) throw new CpeError(cpe, `a CPE 2.3 name has 11 attributes after "cpe:2.3:", this one ${parts.length}`);
    const values = parts.map((p) => formattedValue(p, cpe));
    const part = values[0];
    if (part?.kind !== 'value' || !['a', 'o', 'h'].includes(part.text)) throw new CpeError(cpe, 'the part must be a, o or h');
    return build(values);
  }
  if (/^cpe:\//i.test(s)) {
    const parts = s.slice('cpe:/'.length).split(':');
    if (parts.length > 7) throw new CpeError(cpe, `a CPE 2.2 URI has at most 7 components, this one ${parts.length}`);
    const [part = '', vendor = '', product = '', version = '', update = '', edition = '', language = ''] = parts;
    if (!['a', 'o', 'h'].includes(part.toLowerCase())) throw new CpeError(cpe, 'the part must be a, o or h');
    // A packed edition carries the 2.3 extended attributes: ~edition~sw_edition~target_sw~target_hw~other.
    let ext: string[] = [edition, '', '', '', ''];
    if (edition.startsWith('~')) ext = edition.slice(1).split('~').concat(['', '', '', '', '']).slice(0, 5);
    const [ed = '', swEdition = '', targetSw = '', targetHw = '', other = ''] = ext;
    return build([part, vendor, product, version, update, ed, language, swEdition, targetSw, targetHw, other].map((v) => uriValue(v, cpe)));
  }
  throw new CpeError(cpe, 'it starts with neither "cpe:2.3:" nor "cpe:/"');
}

/** The value as text (`*` for ANY, `-` for NA). */
export function valueText(v: CpeValue): string {
  return v.kind === 'any' ? '*' : v.kind === 'na' ? '-' : v.text;
}

/** True when a criterion's attribute (`source`) matches a component's (`target`); see the module comment. */
export function attributeMatches(source: CpeValue, target: CpeValue): boolean {
  if (source.kind === 'any' || target.kind === 'any') return true;
  if (source.kind === 'na' || target.kind === 'na') return source.kind === target.kind;
  return source.pattern ? source.pattern.test(target.text) : source.text === target.text;
}

/** The lookup key of a name: `vendor:product` (unquoted, lower-cased). */
export function vendorProductKey(c: Cpe): string | undefined {
  if (c.vendor.kind !== 'value' || c.product.kind !== 'value' || c.vendor.pattern || c.product.pattern) return undefined;
  return `${c.vendor.text}:${c.product.text}`;
}
