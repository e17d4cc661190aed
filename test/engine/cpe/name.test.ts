/** CPE names: 2.3 formatted strings and 2.2 URIs unbound, attributes compared as NIST IR 7696 does (plus the ANY-target leniency), targets indexed. */
import { describe, expect, it } from 'vitest';
import { attributeMatches, CpeError, parseCpe, valueText, vendorProductKey } from '../../../engine-client/cpe/name.ts';
import { cpeTargets } from '../../../engine-client/cpe/targets.ts';

const text = (cpe: string): string[] => Object.values(parseCpe(cpe)).map(valueText);

describe('parseCpe', () => {
  it('unbinds a formatted string: quoting, ANY, NA, lower case', () => {
    expect(text('cpe:2.3:a:haxx:curl:8.9.1:*:*:*:*:*:*:*')).toEqual(['a', 'haxx', 'curl', '8.9.1', '*', '*', '*', '*', '*', '*', '*']);
    expect(text('cpe:2.3:a:sudo_project:sudo:1.9.5:-:*:*:*:*:*:*').slice(3, 5)).toEqual(['1.9.5', '-']);
    // As NVD quotes them: a slash in a product, a tilde in a Debian version (syft's SPDX).
    expect(text('cpe:2.3:a:beyondtrust:privilege_management_for_unix\\/linux:*:*:*:*:basic:*:*:*').slice(2, 3)).toEqual(['privilege_management_for_unix/linux']);
    expect(text('cpe:2.3:a:libssl3:libssl3:3.0.11-1\\~deb12u2:*:*:*:*:*:*:*')[3]).toBe('3.0.11-1~deb12u2');
    expect(text('cpe:2.3:a:openssl-libs:openssl-libs:1\\:3.0.7-27.el9.0.2:*:*:*:*:*:*:*')[3]).toBe('1:3.0.7-27.el9.0.2');
    expect(text('cpe:2.3:A:Oracle:OpenJDK:17.0.12:*:*:*:*:*:*:*').slice(0, 3)).toEqual(['a', 'oracle', 'openjdk']);
  });

  it('unbinds a 2.2 URI, packed edition included', () => {
    expect(text('cpe:/o:rocky:rocky:9::baseos')).toEqual(['o', 'rocky', 'rocky', '9', '*', 'baseos', '*', '*', '*', '*', '*']);
    expect(text('cpe:/a:vendor:product:1.0:-:~~~node.js~~')).toEqual(['a', 'vendor', 'product', '1.0', '-', '*', '*', '*', 'node.js', '*', '*']);
    expect(text('cpe:/a:foo%21:bar')[1]).toBe('foo!');
  });

  it('refuses what is not a CPE name, saying why', () => {
    expect(() => parseCpe('pkg:npm/lodash@4.17.20')).toThrow(CpeError);
    expect(() => parseCpe('cpe:2.3:a:haxx:curl:8.9.1')).toThrow(/11 attributes after "cpe:2.3:", this one 4/);
    expect(() => parseCpe('cpe:2.3:x:haxx:curl:*:*:*:*:*:*:*:*')).toThrow(/the part must be a, o or h/);
  });
});

describe('attributeMatches (criterion, component)', () => {
  const attr = (v: string) => parseCpe(`cpe:2.3:a:${v}:p:*:*:*:*:*:*:*:*`).vendor;
  it('ANY on either side matches; NA only NA; values by equality or the criterion wildcards', () => {
    expect(attributeMatches(attr('*'), attr('haxx'))).toBe(true);
    expect(attributeMatches(attr('haxx'), attr('*'))).toBe(true);
    expect(attributeMatches(attr('-'), attr('-'))).toBe(true);
    expect(attributeMatches(attr('-'), attr('haxx'))).toBe(false);
    expect(attributeMatches(attr('haxx'), attr('-'))).toBe(false);
    expect(attributeMatches(attr('haxx'), attr('HAXX'))).toBe(true);
    expect(attributeMatches(attr('haxx'), attr('curl'))).toBe(false);
    expect(attributeMatches(attr('ha?x'), attr('haxx'))).toBe(true);
    expect(attributeMatches(attr('ha*'), attr('haxx'))).toBe(true);
    expect(attributeMatches(attr('ha\\*'), attr('haxx'))).toBe(false);
  });

  it('keys names by vendor:product, not wildcard ones', () => {
    expect(vendorProductKey(parseCpe('cpe:2.3:a:haxx:curl:*:*:*:*:*:*:*:*'))).toBe('haxx:curl');
    expect(vendorProductKey(parseCpe('cpe:2.3:a:*:curl:*:*:*:*:*:*:*:*'))).toBeUndefined();
  });
});

describe('cpeTargets', () => {
  it("indexes a record's vulnerable criteria by part, vendor and product, once each, not platforms", () => {
    const record = {
      configurations: [
        { nodes: [{ operator: 'OR', negate: false, cpeMatch: [
          { vulnerable: true, criteria: 'cpe:2.3:a:sudo_project:sudo:*:*:*:*:*:*:*:*', matchCriteriaId: 'A' },
          { vulnerable: true, criteria: 'cpe:2.3:a:sudo_project:sudo:1.9.5:-:*:*:*:*:*:*', matchCriteriaId: 'B' },
          { vulnerable: true, criteria: 'cpe:2.3:a:beyondtrust:privilege_management_for_unix\\/linux:*:*:*:*:basic:*:*:*', matchCriteriaId: 'C' },
        ] }] },
        { operator: 'AND', nodes: [
          { operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:o:synology:skynas_firmware:-:*:*:*:*:*:*:*', matchCriteriaId: 'D' }] },
          { operator: 'OR', negate: false, cpeMatch: [{ vulnerable: false, criteria: 'cpe:2.3:h:synology:skynas:-:*:*:*:*:*:*:*', matchCriteriaId: 'E' }] },
        ] },
      ],
    };
    expect(cpeTargets(record)).toEqual([
      { part: 'a', vendor: 'beyondtrust', product: 'privilege_management_for_unix/linux' },
      { part: 'a', vendor: 'sudo_project', product: 'sudo' },
      { part: 'o', vendor: 'synology', product: 'skynas_firmware' },
    ]);
    expect(cpeTargets({ fixedIn: [] })).toEqual([]);
  });
});
