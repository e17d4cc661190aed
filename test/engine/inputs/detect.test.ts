/** Format detection by content (never by file name), the registry, and the JSON size limit. */
import { describe, expect, it } from 'vitest';
import { INPUT_FORMATS } from '../../../engine-client/inputs/types.ts';
import { detectFormat, getParser, isInputFormat, MAX_JSON_BYTES, parseInput, PARSERS } from '../../../engine-client/inputs/index.ts';
import { fixture, rejection, thrown, withTempDir, writeTemp } from './helpers.ts';
import { copyFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

describe('detectFormat', () => {
  it.each([
    ['apk-installed', 'apk-installed'],
    ['apk-installed-bad-line', 'apk-installed'],
    ['dpkg-status', 'dpkg-status'],
    ['rpm-qa-qf.txt', 'rpm-qa'],
    ['rpm-qa-nevra.txt', 'rpm-qa'],
    ['cyclonedx-1.4-trivy-debian.json', 'cyclonedx'],
    ['cyclonedx-1.5-syft-alpine.json', 'cyclonedx'],
    ['cyclonedx-1.6-nested.json', 'cyclonedx'],
    ['spdx-2.3-debian.json', 'spdx'],
    ['syft-rocky9.json', 'syft'],
    ['syft-ubuntu2204.json', 'syft'],
    ['package-lock-v3.json', 'npm-lock'],
    ['package-lock-v2.json', 'npm-lock'],
    ['package-lock-v1.json', 'npm-lock'],
    ['lockfiles/yarn-v1.lock', 'yarn-lock'],
    ['lockfiles/yarn-berry.lock', 'yarn-lock'],
    ['lockfiles/pnpm-lock-v5.yaml', 'pnpm-lock'],
    ['lockfiles/pnpm-lock-v6.yaml', 'pnpm-lock'],
    ['lockfiles/pnpm-lock-v9.yaml', 'pnpm-lock'],
    ['lockfiles/requirements.txt', 'requirements'],
    ['lockfiles/poetry.lock', 'poetry-lock'],
    ['lockfiles/Pipfile.lock', 'pipfile-lock'],
    ['lockfiles/uv.lock', 'uv-lock'],
    ['lockfiles/go.mod', 'go-mod'],
    ['lockfiles/go.sum', 'go-sum'],
    ['lockfiles/Cargo.lock', 'cargo-lock'],
    ['lockfiles/Gemfile.lock', 'gemfile-lock'],
    ['lockfiles/composer.lock', 'composer-lock'],
    ['lockfiles/packages.lock.json', 'nuget-lock'],
    ['lockfiles/gradle.lockfile', 'gradle-lockfile'],
  ])('%s is %s', async (name, format) => {
    expect(await detectFormat(fixture(name))).toBe(format);
  });

  it('goes by content, not by the file name', async () => {
    await withTempDir(async (dir) => {
      const misnamed = path.join(dir, 'package-lock.json');
      await copyFile(fixture('dpkg-status'), misnamed);
      expect(await detectFormat(misnamed)).toBe('dpkg-status');
      const sbomTxt = path.join(dir, 'status');
      await copyFile(fixture('spdx-2.3-debian.json'), sbomTxt);
      expect((await parseInput(sbomTxt)).format).toBe('spdx');
    });
  });

  it('reads a JSON file with a byte order mark and leading whitespace', async () => {
    await withTempDir(async (dir) => {
      const f = await writeTemp(dir, 'bom', '\uFEFF\n  {"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":"x","purl":"pkg:npm/x@1.0.0"}]}');
      expect(await parseInput(f)).toStrictEqual({ file: f, format: 'cyclonedx', packages: [{ name: 'x', version: '1.0.0', kind: 'npm', purl: 'pkg:npm/x@1.0.0', location: `${f}#/components/0` }] });
    });
  });

  it('explains files it cannot read: empty, gzip, XML, SPDX tag-value, unknown JSON, unknown text', async () => {
    await withTempDir(async (dir) => {
      const cases: [string, string | Buffer, string][] = [
        ['empty', '', 'is empty'],
        ['gz', gzipSync('Package: x\n'), 'is gzip-compressed: decompress it first (gunzip)'],
        ['xml', '<?xml version="1.0"?>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>', 'looks like XML: only JSON SBOMs are read (e.g. syft -o cyclonedx-json, or spdx-json)'],
        ['tv', 'SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n', 'looks like SPDX tag-value: only SPDX JSON is read (e.g. syft -o spdx-json)'],
        ['arr', '[1, 2]', 'is JSON, but its top level is not an object'],
        [
          'obj', '{"hello": "world"}',
          'cannot tell the input format: a JSON document, but its top-level keys are not those of composer.lock (composer-lock), CycloneDX JSON SBOM (1.2 to 1.6) (cyclonedx), ' +
            'npm package-lock.json (lockfileVersion 2, 3) (npm-lock), NuGet packages.lock.json (nuget-lock), Pipfile.lock (pipfile-lock), ' +
            'SPDX JSON SBOM (2.2, 2.3) (spdx), syft JSON (syft -o json) (syft); pass --input-format if it is one of them',
        ],
        [
          'txt', 'hello world\n',
          'cannot tell the input format: a text file, but its first lines are not those of Alpine /lib/apk/db/installed (apk-installed), ' +
            'Cargo.lock (cargo-lock), Debian/Ubuntu /var/lib/dpkg/status (dpkg-status), Gemfile.lock (gemfile-lock), go.mod (go-mod), go.sum (go-sum), ' +
            'gradle.lockfile (gradle-lockfile), pnpm-lock.yaml (lockfile 5.x, 6.x, 9.x) (pnpm-lock), poetry.lock (poetry-lock), ' +
            'pip requirements.txt (pinned name==version lines) (requirements), rpm -qa output (rpm-qa), uv.lock (uv-lock), ' +
            'yarn.lock (yarn 1 and yarn 2+) (yarn-lock); pass --input-format if it is one of them',
        ],
      ];
      for (const [name, content, what] of cases) {
        const f = await writeTemp(dir, name, content);
        expect((await rejection(detectFormat(f))).message).toBe(`${f}: ${what}`);
      }
    });
  });

  it('detects the first lines of a long text file even when the head cuts a line', async () => {
    await withTempDir(async (dir) => {
      const line = 'libfoo\t0:1.0-1.el9\tfoo-1.0-1.el9.src.rpm\n';
      const f = await writeTemp(dir, 'rpms', line.repeat(5000));
      expect(await detectFormat(f)).toBe('rpm-qa');
      expect((await parseInput(f)).packages).toHaveLength(5000);
    });
  });
});

describe('registry and options', () => {
  it('has one parser per format, keyed by its own name, in sorted order', () => {
    expect(Object.keys(PARSERS)).toStrictEqual([...INPUT_FORMATS]);
    expect([...INPUT_FORMATS]).toStrictEqual([...INPUT_FORMATS].sort());
    for (const f of INPUT_FORMATS) expect(PARSERS[f].format).toBe(f);
  });

  it('rejects an unknown --input-format, listing the valid ones', () => {
    expect(isInputFormat('syft')).toBe(true);
    expect(isInputFormat('toString')).toBe(false);
    expect(thrown(() => getParser('bun-lock'), 'INPUT_INVALID').message).toBe(
      '--input-format "bun-lock" is not a known input format; valid formats: apk-installed, cargo-lock, composer-lock, cyclonedx, dpkg-status, ' +
        'gemfile-lock, go-mod, go-sum, gradle-lockfile, npm-lock, nuget-lock, pipfile-lock, pnpm-lock, poetry-lock, requirements, rpm-qa, spdx, syft, uv-lock, yarn-lock',
    );
  });

  it('uses an explicit format even when the content says otherwise, and reports that parser\'s error', async () => {
    const file = fixture('spdx-2.3-debian.json');
    const err = await rejection(parseInput(file, { format: 'cyclonedx' }));
    expect(err.message).toBe(`${file}#/bomFormat: not a CycloneDX BOM: Invalid input: expected "CycloneDX" (and 1 more problem)`);
  });

  it('refuses JSON over the size limit (256 MiB by default) before reading it', async () => {
    expect(MAX_JSON_BYTES).toBe(256 * 1024 * 1024);
    const file = fixture('cyclonedx-1.6-nested.json');
    const { size } = await stat(file);
    const err = await rejection(parseInput(file, { maxJsonBytes: 1024 }));
    expect(err.message).toBe(`${file}: is ${size} bytes, over the 1024 bytes limit for JSON inputs`);
    const detect = await rejection(detectFormat(file, { maxJsonBytes: 1024 }));
    expect(detect.message).toBe(err.message);
    await withTempDir(async (dir) => {
      const big = await writeTemp(dir, 'big.json', `{"a":"${'x'.repeat(3 * 1024 * 1024)}"}`);
      const e = await rejection(parseInput(big, { maxJsonBytes: 2 * 1024 * 1024 }));
      expect(e.message).toBe(`${big}: is 3.0 MiB, over the 2 MiB limit for JSON inputs`);
    });
  });

  it('reports a directory as unreadable', async () => {
    await withTempDir(async (dir) => {
      expect((await rejection(parseInput(dir, { format: 'syft' }))).message).toBe(`cannot read input ${dir}: it is a directory, not a file`);
      const err = await rejection(parseInput(dir, { format: 'dpkg-status' }));
      expect(err.message).toBe(`cannot read input ${dir}: it is a directory, not a file`);
      expect(err.hintFor('airfeed-engine')).toBe('Name the file itself, not the directory that holds it.');
      expect((await rejection(parseInput(dir))).message).toBe(`cannot read input ${dir}: it is a directory, not a file`);
    });
  });
});
