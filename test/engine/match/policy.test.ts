/** Policy files (JSON and YAML), the severity gate, allowlists and their expiry. */
import { describe, expect, it } from 'vitest';
import { isAirfeedError } from '../../../drivers/_framework/errors.ts';
import type { Severity } from '../../../drivers/_framework/record.ts';
import type { Match } from '../../../engine-client/match/match.ts';
import { defaultPolicy, evaluatePolicy, parseEpssFlag, parsePolicy, policyNeeds } from '../../../engine-client/policy/policy.ts';

function m(vulnId: string, severity: Severity, pkg = 'libcrypto3', matchedName = 'openssl'): Match {
  return {
    package: pkg, installedVersion: '1', kind: 'apk', matchedBy: 'package', matchedName, matchedVersion: '1', vulnId, severity,
    severitySource: severity === 'Unknown' ? null : 'record', cvss: null, kev: null, epss: null, state: 'fixed', fixedVersion: '2', group: 'alpine:3.20', link: null, location: 'x',
  };
}
const now = new Date('2026-12-01T12:00:00Z');

describe('policy files', () => {
  it('reads YAML and JSON to the same policy', () => {
    const yaml = parsePolicy('failOn: Medium\nallowlist:\n  - id: CVE-1\n    package: openssl\n    reason: not reachable\n    expires: 2027-01-31\n', 'p.yaml');
    const json = parsePolicy('{"failOn":"Medium","allowlist":[{"id":"CVE-1","package":"openssl","reason":"not reachable","expires":"2027-01-31"}]}', 'p.json');
    expect({ ...yaml, source: '' }).toEqual({ ...json, source: '' });
    expect(yaml.allowlist[0]?.expires).toBe('2027-01-31T00:00:00.000Z');
  });
  it('names the bad field', () => {
    const bad = (text: string) => {
      try {
        parsePolicy(text, 'p.yaml');
      } catch (e) {
        expect(isAirfeedError(e, 'POLICY_INVALID')).toBe(true);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(bad('failOn: Severe\n')).toMatch(/^p\.yaml: failOn: Invalid option/);
    expect(bad('allowlist:\n  - id: CVE-1\n')).toMatch(/^p\.yaml: allowlist\.0\.reason: /);
    expect(bad('allowlist:\n  - id: CVE-1\n    reason: x\n    expires: soon\n')).toMatch(/^p\.yaml: allowlist\.0\.expires: /);
    expect(bad('failon: High\n')).toMatch(/^p\.yaml: .*failon/);
    expect(bad('{"failOn": ')).toMatch(/^p\.yaml: not valid JSON or YAML/);
  });
  it('defaults to failing on High', () => {
    expect(parsePolicy('', 'empty.yaml')).toMatchObject({ failOn: 'High', failOnUnknown: false, allowlist: [] });
  });
});

describe('verdicts', () => {
  const matches = [m('CVE-C', 'Critical'), m('CVE-H', 'High'), m('CVE-M', 'Medium'), m('CVE-U', 'Unknown')];
  it('fails on the threshold and above only', () => {
    const v = evaluatePolicy(matches, defaultPolicy(), now);
    expect(v.pass).toBe(false);
    expect(v.violations.map((x) => x.vulnId)).toEqual(['CVE-C', 'CVE-H']);
    expect(evaluatePolicy([m('CVE-M', 'Medium')], defaultPolicy(), now).pass).toBe(true);
  });
  it('fails on Unknown only when asked', () => {
    const p = parsePolicy('failOn: Critical\nfailOnUnknown: true\n', 'p');
    expect(evaluatePolicy(matches, p, now).violations.map((x) => x.vulnId)).toEqual(['CVE-C', 'CVE-U']);
    expect(evaluatePolicy(matches, parsePolicy('failOn: none\n', 'p'), now).pass).toBe(true);
  });
  it('allowlists by id, by installed name and by matched source name', () => {
    const p = parsePolicy(
      'allowlist:\n  - {id: CVE-C, package: openssl, reason: source name}\n  - {id: CVE-H, package: libcrypto3, reason: binary name}\n  - {id: CVE-X, reason: unused}\n',
      'p',
    );
    const v = evaluatePolicy(matches, p, now);
    expect(v.pass).toBe(true);
    expect(v.allowed.map((a) => [a.match.vulnId, a.entry.reason])).toEqual([
      ['CVE-C', 'source name'],
      ['CVE-H', 'binary name'],
    ]);
    expect(v.unused.map((e) => e.id)).toEqual(['CVE-X']);
    expect(evaluatePolicy(matches, parsePolicy('allowlist:\n  - {id: CVE-C, package: zlib, reason: other package}\n', 'p'), now).violations).toHaveLength(2);
  });
  it('stops applying an expired entry and reports it', () => {
    const p = parsePolicy('allowlist:\n  - {id: CVE-C, reason: r, expires: 2026-12-01}\n  - {id: CVE-H, reason: r, expires: "2026-12-01T12:00:01Z"}\n', 'p');
    const v = evaluatePolicy(matches, p, now);
    expect(v.expired.map((e) => e.id)).toEqual(['CVE-C']);
    expect(v.violations.map((x) => x.vulnId)).toEqual(['CVE-C']);
    expect(v.allowed.map((a) => a.match.vulnId)).toEqual(['CVE-H']);
  });
  it('ignoreWontFix leaves will-not-fix and deferred matches out of the verdict, reporting them as ignored', () => {
    const states = [
      { ...m('CVE-W', 'High'), state: 'will_not_fix' as const, fixedVersion: null },
      { ...m('CVE-D', 'High'), state: 'deferred' as const, fixedVersion: null },
      { ...m('CVE-A', 'High'), state: 'affected' as const, fixedVersion: null },
      { ...m('CVE-F', 'High') },
    ];
    expect(evaluatePolicy(states, defaultPolicy(), now).violations.map((x) => x.vulnId)).toEqual(['CVE-W', 'CVE-D', 'CVE-A', 'CVE-F']);
    const p = parsePolicy('ignoreWontFix: true\n', 'p');
    const v = evaluatePolicy(states, p, now);
    expect(v.violations.map((x) => x.vulnId)).toEqual(['CVE-A', 'CVE-F']);
    expect(v.ignored.map((x) => x.vulnId)).toEqual(['CVE-W', 'CVE-D']);
    expect(v.policy.ignoreWontFix).toBe(true);
    // An allowlist entry still wins over the ignore rule.
    const both = evaluatePolicy(states, parsePolicy('ignoreWontFix: true\nallowlist:\n  - {id: CVE-W, reason: accepted}\n', 'p'), now);
    expect([both.allowed.map((a) => a.match.vulnId), both.ignored.map((x) => x.vulnId)]).toEqual([['CVE-W'], ['CVE-D']]);
  });
});

describe('known exploitation: failOnKev and failOnEpss', () => {
  const kev = { id: 'CVE-K', dateAdded: '2022-04-06', dueDate: '2022-04-27', requiredAction: 'Apply updates per vendor instructions.', knownRansomwareCampaignUse: 'Unknown', vulnerabilityName: 'x' };
  const epss = (score: number, percentile: number) => ({ id: 'CVE-E', score, percentile, date: '2026-11-30' });
  const listed = { ...m('CVE-K', 'Low'), kev };
  const likely = { ...m('CVE-E', 'Low'), epss: epss(0.61, 0.98) };
  const unlikely = { ...m('CVE-F', 'Low'), epss: epss(0.01, 0.4) };
  const all = [listed, likely, unlikely, m('CVE-N', 'Low')];

  it('reads both from a policy file, a bare EPSS number being a score', () => {
    expect(parsePolicy('failOnKev: true\nfailOnEpss: 0.5\n', 'p')).toMatchObject({ failOnKev: true, failOnEpss: { score: 0.5 } });
    expect(parsePolicy('failOnEpss: {percentile: 0.95}\n', 'p')).toMatchObject({ failOnKev: false, failOnEpss: { percentile: 0.95 } });
    expect(parsePolicy('failOnEpss: {score: 0.2, percentile: 0.9}\n', 'p').failOnEpss).toEqual({ score: 0.2, percentile: 0.9 });
    expect(parsePolicy('', 'p')).toMatchObject({ failOnKev: false, failOnEpss: null });
  });

  it('refuses thresholds outside 0-1, an empty object and unknown keys, naming the field', () => {
    expect(() => parsePolicy('failOnEpss: 50\n', 'p.yaml')).toThrow(/^p\.yaml: failOnEpss: /);
    expect(() => parsePolicy('failOnEpss: {}\n', 'p.yaml')).toThrow(/give a score, a percentile, or both/);
    expect(() => parsePolicy('failOnEpss: {pct: 0.9}\n', 'p.yaml')).toThrow(/^p\.yaml: failOnEpss/);
    expect(() => parsePolicy('failOnKev: yes please\n', 'p.yaml')).toThrow(/^p\.yaml: failOnKev: /);
  });

  it('reads --fail-on-epss', () => {
    expect(parseEpssFlag('0.5')).toEqual({ score: 0.5 });
    expect(parseEpssFlag('percentile:0.95')).toEqual({ percentile: 0.95 });
    expect(parseEpssFlag('score:0.2,percentile:.9')).toEqual({ score: 0.2, percentile: 0.9 });
    expect(() => parseEpssFlag('1.5')).toThrow(/--fail-on-epss 1\.5: "1\.5" is not a number from 0 to 1/);
    expect(() => parseEpssFlag('high')).toThrow(/INPUT_INVALID|is not a number/);
  });

  it('fails KEV-listed matches and those at or above the EPSS gate, whatever their severity, saying why', () => {
    const v = evaluatePolicy(all, parsePolicy('failOn: Critical\nfailOnKev: true\nfailOnEpss: {score: 0.5, percentile: 0.95}\n', 'p'), now);
    expect(v.violations.map((x) => x.vulnId)).toEqual(['CVE-K', 'CVE-E']);
    expect(v.violations.map((x) => v.reasons.get(x))).toEqual([['KEV (listed 2022-04-06)'], ['EPSS score 0.61 >= 0.5', 'EPSS percentile 0.98 >= 0.95']]);
    expect(v.policy).toMatchObject({ failOnKev: true, failOnEpss: { score: 0.5, percentile: 0.95 } });
    // Without the gates the same matches pass (they are Low), and the gate is inclusive.
    expect(evaluatePolicy(all, parsePolicy('failOn: Critical\n', 'p'), now).pass).toBe(true);
    expect(evaluatePolicy([likely], parsePolicy('failOn: none\nfailOnEpss: 0.61\n', 'p'), now).pass).toBe(false);
    expect(evaluatePolicy([likely], parsePolicy('failOn: none\nfailOnEpss: 0.62\n', 'p'), now).pass).toBe(true);
  });

  it('keeps the allowlist: an allowed match never fails, whichever rule it would break', () => {
    const v = evaluatePolicy(all, parsePolicy('failOn: Low\nfailOnKev: true\nallowlist:\n  - {id: CVE-K, reason: mitigated}\n', 'p'), now);
    expect(v.allowed.map((a) => a.match.vulnId)).toEqual(['CVE-K']);
    expect(v.violations.map((x) => x.vulnId)).toEqual(['CVE-E', 'CVE-F', 'CVE-N']);
    expect(v.reasons.get(listed)).toBeUndefined();
  });

  it('names a severity taken from NVD in the reason, and the groups a policy cannot be judged without', () => {
    const fromNvd = { ...m('CVE-H', 'High'), severitySource: 'nvd' as const };
    const v = evaluatePolicy([fromNvd], defaultPolicy(), now);
    expect(v.reasons.get(fromNvd)).toEqual(['severity High (NVD)']);
    expect(policyNeeds(defaultPolicy())).toEqual([]);
    expect(policyNeeds(parsePolicy('failOnKev: true\nfailOnEpss: 0.1\n', 'p'))).toEqual(['epss:scores', 'kev:catalog']);
  });
});
