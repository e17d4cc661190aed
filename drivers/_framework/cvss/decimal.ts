/**
 * Exact decimal arithmetic for the CVSS equations: a value is `n / 10^s` with a bigint `n`.
 *
 * Why: the v2 and v3.x equations are defined on real numbers, and their rounding steps sit exactly on
 * the values binary floating point cannot hold. In doubles, v2 `AV:N/AC:L/Au:S/C:C/I:C/A:C/E:F/RL:U/RC:C`
 * has the temporal score 9.0 × 0.95 = 8.549999… and rounds to 8.5; the guide's round_to_1_decimal of
 * 8.55 is 8.6 (as Red Hat's test vectors and FIRST's guide arithmetic give). The weights are all short
 * decimals, so every product, difference and power (v3's `^15`) is exact here.
 */

export interface Dec {
  readonly n: bigint;
  readonly s: number;
}

const TEN_POWERS: bigint[] = [1n];
function tenTo(k: number): bigint {
  for (let i = TEN_POWERS.length; i <= k; i++) TEN_POWERS.push((TEN_POWERS[i - 1] as bigint) * 10n);
  return TEN_POWERS[k] as bigint;
}

/** A decimal from its written form, e.g. `d('0.395')`, `d('10.41')`, `d('1')`. */
export function d(text: string): Dec {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const frac = m[3] ?? '';
  const n = BigInt(`${m[2]}${frac}`);
  return { n: m[1] === '-' ? -n : n, s: frac.length };
}

export const ZERO = d('0');
export const ONE = d('1');
export const TEN = d('10');

function scaled(a: Dec, s: number): bigint {
  return a.n * tenTo(s - a.s);
}

export function add(a: Dec, b: Dec): Dec {
  const s = Math.max(a.s, b.s);
  return { n: scaled(a, s) + scaled(b, s), s };
}

export function sub(a: Dec, b: Dec): Dec {
  const s = Math.max(a.s, b.s);
  return { n: scaled(a, s) - scaled(b, s), s };
}

export function mul(...xs: Dec[]): Dec {
  let n = 1n;
  let s = 0;
  for (const x of xs) {
    n *= x.n;
    s += x.s;
  }
  return { n, s };
}

export function pow(a: Dec, k: number): Dec {
  return { n: a.n ** BigInt(k), s: a.s * k };
}

export function cmp(a: Dec, b: Dec): number {
  const s = Math.max(a.s, b.s);
  const x = scaled(a, s);
  const y = scaled(b, s);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function min(a: Dec, b: Dec): Dec {
  return cmp(a, b) <= 0 ? a : b;
}

/** floor(a × 10^k) as a bigint (towards −∞). */
function floorScaled(a: Dec, k: number): bigint {
  if (k >= a.s) return a.n * tenTo(k - a.s);
  const div = tenTo(a.s - k);
  const q = a.n / div;
  return a.n < 0n && q * div !== a.n ? q - 1n : q;
}

/** The decimal with `n / 10^k` exactly, e.g. fromScaled(86n, 1) = 8.6. */
function fromScaled(n: bigint, k: number): Dec {
  return { n, s: k };
}

/** Round half up (ties towards +∞) to one decimal: the v2 guide's round_to_1_decimal, and NVD's sub-score rounding. */
export function round1(a: Dec): Dec {
  return fromScaled(floorScaled(add(a, d('0.05')), 1), 1);
}

/** The smallest one-decimal number ≥ a: CVSS v3.0 §8.1 "Round up" (Round up(4.02) = 4.1, Round up(4.00) = 4.0). */
export function ceil1(a: Dec): Dec {
  const f = floorScaled(a, 1);
  return cmp(fromScaled(f, 1), a) === 0 ? fromScaled(f, 1) : fromScaled(f + 1n, 1);
}

/**
 * CVSS v3.1 Appendix A "Floating Point Rounding" Roundup: round the input to five decimals first
 * (`int_input = round_to_int(input × 100000)`), then return it if it is a multiple of 0.1, else the next
 * 0.1 up. So a value a hair above a tenth (4.000001) rounds to 4.0 in v3.1 but to 4.1 in v3.0.
 */
export function roundup31(a: Dec): Dec {
  const intInput = floorScaled(add(a, d('0.000005')), 5);
  if (intInput % 10000n === 0n) return fromScaled(intInput / 10000n, 1);
  const floorTenths = intInput >= 0n ? intInput / 10000n : -((-intInput + 9999n) / 10000n);
  return fromScaled(floorTenths + 1n, 1);
}

export function toNumber(a: Dec): number {
  if (a.s === 0) return Number(a.n);
  const neg = a.n < 0n;
  const digits = (neg ? -a.n : a.n).toString().padStart(a.s + 1, '0');
  const value = Number(`${digits.slice(0, -a.s)}.${digits.slice(-a.s)}`);
  return neg ? -value : value;
}
