/**
 * CPE 2.3 formatted strings (NISTIR 7695 §6.2), read and written as grype reads them through syft's
 * `cpe.NewAttributes` (nvdtools' `wfn.Parse` then syft's `normalizeCpeField`):
 *
 * - `cpe:2.3:a:nodejs:node.js:*:*:*:*:*:*:*:*` has eleven attributes after `cpe:2.3:` (part, vendor,
 *   product, version, update, edition, language, sw_edition, target_sw, target_hw, other), split on
 *   colons that are not quoted with a backslash;
 * - a value is unquoted (`microsoft\:windows` → `microsoft:windows`, `c\+\+` → `c++`); the logical
 *   value ANY (`*`) becomes the empty string, as grype stores it in the `cpes` table (an unset column
 *   there means "any"); NA (`-`) stays `-`;
 * - written back (a `platform_cpes` qualifier, a sort key), ANY is `*` and every character other than
 *   letters, digits, `_`, `.` and `-` is quoted again: `cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*`.
 */

export interface CpeAttributes {
  part: string;
  vendor: string;
  product: string;
  version: string;
  update: string;
  edition: string;
  language: string;
  swEdition: string;
  targetSw: string;
  targetHw: string;
  other: string;
}

const FIELDS = ['part', 'vendor', 'product', 'version', 'update', 'edition', 'language', 'swEdition', 'targetSw', 'targetHw', 'other'] as const;

/** Splits on unquoted colons, unquoting as it goes; `*` → "" (ANY). */
function split(body: string): string[] {
  const out: string[] = [];
  let cur = '';
  let raw = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && i + 1 < body.length) {
      cur += body[i + 1]!;
      raw += c + body[i + 1]!;
      i++;
    } else if (c === ':') {
      out.push(raw === '*' ? '' : cur);
      cur = '';
      raw = '';
    } else {
      cur += c;
      raw += c;
    }
  }
  out.push(raw === '*' ? '' : cur);
  return out;
}

/** The attributes of a CPE 2.3 formatted string; throws naming the string when it is not one. */
export function parseCpe(text: string): CpeAttributes {
  if (!text.startsWith('cpe:2.3:')) throw new Error(`not a CPE 2.3 formatted string: ${text}`);
  const values = split(text.slice('cpe:2.3:'.length));
  if (values.length !== FIELDS.length) throw new Error(`a CPE 2.3 formatted string has ${FIELDS.length} attributes after cpe:2.3:, ${text} has ${values.length}`);
  const out = {} as CpeAttributes;
  FIELDS.forEach((f, i) => (out[f] = values[i]!.replace(/ /g, '_')));
  return out;
}

function bindValue(v: string): string {
  if (v === '') return '*';
  if (v === '-') return '-';
  return v.replace(/[^A-Za-z0-9_.-]/g, (c) => `\\${c}`);
}

/** The formatted string of attributes (ANY as `*`, special characters quoted). */
export function formatCpe(a: CpeAttributes): string {
  return `cpe:2.3:${FIELDS.map((f) => bindValue(a[f])).join(':')}`;
}

/** grype's key of a CPE apart from its version and update (node.go `cpeKey`): what one affected CPE handle stands for. */
export function cpeKey(a: CpeAttributes): string {
  return [a.part, a.vendor, a.product, a.edition, a.swEdition, a.targetSw, a.targetHw, a.other, a.language].join('|');
}
