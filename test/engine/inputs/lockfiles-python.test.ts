/**
 * Python lockfiles: requirements.txt (pinned lines checked, the others reported with the reason),
 * poetry.lock, Pipfile.lock and uv.lock, with git, path, editable and alternative-index entries and
 * markers. Errors name the file and line (JSON path for Pipfile.lock).
 */
import { describe, expect, it } from 'vitest';
import { parseInput } from '../../../engine-client/inputs/index.ts';
import { pipfileLockFromJson } from '../../../engine-client/inputs/pipfile-lock.ts';
import { classifyRequirement } from '../../../engine-client/inputs/requirements.ts';
import type { Inventory } from '../../../engine-client/inputs/types.ts';
import { fixture, rejection, thrown, withTempDir, writeTemp } from './helpers.ts';

function summary(inv: Inventory): { packages: string[]; skipped: string[] } {
  const at = (loc: string) => (loc.includes('#') ? loc.slice(loc.indexOf('#')) : loc.slice(loc.lastIndexOf(':') + 1));
  return {
    packages: inv.packages.map((p) => `${p.name} ${p.version} ${at(p.location)}`),
    skipped: (inv.skipped ?? []).map((s) => `${s.local ? 'local' : 'unchecked'} ${at(s.location)} ${s.reason}`),
  };
}

describe('requirements.txt', () => {
  it('checks pinned requirements (hashes, extras, markers, ===) and reports every other line with its reason', async () => {
    const inv = await parseInput(fixture('lockfiles/requirements.txt'));
    expect(inv.format).toBe('requirements');
    expect(inv.packages.every((p) => p.kind === 'pypi')).toBe(true);
    expect(summary(inv)).toEqual({
      // Django's pin continues over three lines (hashes); its place is the line it starts on.
      packages: ['Django 4.2.11 10', 'PyYAML 6.0.1 14', 'uvicorn 0.29.0 15', 'zope.interface 6.2 16'],
      skipped: [
        'unchecked 8 -r base.txt: its requirements are in that file; scan it too',
        'unchecked 17 requests is not pinned (the range >=2.31): the installed version is unknown; pin it (pip freeze, pip-compile)',
        'unchecked 18 flask is not pinned (no version): the installed version is unknown; pin it (pip freeze, pip-compile)',
        'unchecked 19 numpy is not pinned (the range ==1.26.*): the installed version is unknown; pin it (pip freeze, pip-compile)',
        'unchecked 20 mylib is not a registry release (git+https://github.com/example/mylib.git@v1.2#egg=mylib)',
        'local 21 ./packages/shared is a local project',
        'unchecked 22 https://files.example.com/wheels/internal_tool-1.0-py3-none-any.whl is not a registry release',
      ],
    });
  });

  it('reads PEP 508 forms', () => {
    expect(classifyRequirement('Django == 4.2.11')).toEqual({ kind: 'pinned', name: 'Django', version: '4.2.11' });
    expect(classifyRequirement('requests (==2.31.0)')).toEqual({ kind: 'pinned', name: 'requests', version: '2.31.0' });
    expect(classifyRequirement('pkg>=1.0,==1.2.3')).toEqual({ kind: 'pinned', name: 'pkg', version: '1.2.3' });
    expect(classifyRequirement('pkg[a,b]==1.0; sys_platform == "win32"')).toEqual({ kind: 'pinned', name: 'pkg', version: '1.0' });
    expect(classifyRequirement('pkg~=1.4')).toEqual({ kind: 'unpinned', name: 'pkg', spec: '~=1.4' });
    expect(classifyRequirement('pkg @ file:///srv/pkg')).toEqual({ kind: 'url', name: 'pkg', url: 'file:///srv/pkg', local: true });
    expect(classifyRequirement('--extra-index-url https://pypi.internal/simple')).toEqual({ kind: 'option' });
    expect(classifyRequirement('-e git+https://github.com/x/y.git#egg=y')).toEqual({ kind: 'url', name: 'y', url: 'git+https://github.com/x/y.git#egg=y', local: false });
    expect(classifyRequirement('pkg = 1.0')).toBeUndefined();
  });

  it('names the line that is not a requirement', async () => {
    await withTempDir(async (dir) => {
      const f = await writeTemp(dir, 'requirements.txt', 'requests==2.31.0\n\nDjango==4.2 extra words\n');
      // Among the first lines it also stops detection (every first line must be a requirement); --input-format reads on.
      expect((await rejection(parseInput(f))).message).toMatch(/cannot tell the input format/);
      expect((await rejection(parseInput(f, { format: 'requirements' }))).message).toBe(`${f}:3: "Django==4.2 extra words" is not a requirement (name==version) or a pip option`);
      const late = await writeTemp(dir, 'late.txt', `${'six==1.16.0\n'.repeat(60)}Django==4.2 extra words\n`);
      expect((await rejection(parseInput(late))).message).toBe(`${late}:61: "Django==4.2 extra words" is not a requirement (name==version) or a pip option`);
    });
  });
});

