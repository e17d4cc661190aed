/** Package URLs: parsing per the purl spec, and what the engine takes from them. */
import { describe, expect, it } from 'vitest';
import { parsePurl, purlDistro, purlPackage, purlSource, PurlError } from '../../../engine-client/inputs/purl.ts';

describe('parsePurl', () => {
  it('splits type, namespace, name, version, qualifiers and subpath, percent-decoded', () => {
    expect(parsePurl('pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.0')).toStrictEqual({
      type: 'apk', namespace: 'alpine', name: 'musl', version: '1.2.4-r2', qualifiers: { arch: 'x86_64', distro: 'alpine-3.19.0' },
    });
    expect(parsePurl('pkg:npm/%40babel/core@7.0.0')).toStrictEqual({ type: 'npm', namespace: '@babel', name: 'core', version: '7.0.0', qualifiers: {} });
    expect(parsePurl('pkg:golang/google.golang.org/genproto@v0.0.0-2023#googleapis/api/annotations')).toStrictEqual({
      type: 'golang', namespace: 'google.golang.org', name: 'genproto', version: 'v0.0.0-2023', qualifiers: {}, subpath: 'googleapis/api/annotations',
    });
    expect(parsePurl('PKG:NPM/lodash')).toStrictEqual({ type: 'npm', name: 'lodash', qualifiers: {} });
  });

  it('does not take an @ in the namespace for the version separator', () => {
    expect(parsePurl('pkg:npm/@babel/core')).toStrictEqual({ type: 'npm', namespace: '@babel', name: 'core', qualifiers: {} });
  });

  it.each([
    ['npm/lodash@4.17.21', 'it does not start with "pkg:"'],
    ['pkg:npm', 'no name'],
    ['pkg:', 'no type'],
    // pkg:// and pkg:/ are read as pkg: (the spec tolerates the slashes), so lodash is the type
    ['pkg:/lodash', 'no name'],
    ['pkg:n%pm/x', 'type "n%pm" is not valid'],
    ['pkg:npm/lo%zzdash', 'bad percent-encoding in "lo%zzdash"'],
    ['pkg:npm/x@1?arch', 'qualifier "arch" is not key=value'],
  ])('rejects %j: %s', (text, reason) => {
    const err = (() => {
      try {
        parsePurl(text);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(PurlError);
    expect((err as PurlError).message).toBe(`${JSON.stringify(text)} is not a package URL: ${reason}`);
  });
});

describe('purlPackage', () => {
  const pkg = (s: string) => purlPackage(parsePurl(s));

  it('names packages the way each ecosystem does', () => {
    expect(pkg('pkg:npm/%40babel/core@7.0.0')).toStrictEqual({ kind: 'npm', name: '@babel/core', version: '7.0.0' });
    expect(pkg('pkg:maven/org.apache.commons/commons-text@1.10.0')).toStrictEqual({ kind: 'maven', name: 'org.apache.commons:commons-text', version: '1.10.0' });
    expect(pkg('pkg:golang/github.com/gorilla/mux@v1.8.1')).toStrictEqual({ kind: 'go', name: 'github.com/gorilla/mux', version: 'v1.8.1' });
    expect(pkg('pkg:composer/guzzlehttp/guzzle@7.8.1')).toStrictEqual({ kind: 'composer', name: 'guzzlehttp/guzzle', version: '7.8.1' });
    expect(pkg('pkg:pypi/django@4.2.7')).toStrictEqual({ kind: 'pypi', name: 'django', version: '4.2.7' });
    expect(pkg('pkg:gem/rails@7.1.2')).toStrictEqual({ kind: 'gem', name: 'rails', version: '7.1.2' });
    expect(pkg('pkg:nuget/Newtonsoft.Json@13.0.1')).toStrictEqual({ kind: 'nuget', name: 'Newtonsoft.Json', version: '13.0.1' });
    expect(pkg('pkg:cargo/serde@1.0.193')).toStrictEqual({ kind: 'cargo', name: 'serde', version: '1.0.193' });
    expect(pkg('pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64')).toStrictEqual({ kind: 'deb', name: 'libssl3', version: '3.0.11-1~deb12u2' });
  });

  it('puts the rpm epoch qualifier into the version, and drops epoch 0', () => {
    expect(pkg('pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&upstream=openssl-3.0.7-27.el9.src.rpm&distro=rhel-9.4&epoch=1')).toStrictEqual({
      kind: 'rpm', name: 'openssl-libs', version: '1:3.0.7-27.el9',
    });
    expect(pkg('pkg:rpm/redhat/bash@5.1.8-9.el9?epoch=0')).toStrictEqual({ kind: 'rpm', name: 'bash', version: '5.1.8-9.el9' });
  });

  it('has nothing for types the engine does not match', () => {
    expect(pkg('pkg:generic/node@20.17.0')).toBeUndefined();
    expect(pkg('pkg:oci/debian@sha256%3Aabc')).toBeUndefined();
  });
});

describe('purlSource and purlDistro', () => {
  it('reads upstream per distro type', () => {
    const deb = parsePurl('pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl&distro=debian-12');
    expect(purlSource(deb, '3.0.11-1~deb12u2')).toStrictEqual({ name: 'openssl' });
    const debV = parsePurl('pkg:deb/debian/postgresql@15%2B248?upstream=postgresql-common%40248');
    expect(purlSource(debV, '15+248')).toStrictEqual({ name: 'postgresql-common', version: '248' });
    const rpm = parsePurl('pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?upstream=openssl-3.0.7-27.el9.src.rpm&epoch=1');
    expect(purlSource(rpm, '1:3.0.7-27.el9')).toStrictEqual({ name: 'openssl', version: '1:3.0.7-27.el9' });
    const apk = parsePurl('pkg:apk/alpine/libcrypto3@3.3.2-r0?upstream=openssl');
    expect(purlSource(apk, '3.3.2-r0')).toStrictEqual({ name: 'openssl' });
    expect(purlSource(parsePurl('pkg:npm/x@1?upstream=y'), '1')).toBeUndefined();
  });

  it('reads the distro qualifier, including a bare codename', () => {
    expect(purlDistro(parsePurl('pkg:apk/alpine/musl@1.2.4-r2?distro=alpine-3.19.0'))).toStrictEqual({ id: 'alpine', release: '3.19' });
    expect(purlDistro(parsePurl('pkg:rpm/redhat/x@1-1?distro=rhel-9.4'))).toStrictEqual({ id: 'rhel', release: '9' });
    expect(purlDistro(parsePurl('pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie'))).toStrictEqual({ id: 'debian', release: '8' });
    expect(purlDistro(parsePurl('pkg:deb/ubuntu/curl@7.81.0-1?distro=ubuntu-22.04'))).toStrictEqual({ id: 'ubuntu', release: '22.04' });
    expect(purlDistro(parsePurl('pkg:npm/x@1?distro=alpine-3.19'))).toBeUndefined();
  });
});
