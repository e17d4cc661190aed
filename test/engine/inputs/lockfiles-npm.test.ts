/**
 * npm-ecosystem lockfiles other than package-lock.json: yarn 1, yarn berry and pnpm 5/6/9, each
 * with aliases, git and local dependencies and workspaces; and package-lock.json's git and local
 * tarball entries. Errors name the file and line.
 */
import { describe, expect, it } from 'vitest';
import { parseInput } from '../../../engine-client/inputs/index.ts';
import { npmLockFromJson } from '../../../engine-client/inputs/npm-lock.ts';
import { pnpmKey } from '../../../engine-client/inputs/pnpm-lock.ts';
import { descriptorOrigin, locatorOrigin } from '../../../engine-client/inputs/yarn-lock.ts';
import type { Inventory } from '../../../engine-client/inputs/types.ts';
import { fixture, rejection, withTempDir, writeTemp } from './helpers.ts';

/** `name version line` per package and `local|unchecked line reason` per skipped entry, for compact expectations. */
function summary(inv: Inventory): { packages: string[]; skipped: string[] } {
  const at = (loc: string) => loc.slice(loc.lastIndexOf(':') + 1);
  return {
    packages: inv.packages.map((p) => `${p.name} ${p.version} ${at(p.location)}`),
    skipped: (inv.skipped ?? []).map((s) => `${s.local ? 'local' : 'unchecked'} ${at(s.location)} ${s.reason}`),
  };
}

describe('yarn.lock, yarn 1', () => {
  it('lists each resolved package once, by its real name behind an npm: alias, and reports git and file: entries', async () => {
    const file = fixture('lockfiles/yarn-v1.lock');
    const inv = await parseInput(file);
    expect(inv.format).toBe('yarn-lock');
    expect(inv.packages.every((p) => p.kind === 'npm' && p.location.startsWith(`${file}:`))).toBe(true);
    expect(summary(inv)).toEqual({
      packages: ['@babel/code-frame 7.22.13 5', 'lodash 4.17.20 13', 'string-width 4.2.3 18', 'minimist 1.2.5 37'],
      skipped: [
        'unchecked 30 left-pad@1.3.0 is not a registry release (git+https://github.com/stevemao/left-pad.git#v1.3.0)',
        'local 34 design-tokens@0.0.1 is a local dependency (file:./packages/tokens)',
      ],
    });
    expect(inv.skipped?.[0]).toMatchObject({ package: 'left-pad', version: '1.3.0' });
  });

  it('reads descriptors as yarn does: scopes, aliases, protocols, GitHub shorthands', () => {
    expect(descriptorOrigin('@babel/core@^7.0.0')).toEqual({ kind: 'registry', name: '@babel/core', range: '^7.0.0' });
    expect(descriptorOrigin('wrap-ansi-cjs@npm:wrap-ansi@^7.0.0')).toEqual({ kind: 'registry', name: 'wrap-ansi', range: '^7.0.0' });
    expect(descriptorOrigin('my-core@npm:@babel/core@7.24.7')).toEqual({ kind: 'registry', name: '@babel/core', range: '7.24.7' });
    expect(descriptorOrigin('lodash@latest')).toEqual({ kind: 'registry', name: 'lodash', range: 'latest' });
    expect(descriptorOrigin('x@github:user/x#v1')?.kind).toBe('unchecked');
    expect(descriptorOrigin('x@user/x')?.kind).toBe('unchecked');
    expect(descriptorOrigin('x@https://example.com/x-1.0.0.tgz')?.kind).toBe('unchecked');
    expect(descriptorOrigin('x@link:../x')?.kind).toBe('local');
    expect(descriptorOrigin('x@portal:../x')?.kind).toBe('local');
    expect(descriptorOrigin('x@workspace:*')).toEqual({ kind: 'workspace' });
    expect(descriptorOrigin('nothing')).toBeUndefined();
  });

  it('names the line of an entry without a version and of a line that is no entry header', async () => {
    await withTempDir(async (dir) => {
      const noVersion = await writeTemp(dir, 'a.lock', '# yarn lockfile v1\n\n\nlodash@^4.0.0:\n  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz"\n');
      expect((await rejection(parseInput(noVersion))).message).toBe(`${noVersion}:4: entry "lodash@^4.0.0" has no version`);
      const stray = await writeTemp(dir, 'b.lock', '# yarn lockfile v1\n\nlodash@^4.0.0:\n  version "4.17.21"\nthis is not yarn\n');
      expect((await rejection(parseInput(stray))).message).toBe(`${stray}:5: "this is not yarn" is not a yarn.lock entry header ("name@range, …:")`);
    });
  });
});