describe('poetry.lock', () => {
  it('checks PyPI and other-index packages; git and directory sources are reported', async () => {
    expect(summary(await parseInput(fixture('lockfiles/poetry.lock')))).toEqual({
      packages: ['certifi 2024.2.2 3', 'Django 4.2.11 14', 'typing_extensions 4.11.0 59'],
      skipped: [
        'unchecked 31 internal-lib@0.3.0 is not a registry release (git https://github.com/example/internal-lib.git#3f1c0a9e2b7d4c1a8f6e5d4c3b2a1f0e9d8c7b6a)',
        'local 46 shared@0.1.0 is a local dependency (directory packages/shared)',
      ],
    });
  });

  it('names the line of bad TOML and of a package without a version', async () => {
    await withTempDir(async (dir) => {
      const header = '# This file is automatically @generated by Poetry 1.8.3 and should not be changed by hand.\n\n';
      const bad = await writeTemp(dir, 'a.lock', `${header}[[package]]\nname = "x"\nversion = 1.0.0\n`);
      expect((await rejection(parseInput(bad))).message).toMatch(new RegExp(`^${bad}:5: not a poetry.lock \\(TOML\\): `));
      const noVersion = await writeTemp(dir, 'b.lock', `${header}[[package]]\nname = "x"\nversion = "1.0"\n\n[[package]]\nname = "y"\n`);
      expect((await rejection(parseInput(noVersion))).message).toBe(`${noVersion}:7: [[package]] version: Invalid input: expected string, received undefined`);
    });
  });
});

describe('Pipfile.lock', () => {
  it('checks default and develop pins; git and path entries are reported', async () => {
    expect(summary(await parseInput(fixture('lockfiles/Pipfile.lock')))).toEqual({
      packages: ['django 4.2.11 #/default/django', 'urllib3 2.2.1 #/default/urllib3', 'pytest 8.1.1 #/develop/pytest'],
      skipped: [
        'unchecked #/default/internal-lib internal-lib is not a registry release (https://github.com/example/internal-lib.git#3f1c0a9e2b7d4c1a8f6e5d4c3b2a1f0e9d8c7b6a)',
        'local #/default/shared shared is a local project (./packages/shared)',
      ],
    });
  });

  it('refuses a version that is not a pin, naming its JSON path', () => {
    const err = thrown(() => pipfileLockFromJson({ _meta: {}, default: { six: { version: '>=1.16' } } }, 'Pipfile.lock'));
    expect(err.message).toBe('Pipfile.lock#/default/six/version: ">=1.16" is not a pin (==version)');
  });
});

describe('uv.lock', () => {
  it('checks registry packages; leaves out the project and its workspace members; git and path sources are reported', async () => {
    expect(summary(await parseInput(fixture('lockfiles/uv.lock')))).toEqual({
      packages: ['idna 3.7 11', 'jinja2 3.1.3 25', 'markupsafe 2.1.5 33'],
      skipped: [
        'unchecked 20 internal-lib@0.3.0 is not a registry release (git https://github.com/example/internal-lib.git?rev=main#3f1c0a9e2b7d4c1a8f6e5d4c3b2a1f0e9d8c7b6a)',
        'local 59 vendored-tool@1.0.0 is a local dependency (vendor/vendored_tool-1.0.0-py3-none-any.whl)',
      ],
    });
  });

  it('refuses a lockfile version it does not know', async () => {
    await withTempDir(async (dir) => {
      const f = await writeTemp(dir, 'uv.lock', 'version = 2\nrequires-python = ">=3.12"\n');
      expect((await rejection(parseInput(f))).message).toBe(`${f}: uv.lock version 2 is not supported (1 is)`);
    });
  });
});
