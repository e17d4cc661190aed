/**
 * CVSS parsing and scoring on hand-written vectors (no ../shared needed). Expected v2/v3.x figures are
 * worked out from the FIRST equations in the comments; v4.0 figures are FIRST's own example (9.3) or
 * scores NVD published for the CVE named. Real data at scale: cvss-realdata.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { isAirfeedError } from '../../drivers/_framework/errors.ts';
import { parseCvssVector, scoreCvss, severityOf, toAirfeedSeverity } from '../../drivers/_framework/cvss/index.ts';
import { ceil1, d, round1, roundup31, toNumber } from '../../drivers/_framework/cvss/decimal.ts';

/** The error a bad vector throws: AirfeedError SOURCE_INVALID naming the vector (and the metric). */
function errorOf(vector: string): { message: string; metric: unknown; vector: unknown } {
  try {
    scoreCvss(vector);
  } catch (err) {
    if (!isAirfeedError(err, 'SOURCE_INVALID')) throw err;
    return { message: err.message, metric: err.details['metric'], vector: err.details['vector'] };
  }
  throw new Error(`no error for ${vector}`);
}

describe('CVSS v2.0', () => {
  it('scores a base vector with NVD sub-scores (CVE-1999-0001: 5.0 Medium, 10.0/2.9)', () => {
    // Impact 10.41 × 0.275 = 2.86275; Exploitability 20 × 1.0 × 0.71 × 0.704 = 9.9968;
    // Base ((0.6 × 2.86275) + (0.4 × 9.9968) − 1.5) × 1.176 = 4.958… → 5.0.
    expect(scoreCvss('AV:N/AC:L/Au:N/C:N/I:N/A:P')).toEqual({
      version: '2.0',
      vector: 'AV:N/AC:L/Au:N/C:N/I:N/A:P',
      baseScore: 5,
      baseSeverity: 'Medium',
      exploitabilityScore: 10,
      impactScore: 2.9,
      temporalScore: null,
      environmentalScore: null,
      nomenclature: 'CVSS-B',
      score: 5,
      severity: 'Medium',
    });
  });

  it('rounds exactly where floating point would not: 7.15008… → 7.2 (NVD publishes 7.2)', () => {
    // Impact 10.41 × (1 − 0.34³) = 10.00084536; Exploitability 20 × 0.395 × 0.71 × 0.704 = 3.948736;
    // Base (6.000507216 + 1.5794944 − 1.5) × 1.176 = 7.15008… → 7.2.
    const s = scoreCvss('AV:L/AC:L/Au:N/C:C/I:C/A:C');
    expect([s.baseScore, s.exploitabilityScore, s.impactScore, s.baseSeverity]).toEqual([7.2, 3.9, 10, 'High']);
  });

  it('accepts the bare, parenthesised and CVSS:2.0/ forms alike, and reports the bare one', () => {
    const bare = scoreCvss('AV:N/AC:L/Au:N/C:P/I:P/A:P');
    expect(bare.baseScore).toBe(7.5);
    expect(scoreCvss('(AV:N/AC:L/Au:N/C:P/I:P/A:P)')).toEqual(bare);
    expect(scoreCvss('CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P')).toEqual(bare);
    expect(scoreCvss('  AV:N/AC:L/Au:N/C:P/I:P/A:P\n')).toEqual(bare);
    expect(parseCvssVector('(AV:N/AC:L/Au:N/C:P/I:P/A:P)').vector).toBe('AV:N/AC:L/Au:N/C:P/I:P/A:P');
  });

  it('keeps the base score when temporal metrics are present, and rounds 8.55 up to 8.6 (doubles give 8.549999…)', () => {
    // Base: (0.6 × 10.00084536 + 0.4 × 20 × 1.0 × 0.71 × 0.56 − 1.5) × 1.176 = 9.033… → 9.0;
    // Temporal 9.0 × 0.95 × 1.00 × 1.00 = 8.55 → 8.6.
    const s = scoreCvss('AV:N/AC:L/Au:S/C:C/I:C/A:C/E:F/RL:U/RC:C');
    expect([s.baseScore, s.baseSeverity, s.temporalScore, s.environmentalScore, s.nomenclature, s.score, s.severity]).toEqual([
      9,
      'High',
      8.6,
      null,
      'CVSS-BT',
      8.6,
      'High',
    ]);
  });

  it('computes temporal and environmental scores and keeps the base', () => {
    // Base: Impact 10.41 × (1 − 1 × 0.725 × 0.34) = 7.843935, Exploitability 20 × 0.395 × 0.61 × 0.56 = 2.69864,
    //   (4.706361 + 1.079456 − 1.5) × 1.176 = 5.04… → 5.0. Temporal 5.0 × 0.85 × 0.87 × 0.95 = 3.51… → 3.5.
    // AdjustedImpact min(10, 10.41 × (1 − 1 × 0.58475 × 0.0034)) = 10; AdjustedBase 6.56… → 6.6;
    //   AdjustedTemporal 6.6 × 0.702525 = 4.63… → 4.6; Environmental (4.6 + 5.4 × 0) × 0.25 = 1.15 → 1.2.
    const s = scoreCvss('AV:L/AC:M/Au:S/C:N/I:P/A:C/E:U/RL:OF/RC:UR/CDP:N/TD:L/CR:H/IR:H/AR:H');
    expect([s.baseScore, s.temporalScore, s.environmentalScore, s.nomenclature, s.score, s.severity]).toEqual([5, 3.5, 1.2, 'CVSS-BTE', 1.2, 'Low']);
    // A temporal group of Not Defined values defines nothing.
    expect(scoreCvss('AV:N/AC:L/Au:N/C:N/I:N/A:P/E:ND/RL:ND/RC:ND')).toMatchObject({ nomenclature: 'CVSS-B', temporalScore: null, score: 5 });
  });

  it('scores no impact as 0.0, which NVD rates Low for v2 (CVE-1999-0497)', () => {
    expect(scoreCvss('AV:N/AC:L/Au:N/C:N/I:N/A:N')).toMatchObject({ baseScore: 0, baseSeverity: 'Low', impactScore: 0, exploitabilityScore: 10 });
  });
});

