/**
 * dpkg matching against the traps real Debian and Ubuntu systems hold (DESIGN.md, "source packages"):
 * binaries matched by source at the source version, binNMUs, epochs on binaries only, versions dpkg
 * compares with only a warning, the record's states, and fixes published only in Ubuntu Pro. Rows are
 * written by hand here; store-backed scans are in test/engine/scan-debian-ubuntu.test.ts. The last
 * block checks the dpkg status parser against dpkg-query on this machine, and the comparator against
 * `dpkg --compare-versions`, when they are there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FixState } from '../../../drivers/_framework/record.ts';
import { dpkg } from '../../../drivers/_framework/versions/dpkg.ts';
import { parseDpkgStatus } from '../../../engine-client/inputs/dpkg-status.ts';
import { parsePurl, purlSource } from '../../../engine-client/inputs/purl.ts';
import type { InstalledPackage, Inventory } from '../../../engine-client/inputs/types.ts';
import { matchInventory, matchKey } from '../../../engine-client/match/match.ts';
import type { AffectedRow } from '../../../engine-client/store/types.ts';
import { haveCommand, skipUnless } from '../../helpers/skip.ts';

function row(group: string, vulnId: string, pkg: string, state: FixState, fixed: string | null, channel: string | null = null): AffectedRow {
  return { group, vulnId, package: pkg, scheme: 'dpkg', state, fixed, ranges: null, versions: null, channel, severity: 'Medium', link: null };
}

function deb(name: string, version: string, source?: { name: string; version?: string }): InstalledPackage {
  return { kind: 'deb', name, version, location: `status:${name}`, ...(source ? { source } : {}) };
}

const DEBIAN_12 = { id: 'debian', release: '12' };
const JAMMY = { id: 'ubuntu', release: '22.04' };

function run(rows: AffectedRow[], packages: InstalledPackage[], distro: { id: string; release: string }, ubuntuPro?: boolean) {
  const inv: Inventory = { file: 'status', format: 'dpkg-status', packages, distro };
  return matchInventory(inv, {
    lookup: async (group, names) => rows.filter((r) => r.group === group && names.includes(r.package)),
    available: new Set(rows.map((r) => r.group)),
    ...(ubuntuPro ? { ubuntuPro } : {}),
  });
}

describe('binary and source traps', () => {
  it('a binary whose epoch its source lacks is compared at the source version (libbpf1 1:1.1.2-0+deb12u1 from libbpf 1.1.2-0+deb12u1)', async () => {
    const rows = [row('debian:12', 'CVE-2099-0001', 'libbpf', 'fixed', '1.1.2-0+deb12u2')];
    const r = await run(rows, [deb('libbpf1', '1:1.1.2-0+deb12u1', { name: 'libbpf', version: '1.1.2-0+deb12u1' })], DEBIAN_12);
    // By the binary's version (epoch 1) the fix would look installed long ago: a miss.
    expect(dpkg.compare('1:1.1.2-0+deb12u1', '1.1.2-0+deb12u2')).toBe(1);
    expect(r.matches.map((m) => [m.package, m.matchedName, m.matchedVersion, m.fixedVersion])).toEqual([['libbpf1', 'libbpf', '1.1.2-0+deb12u1', '1.1.2-0+deb12u2']]);
  });

  it('an SBOM says the same through syft\'s purl qualifier: upstream=libbpf@1.1.2-0+deb12u1 on libbpf1 1:1.1.2-0+deb12u1', async () => {
    const purl = parsePurl('pkg:deb/debian/libbpf1@1%3A1.1.2-0%2Bdeb12u1?arch=amd64&upstream=libbpf%401.1.2-0%2Bdeb12u1&distro=debian-12');
    const source = purlSource(purl, '1:1.1.2-0+deb12u1');
    expect(source).toEqual({ name: 'libbpf', version: '1.1.2-0+deb12u1' });
    const rows = [row('debian:12', 'CVE-2099-0001', 'libbpf', 'fixed', '1.1.2-0+deb12u2')];
    const r = await run(rows, [deb('libbpf1', '1:1.1.2-0+deb12u1', source)], DEBIAN_12);
    expect(r.matches.map((m) => m.matchedVersion)).toEqual(['1.1.2-0+deb12u1']);
  });

  it('a source with an epoch shared by its binaries keeps it (xserver-xorg-core 2:1.20.11-1+deb11u5 from xorg-server)', async () => {
    const rows = [row('debian:11', 'CVE-2023-1393', 'xorg-server', 'fixed', '2:1.20.11-1+deb11u6')];
    const r = await run(rows, [deb('xserver-xorg-core', '2:1.20.11-1+deb11u5', { name: 'xorg-server' })], { id: 'debian', release: '11' });
    expect(r.matches.map((m) => [m.matchedName, m.matchedVersion, m.fixedVersion])).toEqual([['xorg-server', '2:1.20.11-1+deb11u5', '2:1.20.11-1+deb11u6']]);
  });

  it('a binNMU suffix is the binary\'s only: bash 5.2.15-2+b8 is source 5.2.15-2', async () => {
    // A fix in a later binNMU-looking version of the source: the source version decides.
    const rows = [row('debian:12', 'CVE-2099-0002', 'bash', 'fixed', '5.2.15-2+b1'), row('debian:12', 'CVE-2099-0003', 'bash', 'fixed', '5.2.15-2')];
    const r = await run(rows, [deb('bash', '5.2.15-2+b8', { name: 'bash', version: '5.2.15-2' })], DEBIAN_12);
    expect(r.matches.map((m) => [m.vulnId, m.matchedVersion])).toEqual([['CVE-2099-0002', '5.2.15-2']]);
    // A dpkg status stanza without a Source: field: the parser takes the binNMU off all the same.
    const file = path.join(os.tmpdir(), `airfeed-binnmu-${process.pid}`);
    await fs.writeFile(file, 'Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b8\n');
    try {
      const inv = await parseDpkgStatus(file);
      expect(inv.packages[0]?.source).toEqual({ name: 'bash', version: '5.2.15-2' });
      const bare = await run(rows, inv.packages, DEBIAN_12);
      expect(bare.matches.map((m) => [m.vulnId, m.matchedVersion])).toEqual([['CVE-2099-0002', '5.2.15-2']]);
    } finally {
      await fs.rm(file, { force: true });
    }
  });

  it('a differently named source at its own version (postgresql 15+248+deb12u1 from postgresql-common 248+deb12u1)', async () => {
    const rows = [row('debian:12', 'CVE-2099-0004', 'postgresql-common', 'fixed', '248+deb12u2'), row('debian:12', 'CVE-2099-0005', 'postgresql', 'fixed', '16+1')];
    const r = await run(rows, [deb('postgresql', '15+248+deb12u1', { name: 'postgresql-common', version: '248+deb12u1' })], DEBIAN_12);
    // Looked up by source name only: the binary's own name (`postgresql`) names another source.
    expect(r.matches.map((m) => [m.vulnId, m.matchedName])).toEqual([['CVE-2099-0004', 'postgresql-common']]);
  });
});

describe('dpkg versions that dpkg compares with only a warning', () => {
  it.each([
    ['3.0!-5', '3.0-6', false],
    ['0.10.1_-7.2', '0.10.1_-7.3', true],
    ['٣1.7.0esr-1', '102.0esr-1', false],
  ])('%s against a fix in %s: compared, warned about, never a problem', async (installed, fixed, vulnerable) => {
    const r = await run([row('debian:12', 'CVE-2099-0010', 'foo', 'fixed', fixed)], [deb('foo', installed)], DEBIAN_12);
    expect(r.problems).toEqual([]);
    expect(r.matches.length).toBe(vulnerable ? 1 : 0);
    expect(r.warnings.some((w) => w.version === installed)).toBe(true);
  });

  it('a version dpkg refuses is a problem of the scan, never a guess', async () => {
    const r = await run([row('debian:12', 'CVE-2099-0011', 'foo', 'fixed', '1.0-1')], [deb('foo', '1:')], DEBIAN_12);
    expect(r.matches).toEqual([]);
    expect(r.problems.map((p) => p.message)).toEqual([expect.stringContaining('nothing after colon')]);
  });
});

describe('states', () => {
  it('not_affected never matches; will_not_fix, deferred, under_investigation match with no fix to recommend', async () => {
    const rows = [
      row('debian:12', 'CVE-A', 'zlib', 'not_affected', null),
      row('debian:12', 'CVE-B', 'zlib', 'will_not_fix', null),
      row('debian:12', 'CVE-C', 'zlib', 'deferred', null),
      row('debian:12', 'CVE-D', 'zlib', 'under_investigation', null),
      row('debian:12', 'CVE-E', 'zlib', 'affected', null),
      row('debian:12', 'CVE-F', 'zlib', 'fixed', '1:1.2.13.dfsg-2'),
    ];
    const r = await run(rows, [deb('zlib1g', '1:1.2.13.dfsg-1', { name: 'zlib' })], DEBIAN_12);
    expect(r.matches.map((m) => [m.vulnId, m.state, m.fixedVersion])).toEqual([
      ['CVE-B', 'will_not_fix', null],
      ['CVE-C', 'deferred', null],
      ['CVE-D', 'under_investigation', null],
      ['CVE-E', 'affected', null],
      ['CVE-F', 'fixed', '1:1.2.13.dfsg-2'],
    ]);
  });

  it('a will-not-fix entry with ranges does not turn its range end into a recommended fix', async () => {
    const rows: AffectedRow[] = [{ ...row('debian:12', 'CVE-G', 'zlib', 'will_not_fix', null), ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:9' }] }] }];
    const r = await run(rows, [deb('zlib1g', '1:1.2.13.dfsg-1', { name: 'zlib' })], DEBIAN_12);
    expect(r.matches.map((m) => [m.state, m.fixedVersion])).toEqual([['will_not_fix', null]]);
  });
});

describe('Ubuntu Pro', () => {
  const ESM = '1.12.0-1~ubuntu16.04.3+esm1';
  const xenial = { id: 'ubuntu', release: '16.04' };

  it('a fix only in Pro: no fix without Pro (the match stays), the fix with it; said either way', async () => {
    const rows = [row('ubuntu:16.04', 'CVE-2021-3782', 'wayland', 'fixed', ESM, 'esm-infra')];
    const pkgs = [deb('libwayland-client0', '1.12.0-1~ubuntu16.04.3', { name: 'wayland' })];
    const off = await run(rows, pkgs, xenial);
    expect(off.ubuntuPro).toEqual({ enabled: false, reason: 'no --ubuntu-pro, and no Ubuntu Pro (ESM) package in the input' });
    expect(off.matches.map((m) => [m.state, m.fixedVersion, m.unavailableFix])).toEqual([['fixed', null, { version: ESM, channel: 'esm-infra' }]]);
    const on = await run(rows, pkgs, xenial, true);
    expect(on.ubuntuPro?.enabled).toBe(true);
    expect(on.matches.map((m) => [m.fixedVersion, m.unavailableFix])).toEqual([[ESM, undefined]]);
    // Installed at the Pro fix (evidence of Pro on its own): nothing to report.
    const patched = await run(rows, [deb('libwayland-client0', ESM, { name: 'wayland' })], xenial);
    expect(patched.ubuntuPro?.reason).toMatch(/is an Ubuntu Pro \(ESM\) build$/);
    expect(patched.matches).toEqual([]);
  });

  it('a public fix and a later Pro fix: the public one is the fix without Pro, the Pro one also named', async () => {
    const rows = [row('ubuntu:22.04', 'CVE-X', 'openssl', 'fixed', '3.0.2-0ubuntu1.14'), row('ubuntu:22.04', 'CVE-X', 'openssl', 'fixed', '3.0.2-0ubuntu1.14+esm1', 'esm-infra')];
    const below = [deb('libssl3', '3.0.2-0ubuntu1.10', { name: 'openssl' })];
    const off = await run(rows, below, JAMMY);
    expect(off.matches.map((m) => [m.vulnId, m.fixedVersion, m.unavailableFix?.version])).toEqual([['CVE-X', '3.0.2-0ubuntu1.14', '3.0.2-0ubuntu1.14+esm1']]);
    expect((await run(rows, below, JAMMY, true)).matches.map((m) => [m.fixedVersion, m.unavailableFix])).toEqual([['3.0.2-0ubuntu1.14+esm1', undefined]]);
    // At the public fix, below the Pro one: still vulnerable, and only Pro has the fix.
    const atPublic = await run(rows, [deb('libssl3', '3.0.2-0ubuntu1.14', { name: 'openssl' })], JAMMY);
    expect(atPublic.matches.map((m) => [m.fixedVersion, m.unavailableFix?.channel])).toEqual([[null, 'esm-infra']]);
  });

  it('says nothing about Pro for a Debian scan with no channel in sight', async () => {
    const r = await run([row('debian:12', 'CVE-Y', 'bash', 'affected', null)], [deb('bash', '5.2.15-2')], DEBIAN_12);
    expect(r.ubuntuPro).toBeUndefined();
  });
});

const STATUS = '/var/lib/dpkg/status';
describe('against dpkg itself on this machine', skipUnless(existsSync(STATUS) && haveCommand('dpkg-query') && haveCommand('dpkg'), 'no dpkg database or dpkg tools on this machine'), () => {
  it('every installed package maps to the source name and version dpkg-query gives', async () => {
    const inv = await parseDpkgStatus(STATUS);
    const q = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Status}\\t${Package}:${Architecture}\\t${Version}\\t${source:Package}\\t${source:Version}\\n'], { encoding: 'utf8' });
    const want = q.stdout.trim().split('\n').map((l) => l.split('\t')).filter((f) => f[0] === 'installed').map((f) => `${f[2]} ${f[3]} ${f[4]}`).sort();
    const got = inv.packages.map((p) => {
      const k = matchKey(p);
      return `${p.version} ${k.name} ${k.version}`;
    }).sort();
    expect(got).toEqual(want);
  });

  it('orders this machine\'s source versions against tracker-style fixes exactly as dpkg --compare-versions does', () => {
    const versions = ['1:1.2.13.dfsg-1', '1.1.2-0+deb12u1', '2.36-9+deb12u4', '5.2.15-2', '5.2.15-2+b8', '3.0.11-1~deb12u2', '3.0.11-1', '115.2.1esr-1~deb12u1', '0.10.1_-7.2', '3.0!-5', '1.0~rc1-1', '1.0-1', '2:21.1.7-3'];
    const wrong: string[] = [];
    for (const a of versions) {
      for (const b of versions) {
        const lt = spawnSync('dpkg', ['--compare-versions', a, 'lt', b]).status === 0;
        const eq = spawnSync('dpkg', ['--compare-versions', a, 'eq', b]).status === 0;
        const want = lt ? -1 : eq ? 0 : 1;
        if (dpkg.compare(a, b) !== want) wrong.push(`${a} ${b}: ${want}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
