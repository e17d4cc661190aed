/**
 * The Red Hat fixture mirror (test/fixtures/drivers/redhat/): small documents written in the real
 * shape (redhat-vex.ts) covering what the driver must handle: several products and minor streams, all
 * four statuses, `no_fix_planned`, a deferred fix, an EUS-only fix, a module stream, a document
 * with no RHEL product, a major where every product is not affected, a change after the archive and
 * a deletion. Rebuild with `npx tsx test/helpers/redhat-fixture.ts` (needs GNU tar and zstd).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { changeList, docPath, type VexSpec, vexDocument, writeArchive, writeDocs } from './redhat-vex.ts';

export const FIXTURE_ARCHIVE = 'csaf_vex_2024-03-01.tar.zst';

const EL9 = 'cpe:/o:redhat:enterprise_linux:9::baseos';
const EL9_APP = 'cpe:/a:redhat:enterprise_linux:9::appstream';
const EL8_APP = 'cpe:/a:redhat:enterprise_linux:8::appstream';
const CVSS_HIGH = { vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 8.1, severity: 'HIGH' };

/** CVE-2024-1001 in the archive: fixed in 9.3 (main), 9.2 (main while current, EUS after), 9.0 EUS; not affected on 8; investigated on 10. */
export const CURL: VexSpec = {
  cve: 'CVE-2024-1001', impact: 'Important', cvss3: CVSS_HIGH, cwe: 'CWE-787',
  fixed: [
    { platform: 'BaseOS-9.3.0.Z.MAIN', cpe: EL9, platformName: 'Red Hat Enterprise Linux BaseOS (v. 9)', name: 'curl', evr: '0:7.76.1-26.el9_3.2', advisory: 'RHSA-2024:1001', binaries: ['curl', 'libcurl', 'curl-minimal'] },
    { platform: 'BaseOS-9.2.0.Z.MAIN.EUS', cpe: EL9, name: 'curl', evr: '0:7.76.1-23.el9_2.4', advisory: 'RHSA-2024:1002', binaries: ['libcurl'] },
    { platform: 'BaseOS-9.0.0.Z.EUS', cpe: 'cpe:/o:redhat:rhel_eus:9.0::baseos', name: 'curl', evr: '0:7.76.1-14.el9_0.9', advisory: 'RHSA-2024:1003' },
  ],
  unfixed: [
    { platform: 'red_hat_enterprise_linux_8', cpe: 'cpe:/o:redhat:enterprise_linux:8', name: 'curl', status: 'known_not_affected' },
    { platform: 'red_hat_enterprise_linux_10', cpe: 'cpe:/o:redhat:enterprise_linux:10', name: 'curl', status: 'under_investigation' },
  ],
};

/** CVE-2024-1001 as changed after the archive: fixed on 10 now. */
export const CURL_CHANGED: VexSpec = {
  ...CURL,
  current: '2024-03-05T10:00:00+00:00',
  unfixed: [CURL.unfixed?.[0] as NonNullable<VexSpec['unfixed']>[number]],
  fixed: [...(CURL.fixed ?? []), { platform: 'BaseOS-10.0.Z', cpe: 'cpe:/o:redhat:enterprise_linux:10::baseos', name: 'curl', evr: '0:8.9.1-5.el10_0', advisory: 'RHSA-2024:1010' }],
};

