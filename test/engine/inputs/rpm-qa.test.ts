/** rpm -qa output: the --qf form with epoch and source rpm, the plain NEVRA fallback, and bad lines. */
import { describe, expect, it } from 'vitest';
import { parseInput } from '../../../engine-client/inputs/index.ts';
import { parseRpmQa, parseRpmQaLine } from '../../../engine-client/inputs/rpm-qa.ts';
import { fixture, rejection, withTempDir, writeTemp } from './helpers.ts';

describe('rpm -qa --qf', () => {
  const file = fixture('rpm-qa-qf.txt');

  it('lists packages with E:V-R only for a non-zero epoch, and the source rpm as source', async () => {
    const inv = await parseRpmQa(file);
    expect(inv.format).toBe('rpm-qa');
    const rows = inv.packages.map((p) => [p.name, p.version, p.source?.name, p.source?.version, p.location.slice(file.length + 1)]);
    expect(inv.packages.every((p) => p.kind === 'rpm' && p.location.startsWith(`${file}:`))).toBe(true);
    expect(rows).toStrictEqual([
      // line 1 is gpg-pubkey: skipped
      ['tzdata', '2024a-1.el9', 'tzdata', '2024a-1.el9', '2'],
      ['glibc-minimal-langpack', '2.34-100.el9_4.2', 'glibc', '2.34-100.el9_4.2', '3'],
      ['glibc-common', '2.34-100.el9_4.2', 'glibc', '2.34-100.el9_4.2', '4'],
      ['glibc', '2.34-100.el9_4.2', 'glibc', '2.34-100.el9_4.2', '5'],
      ['bash', '5.1.8-9.el9', 'bash', '5.1.8-9.el9', '6'],
      ['zlib', '1.2.11-40.el9', 'zlib', '1.2.11-40.el9', '7'],
      // the source rpm file name has no epoch; the binary's epoch is the source's too
      ['openssl-libs', '1:3.0.7-27.el9', 'openssl', '1:3.0.7-27.el9', '8'],
      ['openssl', '1:3.0.7-27.el9', 'openssl', '1:3.0.7-27.el9', '9'],
      ['libgcc', '11.4.1-3.el9', 'gcc', '11.4.1-3.el9', '10'],
      ['libstdc++', '11.4.1-3.el9', 'gcc', '11.4.1-3.el9', '11'],
      ['krb5-libs', '1.21.1-2.el9_4', 'krb5', '1.21.1-2.el9_4', '12'],
      ['libcurl-minimal', '7.76.1-29.el9_4.1', 'curl', '7.76.1-29.el9_4.1', '13'],
      ['curl-minimal', '7.76.1-29.el9_4.1', 'curl', '7.76.1-29.el9_4.1', '14'],
      ['systemd-libs', '252-32.el9_4.7', 'systemd', '252-32.el9_4.7', '15'],
      ['dbus-libs', '1:1.12.20-8.el9', 'dbus', '1:1.12.20-8.el9', '16'],
      ['shadow-utils', '2:4.9-8.el9', 'shadow-utils', '2:4.9-8.el9', '17'],
      ['perl-libs', '4:5.32.1-481.el9', 'perl', '4:5.32.1-481.el9', '18'],
      ['python3-libs', '3.9.18-3.el9_4.5', 'python3.9', '3.9.18-3.el9_4.5', '19'],
      ['python3', '3.9.18-3.el9_4.5', 'python3.9', '3.9.18-3.el9_4.5', '20'],
      ['rpm-libs', '4.16.1.3-29.el9', 'rpm', '4.16.1.3-29.el9', '21'],
      ['rpm', '4.16.1.3-29.el9', 'rpm', '4.16.1.3-29.el9', '22'],
      // line 23 is the second gpg-pubkey
    ]);
  });

  it('gives one whole package as the contract shapes it', async () => {
    const inv = await parseInput(file);
    expect(inv.packages[6]).toStrictEqual({
      name: 'openssl-libs',
      version: '1:3.0.7-27.el9',
      kind: 'rpm',
      source: { name: 'openssl', version: '1:3.0.7-27.el9' },
      location: `${file}:8`,
    });
  });

  it('reads %{EPOCH} output, where no epoch prints (none), and no-source packages', () => {
    expect(parseRpmQaLine('bash\t(none):5.1.8-9.el9\tbash-5.1.8-9.el9.src.rpm')).toStrictEqual({ name: 'bash', version: '5.1.8-9.el9', sourceRpm: 'bash-5.1.8-9.el9.src.rpm' });
    expect(parseRpmQaLine('shadow-utils\t2:4.9-8.el9\tshadow-utils-4.9-8.el9.src.rpm')).toStrictEqual({ name: 'shadow-utils', version: '2:4.9-8.el9', sourceRpm: 'shadow-utils-4.9-8.el9.src.rpm' });
    expect(parseRpmQaLine('kernel-core\t0:5.14.0-427.el9\t(none)')).toStrictEqual({ name: 'kernel-core', version: '5.14.0-427.el9' });
    expect(parseRpmQaLine('gpg-pubkey\t0:fd431d51-4ae0493b\t(none)')).toBeNull();
  });
});

