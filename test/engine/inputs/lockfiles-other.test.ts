/**
 * go.mod (replace directives: to a fork, version-specific, to a local directory; pseudo-versions,
 * +incompatible), go.sum, Cargo.lock (crates.io by both index protocols, another registry, git,
 * path crates), Gemfile.lock (GIT, PATH, platform gems), composer.lock (branches, path
 * repositories), NuGet packages.lock.json (frameworks, projects) and gradle.lockfile. Errors name
 * the file and line (JSON path for the JSON formats).
 */
import { describe, expect, it } from 'vitest';
import { composerLockFromJson } from '../../../engine-client/inputs/composer-lock.ts';
import { goModTokens } from '../../../engine-client/inputs/go-mod.ts';
import { parseInput } from '../../../engine-client/inputs/index.ts';
import { nugetLockFromJson } from '../../../engine-client/inputs/nuget-lock.ts';
import type { Inventory } from '../../../engine-client/inputs/types.ts';
import { fixture, rejection, thrown, withTempDir, writeTemp } from './helpers.ts';

function summary(inv: Inventory): { packages: string[]; skipped: string[] } {
  const at = (loc: string) => (loc.includes('#') ? loc.slice(loc.indexOf('#')) : loc.slice(loc.lastIndexOf(':') + 1));
  return {
    packages: inv.packages.map((p) => `${p.name} ${p.version} ${at(p.location)}`),
    skipped: (inv.skipped ?? []).map((s) => `${s.local ? 'local' : 'unchecked'} ${at(s.location)} ${s.reason}`),
  };
}

describe('go.mod', () => {
  it('lists requirements at the place they are required, with replacements applied', async () => {
    const inv = await parseInput(fixture('lockfiles/go.mod'));
    expect(inv.packages.every((p) => p.kind === 'go')).toBe(true);
    expect(summary(inv)).toEqual({
      packages: [
        'github.com/docker/docker v24.0.7+incompatible 8',
        // replace github.com/gorilla/mux => github.com/example/mux v1.8.2-fork.1: the fork is what is built.
        'github.com/example/mux v1.8.2-fork.1 9',
        'golang.org/x/net v0.0.0-20220225172249-27dd8689420f 10',
        // replace golang.org/x/text v0.3.7 => golang.org/x/text v0.3.8 (a quoted path in the require block).
        'golang.org/x/text v0.3.8 11',
      ],
      skipped: ['local 14 github.com/example/legacy@v1.0.0 is replaced by the local directory ./third_party/legacy'],
    });
  });

  it('applies a version-specific replacement to that version only', async () => {
    await withTempDir(async (dir) => {
      const f = await writeTemp(dir, 'go.mod', 'module m\n\nrequire example.com/a v1.1.0\n\nreplace example.com/a v1.0.0 => example.com/b v9.0.0\n');
      expect(summary(await parseInput(f)).packages).toEqual(['example.com/a v1.1.0 3']);
    });
  });

  it('tokenizes as x/mod does: comments, quoted and raw strings, an arrow without spaces', () => {
    expect(goModTokens('\tgithub.com/a/b v1.0.0 // indirect')).toEqual(['github.com/a/b', 'v1.0.0']);
    expect(goModTokens('replace "example.com/a"=>`../a` // local')).toEqual(['replace', 'example.com/a', '=>', '../a']);
    expect(goModTokens('require (')).toEqual(['require', '(']);
    expect(goModTokens('// only a comment')).toEqual([]);
  });

  it('names the line of a bad require, an unclosed block, and refuses a file without module', async () => {
    await withTempDir(async (dir) => {
      const one = await writeTemp(dir, 'a.mod', 'module m\n\nrequire (\n\texample.com/a\n)\n');
      expect((await rejection(parseInput(one))).message).toBe(`${one}:4: require needs a module path and a version, not "example.com/a"`);
      const open = await writeTemp(dir, 'b.mod', 'module m\n\nrequire (\n\texample.com/a v1.0.0\n');
      expect((await rejection(parseInput(open))).message).toBe(`${open}:3: the require block opened here is not closed with ")"`);
      const none = await writeTemp(dir, 'c.mod', 'go 1.22\nrequire example.com/a v1.0.0\n');
      expect((await rejection(parseInput(none, { format: 'go-mod' }))).message).toBe(`${none}: has no module directive: not a go.mod file`);
    });
  });
});

describe('go.sum', () => {
  it('lists the highest version of each module whose code it holds (not /go.mod-only lines)', async () => {
    expect(summary(await parseInput(fixture('lockfiles/go.sum')))).toEqual({
      packages: [
        'github.com/docker/docker v24.0.7+incompatible 1',
        'github.com/gorilla/mux v1.8.0 4',
        // 20220225 is above 20210226 (pseudo-versions order by their time stamp).
        'golang.org/x/net v0.0.0-20220225172249-27dd8689420f 8',
        'golang.org/x/text v0.3.7 11',
      ],
      skipped: [],
    });
  });

  it('names the line that is not a checksum line', async () => {
    await withTempDir(async (dir) => {
      const f = await writeTemp(dir, 'go.sum', 'example.com/a v1.0.0 h1:abc=\nexample.com/b v1.0.0\n');
      expect((await rejection(parseInput(f, { format: 'go-sum' }))).message).toBe(`${f}:2: "example.com/b v1.0.0" is not "<module> <version> <hash>"`);
    });
  });
});

