/** os-release files, distro names from SBOMs, and the --distro flag, as feed namespaces. */
import { describe, expect, it } from 'vitest';
import { distroFrom, distroNamespace, parseDistroFlag, parseOsRelease, readOsRelease } from '../../../engine-client/inputs/os-release.ts';
import { fixture, rejection, thrown } from './helpers.ts';

describe('os-release files', () => {
  it.each([
    ['os-release-alpine-3.20', 'alpine:3.20'],
    ['os-release-alpine-edge', 'alpine:edge'],
    ['os-release-debian-12', 'debian:12'],
    ['os-release-debian-trixie', 'debian:unstable'],
    ['os-release-ubuntu-22.04', 'ubuntu:22.04'],
    ['os-release-rhel-9.4', 'rhel:9'],
    ['os-release-rocky-9.3', 'rhel:9'],
  ])('%s is %s', async (name, namespace) => {
    expect(distroNamespace(await readOsRelease(fixture(name)))).toBe(namespace);
  });

  it('gives the Distro object, not just the namespace', async () => {
    expect(await readOsRelease(fixture('os-release-alpine-3.20'))).toStrictEqual({ id: 'alpine', release: '3.20' });
  });

  it('reads single quotes, escapes, comments and blank lines', () => {
    expect(parseOsRelease("# comment\n\nID='centos'\nVERSION_ID=\"7\"\nPRETTY_NAME=\"Cent\\\"OS\\\" 7\"\n", 'f')).toStrictEqual({ id: 'rhel', release: '7', rebuild: 'centos' });
  });

  it('rejects a line that is not KEY=value and an unterminated quote, naming file and line', async () => {
    const bad = fixture('os-release-bad');
    expect(thrown(() => parseOsRelease('ID=alpine\nVERSION_ID="3.20', 'os')).message).toBe('os:2: value "\\"3.20" has no closing "');
    const err = await rejection(readOsRelease(bad));
    expect(err.message).toBe(`${bad}:3: line "this line is not an assignment" is not KEY=value`);
  });

  it('says the distro is unknown without ID, or without VERSION_ID where one is needed', () => {
    expect(thrown(() => parseOsRelease('NAME="Something"\n', 'os'), 'SCAN_DISTRO_UNKNOWN').message).toBe('os: has no ID=, so the distro is unknown');
    expect(thrown(() => parseOsRelease('ID=ubuntu\n', 'os'), 'SCAN_DISTRO_UNKNOWN').message).toBe('os: ID=ubuntu has no VERSION_ID, so the release is unknown');
  });
});

describe('distroFrom', () => {
  it.each([
    ['alpine', '3.20.3', {}, 'alpine:3.20'],
    ['alpine', '3.19.0', {}, 'alpine:3.19'],
    ['alpine', '3.21_alpha20240807', {}, 'alpine:edge'],
    ['alpine', '3.21.0', { prettyName: 'Alpine Linux edge' }, 'alpine:edge'],
    ['Alpine', 'edge', {}, 'alpine:edge'],
    ['debian', '12', {}, 'debian:12'],
    ['debian', '12.7', {}, 'debian:12'],
    ['debian', 'bookworm', {}, 'debian:12'],
    ['debian', 'sid', {}, 'debian:unstable'],
    ['debian', undefined, {}, 'debian:unstable'],
    ['ubuntu', '22.04', {}, 'ubuntu:22.04'],
    ['ubuntu', '24.04.1', {}, 'ubuntu:24.04'],
    ['ubuntu', 'jammy', {}, 'ubuntu:22.04'],
    ['rhel', '9.4', {}, 'rhel:9'],
    ['centos', '7', {}, 'rhel:7'],
    ['rocky', '8.10', {}, 'rhel:8'],
    ['almalinux', '9.4', {}, 'rhel:9'],
    ['circle', '8.9', { idLike: ['rhel', 'fedora'] }, 'rhel:8'],
    ['ol', '8.9', { idLike: ['fedora'] }, 'ol:8'],
    ['amzn', '2023', {}, 'amzn:2023'],
    ['wolfi', '20230201', {}, 'wolfi:20230201'],
    ['fedora', '40', {}, 'fedora:40'],
  ] as const)('%s %s %j → %s', (id, version, hints, namespace) => {
    const d = distroFrom(id, version, hints);
    expect(d && distroNamespace(d)).toBe(namespace);
  });

  it('cannot tell a release without a version (except Debian)', () => {
    expect(distroFrom('alpine', undefined)).toBeUndefined();
    expect(distroFrom('rhel', '')).toBeUndefined();
    expect(distroFrom('', '12')).toBeUndefined();
  });
});

describe('--distro flag', () => {
  it('reads id:release and normalizes it like os-release', () => {
    expect(parseDistroFlag('alpine:3.20')).toStrictEqual({ id: 'alpine', release: '3.20' });
    expect(parseDistroFlag('alpine:3.20.3')).toStrictEqual({ id: 'alpine', release: '3.20' });
    expect(parseDistroFlag('alpine:edge')).toStrictEqual({ id: 'alpine', release: 'edge' });
    expect(parseDistroFlag('debian:unstable')).toStrictEqual({ id: 'debian', release: 'unstable' });
    expect(parseDistroFlag('rocky:9.4')).toStrictEqual({ id: 'rhel', release: '9', rebuild: 'rocky' });
    expect(parseDistroFlag(' ubuntu:22.04 ')).toStrictEqual({ id: 'ubuntu', release: '22.04' });
  });

  it.each(['alpine', 'alpine:', ':3.20', 'alpine 3.20', 'alpine:3.20:x'])('rejects %j', (text) => {
    expect(thrown(() => parseDistroFlag(text), 'INPUT_INVALID').message).toBe(`--distro ${JSON.stringify(text)}: expected <id>:<release>, e.g. alpine:3.20 or debian:12`);
  });
});
