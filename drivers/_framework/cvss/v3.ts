/**
 * CVSS v3.0 and v3.1 scores, from the specifications' equations — v3.1 §7 "CVSS v3.1 Equations"
 * (https://www.first.org/cvss/v3.1/specification-document), v3.0 §8 "CVSS v3.0
 * Equations" (https://www.first.org/cvss/v3.0/specification-document) — in exact
 * decimals (./decimal.ts):
 *
 *   ISS = 1 − [(1 − C) × (1 − I) × (1 − A)]
 *   Impact = 6.42 × ISS (S:U); 7.52 × (ISS − 0.029) − 3.25 × (ISS − 0.02)^15 (S:C)
 *   Exploitability = 8.22 × AV × AC × PR × UI                (PR weighs more when S:C)
 *   BaseScore = 0 if Impact ≤ 0; else Roundup(min(Impact + Exploitability, 10)) (S:U),
 *               Roundup(min(1.08 × (Impact + Exploitability), 10)) (S:C)
 *   TemporalScore = Roundup(BaseScore × E × RL × RC)
 *   MISS = min(1 − [(1 − CR × MC) × (1 − IR × MI) × (1 − AR × MA)], 0.915)
 *   ModifiedImpact = 6.42 × MISS (MS:U); 7.52 × (MISS − 0.029) − 3.25 × (MISS − 0.02)^15 (MS:C, v3.0)
 *                                        7.52 × (MISS − 0.029) − 3.25 × (MISS × 0.9731 − 0.02)^13 (MS:C, v3.1)
 *   EnvironmentalScore = 0 if ModifiedImpact ≤ 0; else
 *     Roundup(Roundup(min([1.08 ×] (ModifiedImpact + ModifiedExploitability), 10)) × E × RL × RC)
 *
 * The two versions differ in Roundup: v3.0 §8.1 defines it as the smallest one-decimal number ≥ the
 * input; v3.1 Appendix A rounds to five decimals first (so float noise such as 4.0000000001 does not
 * add a tenth); and in the MS:C modified impact above. A Modified metric left X takes its base value.
 * Weights: v3.1 §7.4 "Metric Values" (v3.0 §8.4, the same numbers). Sub-scores are reported rounded
 * to one decimal as NVD publishes them; an Impact below 0 (S:C with no C/I/A impact: −0.218) is
 * reported as 0, the floor the Base equation applies.
 */
import { add, ceil1, cmp, d, type Dec, min, mul, ONE, pow, round1, roundup31, sub, TEN, toNumber, ZERO } from './decimal.ts';

const CIA = { H: d('0.56'), L: d('0.22'), N: d('0') };
const W: Readonly<Record<string, Readonly<Record<string, Dec>>>> = {
  AV: { N: d('0.85'), A: d('0.62'), L: d('0.55'), P: d('0.2') },
  AC: { L: d('0.77'), H: d('0.44') },
  UI: { N: d('0.85'), R: d('0.62') },
  C: CIA,
  I: CIA,
  A: CIA,
  E: { X: d('1'), H: d('1'), F: d('0.97'), P: d('0.94'), U: d('0.91') },
  RL: { X: d('1'), U: d('1'), W: d('0.97'), T: d('0.96'), O: d('0.95') },
  RC: { X: d('1'), C: d('1'), R: d('0.96'), U: d('0.92') },
  CR: { X: d('1'), H: d('1.5'), M: d('1'), L: d('0.5') },
  IR: { X: d('1'), H: d('1.5'), M: d('1'), L: d('0.5') },
  AR: { X: d('1'), H: d('1.5'), M: d('1'), L: d('0.5') },
};
const PR_UNCHANGED = { N: d('0.85'), L: d('0.62'), H: d('0.27') };
const PR_CHANGED = { N: d('0.85'), L: d('0.68'), H: d('0.5') };

type Metrics = Readonly<Record<string, string>>;

function weight(table: Readonly<Record<string, Dec>> | undefined, key: string, value: string): Dec {
  const w = table?.[value];
  if (w === undefined) throw new Error(`CVSS v3 weight missing for ${key}:${value}`);
  return w;
}