describe('plain rpm -qa (NEVRA)', () => {
  it('lists packages without source, splitting name, version, release and arch', async () => {
    const file = fixture('rpm-qa-nevra.txt');
    const inv = await parseInput(file);
    expect(inv.format).toBe('rpm-qa');
    expect(inv.packages).toStrictEqual([
      { name: 'tzdata', version: '2024a-1.el9', kind: 'rpm', location: `${file}:2` },
      { name: 'glibc-minimal-langpack', version: '2.34-100.el9_4.2', kind: 'rpm', location: `${file}:3` },
      { name: 'glibc-common', version: '2.34-100.el9_4.2', kind: 'rpm', location: `${file}:4` },
      { name: 'glibc', version: '2.34-100.el9_4.2', kind: 'rpm', location: `${file}:5` },
      { name: 'bash', version: '5.1.8-9.el9', kind: 'rpm', location: `${file}:6` },
      { name: 'openssl-libs', version: '3.0.7-27.el9', kind: 'rpm', location: `${file}:7` },
      { name: 'libstdc++', version: '11.4.1-3.el9', kind: 'rpm', location: `${file}:8` },
      { name: 'python3-libs', version: '3.9.18-3.el9_4.5', kind: 'rpm', location: `${file}:9` },
    ]);
  });

  it('keeps an epoch written into a NEVRA and refuses an unknown arch', () => {
    expect(parseRpmQaLine('openssl-libs-1:3.0.7-27.el9.x86_64')).toStrictEqual({ name: 'openssl-libs', version: '1:3.0.7-27.el9' });
    expect(parseRpmQaLine('openssl-libs-3.0.7-27.el9')).toBe(
      'line "openssl-libs-3.0.7-27.el9" is not NAME<TAB>EPOCH:VERSION-RELEASE<TAB>SOURCERPM[<TAB>MODULARITYLABEL] or NAME-VERSION-RELEASE.ARCH',
    );
  });
});

describe('malformed rpm -qa', () => {
  it('rejects a --qf line without the source rpm field, naming the line', async () => {
    const bad = fixture('rpm-qa-bad-fields.txt');
    const err = await rejection(parseInput(bad));
    expect(err.message).toBe(`${bad}:4: line "openssl-libs\\t1:3.0.7-27.el9" is not NAME<TAB>EPOCH:VERSION-RELEASE<TAB>SOURCERPM[<TAB>MODULARITYLABEL] or NAME-VERSION-RELEASE.ARCH`);
    expect(err.details).toStrictEqual({ file: bad, line: 4 });
  });

  it('rejects a source rpm that is not NAME-VERSION-RELEASE.src.rpm', async () => {
    const bad = fixture('rpm-qa-bad-srpm.txt');
    const err = await rejection(parseRpmQa(bad));
    expect(err.message).toBe(`${bad}:2: source rpm "openssl-3.0.7.rpm" of openssl-libs is not NAME-VERSION-RELEASE.src.rpm`);
  });

  it('rejects a line with a space in the name field', async () => {
    await withTempDir(async (dir) => {
      const f = await writeTemp(dir, 'rpms', 'bash\t0:5.1.8-9.el9\tbash-5.1.8-9.el9.src.rpm\nmy package\t0:1-1\tx-1-1.src.rpm\n');
      expect((await rejection(parseRpmQa(f))).message).toBe(`${f}:2: line "my package\\t0:1-1\\tx-1-1.src.rpm" is not NAME<TAB>EPOCH:VERSION-RELEASE<TAB>SOURCERPM[<TAB>MODULARITYLABEL] or NAME-VERSION-RELEASE.ARCH`);
    });
  });
});