describe('yarn.lock, berry', () => {
  it('reads packages from resolution locators: aliases by the real package, patches as the package patched, workspaces left out', async () => {
    const file = fixture('lockfiles/yarn-berry.lock');
    expect(summary(await parseInput(file))).toEqual({
      // typescript appears as itself and as its builtin patch: one package.
      packages: ['@babel/code-frame 7.22.13 8', 'lodash 4.17.20 18', 'string-width 4.2.3 41', 'typescript 5.4.5 50'],
      skipped: [
        'unchecked 64 left-pad@1.3.0 is not a registry release (https://github.com/stevemao/left-pad.git#commit=5d8f2c2d4cf4b5dee5c5dcdc7ae39ac1b2a7a4c1)',
        'local 71 design-tokens@0.0.1 is a local dependency (file:./vendor/design-tokens#./vendor/design-tokens)',
      ],
    });
  });

  it('unwraps patch: locators, also of a package the lockfile does not list unpatched', () => {
    expect(locatorOrigin('typescript@patch:typescript@npm%3A5.4.5#optional!builtin<compat/typescript>::version=5.4.5&hash=5adc0c')).toEqual({ kind: 'registry', name: 'typescript', range: '5.4.5' });
    expect(locatorOrigin('fsevents@patch:fsevents@npm%3A2.3.3#~builtin<compat/fsevents>::version=2.3.3&hash=df0bf1')).toEqual({ kind: 'registry', name: 'fsevents', range: '2.3.3' });
    expect(locatorOrigin('x@patch:x@https%3A//example.com/x.tgz#./x.patch::locator=app%40workspace%3A.')?.kind).toBe('unchecked');
    expect(locatorOrigin('app@workspace:.')).toEqual({ kind: 'workspace' });
    expect(locatorOrigin('x@exec:./build.js')?.kind).toBe('unchecked');
  });

  it('names the line of an entry without resolution, and of YAML it cannot read', async () => {
    await withTempDir(async (dir) => {
      const noRes = await writeTemp(dir, 'a.lock', '__metadata:\n  version: 8\n\n"lodash@npm:^4.0.0":\n  version: 4.17.21\n');
      expect((await rejection(parseInput(noRes))).message).toBe(`${noRes}:4: entry "lodash@npm:^4.0.0" has no resolution`);
      const bad = await writeTemp(dir, 'b.lock', '__metadata:\n  version: 8\n\n"lodash@npm:^4.0.0":\n  version: 4.17.21\n   resolution: [\n');
      // The value of "version" at line 5 is followed by a deeper key: the YAML error is where that mapping is.
      expect((await rejection(parseInput(bad))).message).toBe(`${bad}:5: not a yarn berry lockfile (YAML): Nested mappings are not allowed in compact mappings`);
    });
  });
});