describe('CVSS v3.0 and v3.1', () => {
  it('scores CVSS:3.1 AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H as 9.8 Critical, 3.9/5.9', () => {
    // ISS 1 − 0.44³ = 0.914816; Impact 6.42 × ISS = 5.873; Exploitability 8.22 × 0.85 × 0.77 × 0.85 × 0.85 = 3.887;
    // Roundup(9.760…) = 9.8.
    expect(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toMatchObject({
      version: '3.1',
      baseScore: 9.8,
      baseSeverity: 'Critical',
      exploitabilityScore: 3.9,
      impactScore: 5.9,
      nomenclature: 'CVSS-B',
      score: 9.8,
    });
  });

  it('scores a changed scope: PR weighs 0.68 and Impact follows the ^15 curve (9.9, 3.1/6.0)', () => {
    // Impact 7.52 × (0.914816 − 0.029) − 3.25 × 0.894816¹⁵ = 6.048; Exploitability 8.22 × 0.85 × 0.77 × 0.68 × 0.85 = 3.110;
    // Roundup(min(1.08 × 9.157…, 10)) = 9.9.
    expect(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H')).toMatchObject({ baseScore: 9.9, exploitabilityScore: 3.1, impactScore: 6 });
  });

  it('scores v3.0, in any metric order', () => {
    // ISS 1 − 0.44² = 0.8064; 6.42 × 0.8064 + 3.887 = 9.064 → 9.1.
    expect(scoreCvss('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N')).toMatchObject({ version: '3.0', baseScore: 9.1, baseSeverity: 'Critical' });
    // ISS 1 − 0.78² = 0.3916; 6.42 × 0.3916 + 8.22 × 0.85 × 0.77 × 0.27 × 0.85 = 2.514 + 1.235 = 3.749 → 3.8;
    // Temporal Roundup(3.8 × 0.97) = Roundup(3.686) = 3.7.
    const shuffled = scoreCvss('CVSS:3.0/S:U/AV:N/AC:L/PR:H/UI:N/C:L/I:L/A:N/E:F/RL:X');
    expect([shuffled.baseScore, shuffled.temporalScore, shuffled.score, shuffled.nomenclature]).toEqual([3.8, 3.7, 3.7, 'CVSS-BT']);
    expect(scoreCvss('CVSS:3.0/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N/E:F/RL:X')).toEqual({ ...shuffled, vector: 'CVSS:3.0/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N/E:F/RL:X' });
  });

  it('keeps the base score when temporal and environmental metrics are present', () => {
    // Temporal Roundup(9.8 × 0.91 × 0.95 × 1) = Roundup(8.472) = 8.5.
    const t = scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C');
    expect([t.baseScore, t.baseSeverity, t.temporalScore, t.environmentalScore, t.score, t.severity]).toEqual([9.8, 'Critical', 8.5, null, 8.5, 'High']);
    // MISS min(1 − (1 − 0.5 × 0.56)³, 0.915) = 0.626752; M.Impact 6.42 × MISS = 4.024;
    // M.Exploitability 8.22 × 0.55 × 0.77 × 0.85 × 0.85 = 2.515; Roundup(Roundup(6.539) × 1) = 6.6.
    const e = scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/CR:L/IR:L/AR:L/MAV:L');
    expect([e.baseScore, e.temporalScore, e.environmentalScore, e.nomenclature, e.score, e.severity]).toEqual([9.8, null, 6.6, 'CVSS-BE', 6.6, 'Medium']);
  });

  it('applies the v3.1 modified impact (MISS × 0.9731 − 0.02)^13 under MS:C, and v3.0 its ^15 form', () => {
    // The same metrics; only the environmental equation differs between the versions:
    // v3.0 M.Impact 7.52 × 0.885816 − 3.25 × 0.894816¹⁵ = 6.048 → Roundup(1.08 × 9.157) = 9.9;
    // v3.1 M.Impact 7.52 × 0.885816 − 3.25 × 0.870207¹³ = 6.128 → Roundup(1.08 × 9.238) = 10.0.
    const v30 = scoreCvss('CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H/MAV:N');
    const v31 = scoreCvss('CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H/MAV:N');
    expect([v30.baseScore, v30.environmentalScore]).toEqual([9.9, 9.9]);
    expect([v31.baseScore, v31.environmentalScore]).toEqual([9.9, 10]);
  });

  it('scores no impact as 0.0 None, and reports a changed-scope negative Impact as 0', () => {
    expect(scoreCvss('CVSS:3.1/AV:A/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:N')).toMatchObject({ baseScore: 0, baseSeverity: 'None', exploitabilityScore: 1.6, impactScore: 0 });
    // 7.52 × (0 − 0.029) − 3.25 × (−0.02)¹⁵ = −0.218: the Base equation's "Impact ≤ 0 → 0".
    expect(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N')).toMatchObject({ baseScore: 0, impactScore: 0 });
  });
});

describe('Roundup and rounding (decimal.ts)', () => {
  it('implements v3.0 "Round up", v3.1 Appendix A Roundup and round_to_1_decimal exactly', () => {
    expect(toNumber(ceil1(d('4.02')))).toBe(4.1);
    expect(toNumber(ceil1(d('4.00')))).toBe(4);
    expect(toNumber(roundup31(d('4.02')))).toBe(4.1);
    expect(toNumber(roundup31(d('4.00')))).toBe(4);
    // A hair above a tenth: v3.0's definition adds the tenth, v3.1's five-decimal step does not.
    expect(toNumber(ceil1(d('4.000001')))).toBe(4.1);
    expect(toNumber(roundup31(d('4.000001')))).toBe(4);
    expect(toNumber(roundup31(d('4.00001')))).toBe(4.1);
    expect(toNumber(round1(d('8.55')))).toBe(8.6);
    expect(toNumber(round1(d('8.549999')))).toBe(8.5);
  });
});

describe('CVSS v4.0', () => {
  it("scores FIRST's example AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N as 9.3 Critical, with no sub-scores", () => {
    expect(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toEqual({
      version: '4.0',
      vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
      baseScore: 9.3,
      baseSeverity: 'Critical',
      exploitabilityScore: null,
      impactScore: null,
      temporalScore: null,
      environmentalScore: null,
      nomenclature: 'CVSS-B',
      score: 9.3,
      severity: 'Critical',
    });
  });

  it('keeps CVSS-B as baseScore and gives the whole vector as score (NVD: CVE-2024-49368 8.9, CVE-2024-41128 6.6)', () => {
    const p = scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P');
    expect([p.baseScore, p.baseSeverity, p.nomenclature, p.score, p.severity]).toEqual([9.3, 'Critical', 'CVSS-BT', 8.9, 'High']);
    // NVD publishes 8.7 for the base-only vector and 6.6 with E:U.
    const u = scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/E:U');
    expect([u.baseScore, u.baseSeverity, u.score, u.severity]).toEqual([8.7, 'High', 6.6, 'Medium']);
  });

  it('ignores Not Defined and supplemental metrics, and metric order', () => {
    const all = scoreCvss(
      'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MSI:X/S:P/AU:Y/R:I/V:C/RE:H/U:Red',
    );
    expect([all.baseScore, all.score, all.nomenclature]).toEqual([9.3, 9.3, 'CVSS-B']);
    // GitHub wrote GHSA-28g4-38q8-3cwc's vector with the impacts interleaved; the score is the same.
    expect(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/SC:N/VI:H/SI:N/VA:H/SA:N').score).toBe(
      scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N').score,
    );
  });

  it('applies environmental metrics: requirements left X count as High, and no modified impact scores 0.0', () => {
    // The spec's default for CR/IR/AR is High, so stating High changes nothing but the nomenclature.
    expect(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:H/IR:H/AR:H')).toMatchObject({
      baseScore: 9.3,
      nomenclature: 'CVSS-BE',
      score: 9.3,
    });
    expect(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MVC:N/MVI:N/MVA:N')).toMatchObject({
      baseScore: 9.3,
      score: 0,
      severity: 'None',
    });
  });
});

describe('invalid vectors', () => {
  it('names a missing base metric (v3.1, v4.0, and the truncated v2 vectors of the Anchore feed)', () => {
    expect(errorOf('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H')).toEqual({
      message: 'CVSS vector "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H": missing base metric A (Availability)',
      metric: 'A',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H',
    });
    expect(errorOf('CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N').message).toContain(
      'missing base metrics AT (Attack Requirements), SA (Subsequent System Availability Impact)',
    );
    // Anchore's Metadata.NVD.CVSSv2.Vectors drops the last metric (shared/ANCHORE-FEED-API.md example).
    expect(errorOf('AV:N/AC:M/Au:N/C:N/I:N')).toMatchObject({ metric: 'A' });
  });

  it('names a metric given twice', () => {
    expect(errorOf('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L')).toMatchObject({
      message: 'CVSS vector "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L": metric AV (Attack Vector) appears more than once',
      metric: 'AV',
    });
    expect(errorOf('AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F/E:H')).toMatchObject({ metric: 'E' });
  });

  it('names an unknown value or metric', () => {
    // The Node.js security WG's npm advisory data has this vector (with "cvss_score": 7.5).
    expect(errorOf('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:U/A:U')).toMatchObject({
      message: 'CVSS vector "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:U/A:U": unknown value "U" for metric I (Integrity); CVSS 3.0 allows H, L, N',
      metric: 'I',
    });
    expect(errorOf('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S').metric).toBe('MSC');
    expect(errorOf('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/XX:Y').message).toContain('unknown metric XX for CVSS 4.0');
    // Metric names are case-sensitive, as the specs write them.
    expect(errorOf('AV:N/AC:L/AU:N/C:P/I:P/A:P').message).toContain('unknown metric AU for CVSS 2.0');
    expect(errorOf('AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H').message).toContain(
      'unknown metric PR for CVSS 2.0; a v3 vector must start with CVSS:3.0/ or CVSS:3.1/',
    );
  });

  it('rejects malformed strings and unsupported versions', () => {
    // The CVE 5 record of CVE-2018-14618 has a score glued in front.
    expect(errorOf('7.5/CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H').message).toContain('malformed component 1 of 10 "7.5"');
    expect(errorOf('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/').message).toContain('empty component 9 of 9');
    expect(errorOf('CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H').message).toContain('unsupported CVSS version 3.2');
    expect(errorOf('CVSS:3/AV:N').message).toContain('malformed version prefix');
    expect(errorOf('  ').message).toBe('CVSS vector "  ": empty vector');
    expect(errorOf('cvss:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h').message).toContain('malformed component 1');
  });
});

describe('severity', () => {
  it("rates v3.x/v4.0 scores None/Low/Medium/High/Critical and v2 on NVD's Low/Medium/High", () => {
    const v3 = [0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map((s) => severityOf('3.1', s));
    expect(v3).toEqual(['None', 'Low', 'Low', 'Medium', 'Medium', 'High', 'High', 'Critical', 'Critical']);
    expect([0, 9.3].map((s) => severityOf('4.0', s))).toEqual(['None', 'Critical']);
    const v2 = [0, 3.9, 4, 6.9, 7, 10].map((s) => severityOf('2.0', s));
    expect(v2).toEqual(['Low', 'Low', 'Medium', 'Medium', 'High', 'High']);
  });

  it('rejects scores outside 0–10', () => {
    for (const s of [-0.1, 10.1, Number.NaN]) expect(() => severityOf('3.1', s)).toThrow(/outside 0.0–10.0/);
  });

  it("maps CVSS ratings to airfeed's vocabulary, None to Negligible", () => {
    expect((['None', 'Low', 'Medium', 'High', 'Critical'] as const).map(toAirfeedSeverity)).toEqual(['Negligible', 'Low', 'Medium', 'High', 'Critical']);
  });
});