/** CVE-2024-1002: nodejs in the nodejs:18 stream fixed, nodejs:20 affected (RHEL 8); the non-module nodejs on RHEL 9 fixed. */
export const NODEJS: VexSpec = {
  cve: 'CVE-2024-1002', impact: 'Moderate', cvss3: { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', score: 7.5, severity: 'HIGH' },
  fixed: [
    {
      platform: 'AppStream-8.9.0.Z.MAIN', cpe: EL8_APP, name: 'nodejs', evr: '1:18.19.1-1.module+el8.9.0+21378+e0b4bc3c', advisory: 'RHSA-2024:1100',
      module: { name: 'nodejs', stream: '18', version: '8090020240222122315', context: 'a75119d5' }, binaries: ['nodejs', 'npm'],
    },
    { platform: 'AppStream-9.3.0.Z.MAIN', cpe: EL9_APP, name: 'nodejs', evr: '1:16.20.2-4.el9_3', advisory: 'RHSA-2024:1101' },
  ],
  unfixed: [
    { platform: 'red_hat_enterprise_linux_8', cpe: 'cpe:/o:redhat:enterprise_linux:8', name: 'nodejs', status: 'known_affected', module: { name: 'nodejs', stream: '20' }, remediation: { category: 'none_available', details: 'Affected' } },
  ],
};

/** CVE-2024-1003: openssl affected everywhere: out of support on 7, deferred on 8, fix coming on 9. */
export const OPENSSL: VexSpec = {
  cve: 'CVE-2024-1003', impact: 'Low',
  unfixed: [
    { platform: 'red_hat_enterprise_linux_7', cpe: 'cpe:/o:redhat:enterprise_linux:7', name: 'openssl', status: 'known_affected', remediation: { category: 'no_fix_planned', details: 'Out of support scope' } },
    { platform: 'red_hat_enterprise_linux_8', cpe: 'cpe:/o:redhat:enterprise_linux:8', name: 'openssl', status: 'known_affected', remediation: { category: 'none_available', details: 'Deferred' } },
    { platform: 'red_hat_enterprise_linux_9', cpe: 'cpe:/o:redhat:enterprise_linux:9', name: 'openssl', status: 'known_affected', remediation: { category: 'none_available', details: 'Affected' } },
  ],
};

/** CVE-2024-1004: kernel fixed only in the 8.6 EUS stream. */
export const KERNEL_EUS: VexSpec = {
  cve: 'CVE-2024-1004', impact: 'Moderate', cvss3: { vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', score: 7.8, severity: 'HIGH' },
  fixed: [{ platform: 'BaseOS-8.6.0.Z.EUS', cpe: 'cpe:/o:redhat:rhel_eus:8.6::baseos', name: 'kernel', evr: '0:4.18.0-372.91.1.el8_6', advisory: 'RHSA-2024:1200', binaries: ['kernel-core'] }],
};

/** CVE-2024-1005: an OpenShift container only: no RHEL record. */
export const CONTAINER_ONLY: VexSpec = {
  cve: 'CVE-2024-1005', impact: 'Important',
  containers: [{ platform: '9Base-RHOSE-4.15', cpe: 'cpe:/a:redhat:openshift:4.15::el9', image: 'openshift4/ose-cli', tag: 'v4.15.0-202403010000.p0' }],
};

/** CVE-2024-1006: in the archive, deleted afterwards. */
export const GLIBC: VexSpec = {
  cve: 'CVE-2024-1006', impact: 'Moderate',
  fixed: [{ platform: 'BaseOS-9.3.0.Z.MAIN', cpe: EL9, name: 'glibc', evr: '0:2.34-83.el9_3.12', advisory: 'RHSA-2024:1300' }],
};

/** CVE-2024-1007: new after the archive: not affected on 9 and 10 (a major where every product is not affected). */
export const BASH: VexSpec = {
  cve: 'CVE-2024-1007', impact: 'Low',
  unfixed: [
    { platform: 'red_hat_enterprise_linux_9', cpe: 'cpe:/o:redhat:enterprise_linux:9', name: 'bash', status: 'known_not_affected' },
    { platform: 'red_hat_enterprise_linux_10', cpe: 'cpe:/o:redhat:enterprise_linux:10', name: 'bash', status: 'known_not_affected' },
  ],
};

/** Writes the fixture mirror into `dir`. */
export async function writeFixtureMirror(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  await writeArchive(dir, FIXTURE_ARCHIVE, [CURL, NODEJS, OPENSSL, KERNEL_EUS, CONTAINER_ONLY, GLIBC].map(vexDocument));
  await fs.writeFile(path.join(dir, 'archive_latest.txt'), `${FIXTURE_ARCHIVE}\n`);
  await writeDocs(dir, [CURL_CHANGED, BASH].map(vexDocument));
  await fs.writeFile(path.join(dir, 'changes.csv'), changeList([
    { path: docPath(CURL.cve), time: '2024-03-05T10:00:00+00:00' },
    { path: docPath(BASH.cve), time: '2024-03-06T08:30:00+00:00' },
    // Changed before the archive was made: already in it, not taken again.
    { path: docPath(OPENSSL.cve), time: '2024-02-28T12:00:00+00:00' },
  ]));
  await fs.writeFile(path.join(dir, 'deletions.csv'), changeList([{ path: docPath(GLIBC.cve), time: '2024-03-04T09:00:00+00:00' }]));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFixtureMirror(path.resolve(import.meta.dirname, '../fixtures/drivers/redhat'));
}
