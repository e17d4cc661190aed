/**
 * CVSS v2.0 scores, from the v2 guide §3.2 "Equations" (https://www.first.org/cvss/v2/guide),
 * in exact decimals (./decimal.ts):
 *
 *   BaseScore = round_to_1_decimal(((0.6 × Impact) + (0.4 × Exploitability) − 1.5) × f(Impact))      §3.2.1
 *   Impact = 10.41 × (1 − (1 − ConfImpact) × (1 − IntegImpact) × (1 − AvailImpact))
 *   Exploitability = 20 × AccessVector × AccessComplexity × Authentication
 *   f(Impact) = 0 if Impact = 0, else 1.176
 *   TemporalScore = round_to_1_decimal(BaseScore × Exploitability × RemediationLevel × ReportConfidence)   §3.2.2
 *   EnvironmentalScore = round_to_1_decimal((AdjustedTemporal + (10 − AdjustedTemporal) × CDP) × TD)        §3.2.3
 *     AdjustedTemporal = TemporalScore recomputed with BaseScore's Impact replaced by AdjustedImpact
 *     AdjustedImpact = min(10, 10.41 × (1 − (1 − ConfImpact × ConfReq) × (1 − IntegImpact × IntegReq) × (1 − AvailImpact × AvailReq)))
 *
 * Weights: the guide's §3.2.1–3.2.3 tables. The Exploitability and Impact sub-scores are reported
 * rounded to one decimal, as NVD publishes them (`AV:N/AC:L/Au:N/C:N/I:N/A:P`: 10.0 and 2.9).
 */
import { add, cmp, d, type Dec, min, mul, ONE, round1, sub, TEN, toNumber, ZERO } from './decimal.ts';

const W: Readonly<Record<string, Readonly<Record<string, Dec>>>> = {
  AV: { L: d('0.395'), A: d('0.646'), N: d('1.0') },
  AC: { H: d('0.35'), M: d('0.61'), L: d('0.71') },
  Au: { M: d('0.45'), S: d('0.56'), N: d('0.704') },
  C: { N: d('0.0'), P: d('0.275'), C: d('0.660') },
  I: { N: d('0.0'), P: d('0.275'), C: d('0.660') },
  A: { N: d('0.0'), P: d('0.275'), C: d('0.660') },
  E: { U: d('0.85'), POC: d('0.9'), F: d('0.95'), H: d('1.00'), ND: d('1.00') },
  RL: { OF: d('0.87'), TF: d('0.90'), W: d('0.95'), U: d('1.00'), ND: d('1.00') },
  RC: { UC: d('0.90'), UR: d('0.95'), C: d('1.00'), ND: d('1.00') },
  CDP: { N: d('0'), L: d('0.1'), LM: d('0.3'), MH: d('0.4'), H: d('0.5'), ND: d('0') },
  TD: { N: d('0'), L: d('0.25'), M: d('0.75'), H: d('1.0'), ND: d('1.0') },
  CR: { L: d('0.5'), M: d('1.0'), H: d('1.51'), ND: d('1.0') },
  IR: { L: d('0.5'), M: d('1.0'), H: d('1.51'), ND: d('1.0') },
  AR: { L: d('0.5'), M: d('1.0'), H: d('1.51'), ND: d('1.0') },
};

function w(metrics: Readonly<Record<string, string>>, key: string): Dec {
  // Parsing guarantees base metrics are present and every value is known; optional ones default to ND.
  const weight = W[key]?.[metrics[key] ?? 'ND'];
  if (weight === undefined) throw new Error(`CVSS v2 weight missing for ${key}:${metrics[key]}`);
  return weight;
}

export interface V2Scores {
  readonly base: number;
  readonly exploitability: number;
  readonly impact: number;
  /** Computed with Not Defined temporal metrics when the vector has none (then equal to base). */
  readonly temporal: number;
  /** Computed with Not Defined environmental metrics when the vector has none (then equal to temporal). */
  readonly environmental: number;
}

function baseFrom(impact: Dec, exploitability: Dec): Dec {
  const f = cmp(impact, ZERO) === 0 ? ZERO : d('1.176');
  return round1(mul(sub(add(mul(d('0.6'), impact), mul(d('0.4'), exploitability)), d('1.5')), f));
}

/** All v2 scores of a parsed vector's metrics (./parse.ts). */
export function scoreV2(m: Readonly<Record<string, string>>): V2Scores {
  const impact = mul(d('10.41'), sub(ONE, mul(sub(ONE, w(m, 'C')), sub(ONE, w(m, 'I')), sub(ONE, w(m, 'A')))));
  const exploitability = mul(d('20'), w(m, 'AV'), w(m, 'AC'), w(m, 'Au'));
  const base = baseFrom(impact, exploitability);
  const temporalFactor = mul(w(m, 'E'), w(m, 'RL'), w(m, 'RC'));
  const temporal = round1(mul(base, temporalFactor));

  const adjustedImpact = min(
    TEN,
    mul(
      d('10.41'),
      sub(
        ONE,
        mul(sub(ONE, mul(w(m, 'C'), w(m, 'CR'))), sub(ONE, mul(w(m, 'I'), w(m, 'IR'))), sub(ONE, mul(w(m, 'A'), w(m, 'AR')))),
      ),
    ),
  );
  const adjustedTemporal = round1(mul(baseFrom(adjustedImpact, exploitability), temporalFactor));
  const environmental = round1(mul(add(adjustedTemporal, mul(sub(TEN, adjustedTemporal), w(m, 'CDP'))), w(m, 'TD')));

  return {
    base: toNumber(base),
    exploitability: toNumber(round1(exploitability)),
    impact: toNumber(round1(impact)),
    temporal: toNumber(temporal),
    environmental: toNumber(environmental),
  };
}