describe('Cargo.lock', () => {
  it('checks crates.io crates (git index and sparse); another registry and git are unchecked, source-less crates local', async () => {
    expect(summary(await parseInput(fixture('lockfiles/Cargo.lock')))).toEqual({
      packages: ['base64 0.13.0 5', 'smallvec 1.6.0 38', 'time 0.1.43 44'],
      skipped: [
        'unchecked 11 company-utils@0.4.1 comes from registry+https://crates.company.example/index, not crates.io',
        'unchecked 17 ring@0.17.8 is a git dependency (git+https://github.com/briansmith/ring?branch=main#a1b2c3d4e5f60718293a4b5c6d7e8f9012345678)',
        'local 22 shop@0.1.0 has no source: a workspace member or path dependency',
        'local 34 shop-macros@0.1.0 has no source: a workspace member or path dependency',
      ],
    });
  });
});

describe('Gemfile.lock', () => {
  it('checks GEM gems once per version whatever the platform; GIT gems unchecked, PATH gems local', async () => {
    expect(summary(await parseInput(fixture('lockfiles/Gemfile.lock')))).toEqual({
      packages: ['concurrent-ruby 1.2.3 18', 'nokogiri 1.13.10 19', 'racc 1.7.3 23', 'rack 2.2.3 24'],
      skipped: [
        'unchecked 6 activesupport@7.2.0.alpha is a git gem (https://github.com/rails/rails.git#2a1b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d)',
        'local 12 shop@0.1.0 is a local gem (path .)',
      ],
    });
  });

  it('refuses merge-conflict markers and names a gem line it cannot read', async () => {
    await withTempDir(async (dir) => {
      const conflict = await writeTemp(dir, 'a.lock', 'GEM\n  remote: https://rubygems.org/\n  specs:\n<<<<<<< HEAD\n    rack (2.2.3)\n');
      expect((await rejection(parseInput(conflict))).message).toBe(`${conflict}:4: has merge-conflict markers: resolve the conflict (or regenerate the lockfile) first`);
      const noVersion = await writeTemp(dir, 'b.lock', 'GEM\n  remote: https://rubygems.org/\n  specs:\n    rack\n');
      expect((await rejection(parseInput(noVersion))).message).toBe(`${noVersion}:4: gem "rack" has no version`);
    });
  });
});

describe('composer.lock', () => {
  it('checks tagged releases of packages and packages-dev; a branch is unchecked, a path repository local', async () => {
    expect(summary(await parseInput(fixture('lockfiles/composer.lock')))).toEqual({
      packages: ['guzzlehttp/psr7 2.4.4 #/packages/0', 'symfony/http-kernel v6.4.1 #/packages/1', 'phpunit/phpunit 10.5.20 #/packages-dev/0'],
      skipped: [
        'unchecked #/packages/2 acme/internal@dev-main is a development branch at 9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c, not a release',
        'local #/packages/3 shop/shared@1.0.0 is a local path repository (packages/shared)',
      ],
    });
  });

  it('names the JSON path of a package without a version', () => {
    const err = thrown(() => composerLockFromJson({ 'content-hash': 'x', packages: [{ name: 'a/b' }] }, 'composer.lock'));
    expect(err.message).toBe('composer.lock#/packages/0/version: not a composer.lock: Invalid input: expected string, received undefined');
  });
});

describe('NuGet packages.lock.json', () => {
  it('lists each package once per version (ids case-insensitive), leaving out the solution\'s projects', async () => {
    expect(summary(await parseInput(fixture('lockfiles/packages.lock.json')))).toEqual({
      packages: ['Newtonsoft.Json 12.0.3 #/dependencies/net8.0/Newtonsoft.Json', 'System.Text.Json 8.0.0 #/dependencies/net8.0/System.Text.Json'],
      skipped: [],
    });
  });

  it('names the JSON path of an entry without a resolved version, and refuses unknown versions', () => {
    const noResolved = thrown(() => nugetLockFromJson({ version: 1, dependencies: { 'net8.0': { A: { type: 'Transitive' } } } }, 'p.json'));
    expect(noResolved.message).toBe('p.json#/dependencies/net8.0/A: Transitive entry has no resolved version');
    expect(thrown(() => nugetLockFromJson({ version: 3, dependencies: {} }, 'p.json')).message).toBe('p.json#/version: packages.lock.json version 3 is not supported (1 and 2 are)');
  });
});

describe('gradle.lockfile', () => {
  it('lists group:artifact at its version', async () => {
    expect(summary(await parseInput(fixture('lockfiles/gradle.lockfile')))).toEqual({
      packages: [
        'com.fasterxml.jackson.core:jackson-databind 2.13.2 4',
        'com.google.guava:guava 31.1-jre 5',
        'org.apache.logging.log4j:log4j-core 2.14.1 6',
        'org.springframework:spring-core 5.3.18 7',
      ],
      skipped: [],
    });
  });

  it('reads the older per-configuration lockfiles (no =configurations) and names a bad line', async () => {
    await withTempDir(async (dir) => {
      const old = await writeTemp(dir, 'compileClasspath.lockfile', '# comment\norg.slf4j:slf4j-api:1.7.36\n');
      expect(summary(await parseInput(old, { format: 'gradle-lockfile' })).packages).toEqual(['org.slf4j:slf4j-api 1.7.36 2']);
      const bad = await writeTemp(dir, 'gradle.lockfile', '# This is a Gradle generated file for dependency locking.\norg.slf4j:slf4j-api=compileClasspath\n');
      expect((await rejection(parseInput(bad))).message).toBe(`${bad}:2: "org.slf4j:slf4j-api=compileClasspath" is not "group:artifact:version=configurations"`);
    });
  });
});
