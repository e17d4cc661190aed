/** Policy files (JSON and YAML), the severity gate, allowlists and their expiry. */
import { describe, expect, it } from 'vitest';
import { isAirfeedError } from '../../../drivers/_framework/errors.ts';
import type { Severity } from '../../../drivers/_framework/record.ts';
import type { Match } from '../../../engine-client/match/match.ts';
import { defaultPolicy, evaluatePolicy, parsePolicy } from '../../../engine-client/policy/policy.ts';

function m(vulnId: string, severity: Severity, pkg = 'libcrypto3', matchedName = 'openssl'): Match {
  return {
    package: pkg, installedVersion: '1', kind: 'apk', matchedBy: 'package', matchedName, matchedVersion: '1', vulnId, severity,
    severitySource: severity === 'Unknown' ? null : 'record', cvss: null, kev: null, epss: null, fixedVersion: '2', group: 'alpine:3.20', link: null, location: 'x',
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
});
