/**
 * The metrics of each CVSS version, in the order each specification lists them: abbreviation, name,
 * metric group, whether a vector must carry it, and the values a vector may give it.
 *
 * - v2.0: the v2 guide §2.4 "Base, Temporal, Environmental Vectors" (https://www.first.org/cvss/v2/guide).
 *   Optional metrics use `ND` (Not Defined), e.g. `AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/RL:OF/RC:C`.
 * - v3.0 / v3.1: the specifications' §6 "Vector String" (the same metrics in both;
 *   https://www.first.org/cvss/v3.1/specification-document). Optional metrics use `X`.
 * - v4.0: the specification's "Vector String" section
 *   (https://www.first.org/cvss/v4.0/specification-document#Vector-String). Optional metrics use `X`;
 *   `U` (Provider Urgency) is the one metric whose values are words (`U:Clear`, `U:Amber`, …).
 */
import type { CvssVersion } from './types.ts';

export type MetricGroup = 'base' | 'temporal' | 'threat' | 'environmental' | 'supplemental';

export interface MetricDef {
  readonly key: string;
  readonly name: string;
  readonly group: MetricGroup;
  readonly mandatory: boolean;
  readonly values: readonly string[];
}

function base(key: string, name: string, values: readonly string[]): MetricDef {
  return { key, name, group: 'base', mandatory: true, values };
}
function optional(group: MetricGroup, key: string, name: string, values: readonly string[]): MetricDef {
  return { key, name, group, mandatory: false, values };
}

const V2: readonly MetricDef[] = [
  base('AV', 'Access Vector', ['L', 'A', 'N']),
  base('AC', 'Access Complexity', ['H', 'M', 'L']),
  base('Au', 'Authentication', ['M', 'S', 'N']),
  base('C', 'Confidentiality Impact', ['N', 'P', 'C']),
  base('I', 'Integrity Impact', ['N', 'P', 'C']),
  base('A', 'Availability Impact', ['N', 'P', 'C']),
  optional('temporal', 'E', 'Exploitability', ['U', 'POC', 'F', 'H', 'ND']),
  optional('temporal', 'RL', 'Remediation Level', ['OF', 'TF', 'W', 'U', 'ND']),
  optional('temporal', 'RC', 'Report Confidence', ['UC', 'UR', 'C', 'ND']),
  optional('environmental', 'CDP', 'Collateral Damage Potential', ['N', 'L', 'LM', 'MH', 'H', 'ND']),
  optional('environmental', 'TD', 'Target Distribution', ['N', 'L', 'M', 'H', 'ND']),
  optional('environmental', 'CR', 'Confidentiality Requirement', ['L', 'M', 'H', 'ND']),
  optional('environmental', 'IR', 'Integrity Requirement', ['L', 'M', 'H', 'ND']),
  optional('environmental', 'AR', 'Availability Requirement', ['L', 'M', 'H', 'ND']),
];

const V3: readonly MetricDef[] = [
  base('AV', 'Attack Vector', ['N', 'A', 'L', 'P']),
  base('AC', 'Attack Complexity', ['L', 'H']),
  base('PR', 'Privileges Required', ['N', 'L', 'H']),
  base('UI', 'User Interaction', ['N', 'R']),
  base('S', 'Scope', ['U', 'C']),
  base('C', 'Confidentiality', ['H', 'L', 'N']),
  base('I', 'Integrity', ['H', 'L', 'N']),
  base('A', 'Availability', ['H', 'L', 'N']),
  optional('temporal', 'E', 'Exploit Code Maturity', ['X', 'H', 'F', 'P', 'U']),
  optional('temporal', 'RL', 'Remediation Level', ['X', 'U', 'W', 'T', 'O']),
  optional('temporal', 'RC', 'Report Confidence', ['X', 'C', 'R', 'U']),
  optional('environmental', 'CR', 'Confidentiality Requirement', ['X', 'H', 'M', 'L']),
  optional('environmental', 'IR', 'Integrity Requirement', ['X', 'H', 'M', 'L']),
  optional('environmental', 'AR', 'Availability Requirement', ['X', 'H', 'M', 'L']),
  optional('environmental', 'MAV', 'Modified Attack Vector', ['X', 'N', 'A', 'L', 'P']),
  optional('environmental', 'MAC', 'Modified Attack Complexity', ['X', 'L', 'H']),
  optional('environmental', 'MPR', 'Modified Privileges Required', ['X', 'N', 'L', 'H']),
  optional('environmental', 'MUI', 'Modified User Interaction', ['X', 'N', 'R']),
  optional('environmental', 'MS', 'Modified Scope', ['X', 'U', 'C']),
  optional('environmental', 'MC', 'Modified Confidentiality', ['X', 'N', 'L', 'H']),
  optional('environmental', 'MI', 'Modified Integrity', ['X', 'N', 'L', 'H']),
  optional('environmental', 'MA', 'Modified Availability', ['X', 'N', 'L', 'H']),
];