describe('pnpm-lock.yaml', () => {
  it('9.0: packages by name@version, one per version whatever the peers; git tarballs and file: reported', async () => {
    expect(summary(await parseInput(fixture('lockfiles/pnpm-lock-v9.yaml')))).toEqual({
      packages: ['@babel/code-frame 7.22.13 38', 'lodash 4.17.20 46', 'react-dom 18.2.0 49', 'react 18.2.0 54', 'string-width 4.2.3 58'],
      skipped: [
        'unchecked 42 left-pad@1.3.0 is not a registry release (https://codeload.github.com/stevemao/left-pad/tar.gz/5d8f2c2d4cf4b5dee5c5dcdc7ae39ac1b2a7a4c1)',
        'local 62 tokens@0.0.1 is a local dependency (file:vendor/tokens)',
      ],
    });
  });

  it('6.0: /name@version(peers), an aliased react-dom 17 beside 18, a GitHub dependency by its name field', async () => {
    expect(summary(await parseInput(fixture('lockfiles/pnpm-lock-v6.yaml')))).toEqual({
      packages: ['@babel/code-frame 7.22.13 23', 'lodash 4.17.20 28', 'react-dom 17.0.2 32', 'react-dom 18.2.0 38'],
      skipped: ['unchecked 50 internal-lib@2.0.0 is not a registry release (github.com/example/internal-lib/3f1c0a9)'],
    });
  });

  it('5.4: /name/version_peers, a file: directory dependency', async () => {
    expect(summary(await parseInput(fixture('lockfiles/pnpm-lock-v5.yaml')))).toEqual({
      packages: ['@babel/core 7.18.2 19', 'lodash 4.17.20 24', 'react-dom 18.2.0 28'],
      skipped: ['local 37 tokens@0.0.1 is a local dependency (file:vendor/tokens)'],
    });
  });

  it('parses keys of every lockfile version', () => {
    expect(pnpmKey('/@babel/core/7.24.7', 5)).toEqual({ name: '@babel/core', version: '7.24.7' });
    expect(pnpmKey('/react-dom/18.2.0_react@18.2.0', 5)).toEqual({ name: 'react-dom', version: '18.2.0' });
    expect(pnpmKey('/@emotion/react/11.11.4_@types+react@18.3.3_react@18.3.1', 5)).toEqual({ name: '@emotion/react', version: '11.11.4' });
    expect(pnpmKey('/@babel/core@7.24.7', 6)).toEqual({ name: '@babel/core', version: '7.24.7' });
    expect(pnpmKey('/@emotion/react@11.11.4(@types/react@18.3.3)(react@18.3.1)', 6)).toEqual({ name: '@emotion/react', version: '11.11.4' });
    expect(pnpmKey('@babel/core@7.24.7', 9)).toEqual({ name: '@babel/core', version: '7.24.7' });
    expect(pnpmKey('github.com/user/repo/abc123', 6)).toBeUndefined();
  });

  it('refuses a package given twice, naming the line of the second', async () => {
    await withTempDir(async (dir) => {
      const f = await writeTemp(dir, 'pnpm-lock.yaml', "lockfileVersion: '9.0'\n\npackages:\n\n  lodash@4.17.20:\n    resolution: {integrity: sha512-x}\n\n  lodash@4.17.20:\n    resolution: {integrity: sha512-y}\n");
      expect((await rejection(parseInput(f))).message).toBe(`${f}:8: not a pnpm lockfile (YAML): the key "lodash@4.17.20" is given twice`);
    });
  });

  it('refuses a lockfile version it does not read, naming its line', async () => {
    await withTempDir(async (dir) => {
      const f = await writeTemp(dir, 'pnpm-lock.yaml', "lockfileVersion: '3.9'\npackages: {}\n");
      expect((await rejection(parseInput(f, { format: 'pnpm-lock' }))).message).toBe(`${f}:1: lockfileVersion "3.9" is not supported (5.x, 6.x and 9.x are)`);
    });
  });
});

describe('package-lock.json git and local entries', () => {
  it('reports a git dependency as unchecked and a local tarball as local instead of matching their package.json versions', () => {
    const inv = npmLockFromJson(
      {
        lockfileVersion: 3,
        packages: {
          '': { name: 'app' },
          'node_modules/left-pad': { version: '1.3.0', resolved: 'git+ssh://git@github.com/stevemao/left-pad.git#5d8f2c2d4cf4b5dee5c5dcdc7ae39ac1b2a7a4c1' },
          'node_modules/tokens': { version: '0.0.1', resolved: 'file:vendor/tokens-0.0.1.tgz' },
          'node_modules/lodash': { version: '4.17.21', resolved: 'https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz' },
        },
      },
      'l.json',
    );
    expect(inv.packages.map((p) => p.name)).toEqual(['lodash']);
    expect(inv.skipped).toEqual([
      { location: 'l.json#/packages/node_modules~1left-pad', reason: 'left-pad@1.3.0 is a git dependency (git+ssh://git@github.com/stevemao/left-pad.git#5d8f2c2d4cf4b5dee5c5dcdc7ae39ac1b2a7a4c1)', package: 'left-pad', version: '1.3.0' },
      { location: 'l.json#/packages/node_modules~1tokens', reason: 'tokens@0.0.1 is a local tarball (file:vendor/tokens-0.0.1.tgz)', package: 'tokens', version: '0.0.1', local: true },
    ]);
  });
});