/** A metric's value as written; optional metrics absent from the vector are X. */
function value(m: Metrics, key: string): string {
  return m[key] ?? 'X';
}

/** An environmental Modified metric's effective value: the base metric's when left X. */
function modified(m: Metrics, key: string): string {
  const v = value(m, `M${key}`);
  return v === 'X' ? value(m, key) : v;
}

function w(key: string, v: string): Dec {
  return weight(W[key], key, v);
}

function prWeight(v: string, changed: boolean): Dec {
  return weight(changed ? PR_CHANGED : PR_UNCHANGED, 'PR', v);
}

export interface V3Scores {
  readonly base: number;
  readonly exploitability: number;
  readonly impact: number;
  /** Computed with X temporal metrics when the vector has none (then equal to base). */
  readonly temporal: number;
  /** Computed with X environmental metrics when the vector has none. */
  readonly environmental: number;
}

/** All v3.0 / v3.1 scores of a parsed vector's metrics (./parse.ts). */
export function scoreV3(m: Metrics, version: '3.0' | '3.1'): V3Scores {
  const roundup = version === '3.0' ? ceil1 : roundup31;
  const changed = value(m, 'S') === 'C';
  const iss = sub(ONE, mul(sub(ONE, w('C', value(m, 'C'))), sub(ONE, w('I', value(m, 'I'))), sub(ONE, w('A', value(m, 'A')))));
  const impact = changed ? sub(mul(d('7.52'), sub(iss, d('0.029'))), mul(d('3.25'), pow(sub(iss, d('0.02')), 15))) : mul(d('6.42'), iss);
  const exploitability = mul(d('8.22'), w('AV', value(m, 'AV')), w('AC', value(m, 'AC')), prWeight(value(m, 'PR'), changed), w('UI', value(m, 'UI')));
  const base =
    cmp(impact, ZERO) <= 0 ? ZERO : roundup(min(changed ? mul(d('1.08'), add(impact, exploitability)) : add(impact, exploitability), TEN));
  const temporalFactor = mul(w('E', value(m, 'E')), w('RL', value(m, 'RL')), w('RC', value(m, 'RC')));
  const temporal = roundup(mul(base, temporalFactor));

  const mChanged = modified(m, 'S') === 'C';
  const miss = min(
    sub(
      ONE,
      mul(
        sub(ONE, mul(w('CR', value(m, 'CR')), w('C', modified(m, 'C')))),
        sub(ONE, mul(w('IR', value(m, 'IR')), w('I', modified(m, 'I')))),
        sub(ONE, mul(w('AR', value(m, 'AR')), w('A', modified(m, 'A')))),
      ),
    ),
    d('0.915'),
  );
  const mImpact = !mChanged
    ? mul(d('6.42'), miss)
    : version === '3.0'
      ? sub(mul(d('7.52'), sub(miss, d('0.029'))), mul(d('3.25'), pow(sub(miss, d('0.02')), 15)))
      : sub(mul(d('7.52'), sub(miss, d('0.029'))), mul(d('3.25'), pow(sub(mul(miss, d('0.9731')), d('0.02')), 13)));
  const mExploitability = mul(
    d('8.22'),
    w('AV', modified(m, 'AV')),
    w('AC', modified(m, 'AC')),
    prWeight(modified(m, 'PR'), mChanged),
    w('UI', modified(m, 'UI')),
  );
  const environmental =
    cmp(mImpact, ZERO) <= 0
      ? ZERO
      : roundup(mul(roundup(min(mChanged ? mul(d('1.08'), add(mImpact, mExploitability)) : add(mImpact, mExploitability), TEN)), temporalFactor));

  return {
    base: toNumber(base),
    exploitability: toNumber(round1(exploitability)),
    impact: cmp(impact, ZERO) <= 0 ? 0 : toNumber(round1(impact)),
    temporal: toNumber(temporal),
    environmental: toNumber(environmental),
  };
}