const V4: readonly MetricDef[] = [
  base('AV', 'Attack Vector', ['N', 'A', 'L', 'P']),
  base('AC', 'Attack Complexity', ['L', 'H']),
  base('AT', 'Attack Requirements', ['N', 'P']),
  base('PR', 'Privileges Required', ['N', 'L', 'H']),
  base('UI', 'User Interaction', ['N', 'P', 'A']),
  base('VC', 'Vulnerable System Confidentiality Impact', ['H', 'L', 'N']),
  base('VI', 'Vulnerable System Integrity Impact', ['H', 'L', 'N']),
  base('VA', 'Vulnerable System Availability Impact', ['H', 'L', 'N']),
  base('SC', 'Subsequent System Confidentiality Impact', ['H', 'L', 'N']),
  base('SI', 'Subsequent System Integrity Impact', ['H', 'L', 'N']),
  base('SA', 'Subsequent System Availability Impact', ['H', 'L', 'N']),
  optional('threat', 'E', 'Exploit Maturity', ['X', 'A', 'P', 'U']),
  optional('environmental', 'CR', 'Confidentiality Requirement', ['X', 'H', 'M', 'L']),
  optional('environmental', 'IR', 'Integrity Requirement', ['X', 'H', 'M', 'L']),
  optional('environmental', 'AR', 'Availability Requirement', ['X', 'H', 'M', 'L']),
  optional('environmental', 'MAV', 'Modified Attack Vector', ['X', 'N', 'A', 'L', 'P']),
  optional('environmental', 'MAC', 'Modified Attack Complexity', ['X', 'L', 'H']),
  optional('environmental', 'MAT', 'Modified Attack Requirements', ['X', 'N', 'P']),
  optional('environmental', 'MPR', 'Modified Privileges Required', ['X', 'N', 'L', 'H']),
  optional('environmental', 'MUI', 'Modified User Interaction', ['X', 'N', 'P', 'A']),
  optional('environmental', 'MVC', 'Modified Vulnerable System Confidentiality', ['X', 'H', 'L', 'N']),
  optional('environmental', 'MVI', 'Modified Vulnerable System Integrity', ['X', 'H', 'L', 'N']),
  optional('environmental', 'MVA', 'Modified Vulnerable System Availability', ['X', 'H', 'L', 'N']),
  optional('environmental', 'MSC', 'Modified Subsequent System Confidentiality', ['X', 'H', 'L', 'N']),
  // S (Safety) is a value only these two Modified metrics have (the spec's "MSI:S, MSA:S").
  optional('environmental', 'MSI', 'Modified Subsequent System Integrity', ['X', 'S', 'H', 'L', 'N']),
  optional('environmental', 'MSA', 'Modified Subsequent System Availability', ['X', 'S', 'H', 'L', 'N']),
  optional('supplemental', 'S', 'Safety', ['X', 'N', 'P']),
  optional('supplemental', 'AU', 'Automatable', ['X', 'N', 'Y']),
  optional('supplemental', 'R', 'Recovery', ['X', 'A', 'U', 'I']),
  optional('supplemental', 'V', 'Value Density', ['X', 'D', 'C']),
  optional('supplemental', 'RE', 'Vulnerability Response Effort', ['X', 'L', 'M', 'H']),
  optional('supplemental', 'U', 'Provider Urgency', ['X', 'Clear', 'Green', 'Amber', 'Red']),
];

export const METRICS: Readonly<Record<CvssVersion, readonly MetricDef[]>> = {
  '2.0': V2,
  '3.0': V3,
  '3.1': V3,
  '4.0': V4,
};

/** The value meaning "Not Defined": the metric counts as absent. */
export const NOT_DEFINED: Readonly<Record<CvssVersion, string>> = { '2.0': 'ND', '3.0': 'X', '3.1': 'X', '4.0': 'X' };

const BY_KEY: Readonly<Record<CvssVersion, ReadonlyMap<string, MetricDef>>> = {
  '2.0': new Map(V2.map((m) => [m.key, m])),
  '3.0': new Map(V3.map((m) => [m.key, m])),
  '3.1': new Map(V3.map((m) => [m.key, m])),
  '4.0': new Map(V4.map((m) => [m.key, m])),
};

export function metricDef(version: CvssVersion, key: string): MetricDef | undefined {
  return BY_KEY[version].get(key);
}
