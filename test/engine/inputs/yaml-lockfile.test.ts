/**
 * The fast reader of package managers' YAML layout (yaml-lockfile.ts) against the general YAML
 * parser: on every pnpm and berry fixture both give the same entries; it gives up (so the caller
 * parses general YAML) on layouts it is not sure to read exactly; its scalars are YAML's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseYaml } from '../../../engine-client/inputs/documents.ts';
import { readLockfileEntries, yamlFlowMap, yamlScalar } from '../../../engine-client/inputs/yaml-lockfile.ts';
import { fixture } from './helpers.ts';

const WANTED = ['resolution', 'name', 'version'];

/** The general parser's entries, with only the wanted fields kept. */
async function general(text: string, section: string | null) {
  return (await parseYaml('f', text, 'a lockfile'))
    .entries(section === null ? [] : [section])
    .filter((e) => e.key !== '__metadata')
    .map((e) => ({ ...e, value: Object.fromEntries(Object.entries(e.value as Record<string, unknown>).filter(([k]) => WANTED.includes(k))) }));
}

describe('fast lockfile reader', () => {
  it.each([
    ['lockfiles/pnpm-lock-v9.yaml', 'packages'],
    ['lockfiles/pnpm-lock-v6.yaml', 'packages'],
    ['lockfiles/pnpm-lock-v5.yaml', 'packages'],
    ['lockfiles/yarn-berry.lock', null],
  ] as const)('reads %s exactly as the YAML parser does', async (name, section) => {
    const text = readFileSync(fixture(name), 'utf8');
    const fast = readLockfileEntries(text, section, WANTED);
    expect(fast).toBeDefined();
    expect(fast).toEqual(await general(text, section));
  });

  it.each([
    ['a block-style field', "packages:\n  a@1.0.0:\n    resolution:\n      integrity: sha512-x\n"],
    ['an anchor', 'packages:\n  a@1.0.0:\n    resolution: &r {integrity: sha512-x}\n'],
    ['a comment after a value', 'packages:\n  a@1.0.0:\n    version: 1.0.0 # pinned\n'],
    ['a flow-style section', 'packages: {a@1.0.0: {version: 1.0.0}}\n'],
    ['tab indentation', 'packages:\n\ta@1.0.0:\n\t\tversion: 1.0.0\n'],
    ['an odd indentation', 'packages:\n   a@1.0.0:\n     version: 1.0.0\n'],
    ['a duplicate key', 'packages:\n  a@1.0.0:\n    version: 1.0.0\n  a@1.0.0:\n    version: 1.0.0\n'],
    ['a nested flow map', "packages:\n  a@1.0.0:\n    resolution: {integrity: {x: y}}\n"],
    ['a value continued on a deeper line', 'packages:\n  a@1.0.0:\n    version: 1.0.0\n      more\n'],
    ['a deeper line after an entry key', 'packages:\n  a@1.0.0:\n      version: 1.0.0\n'],
  ])('gives up on %s', (_what, text) => {
    expect(readLockfileEntries(text, 'packages', WANTED)).toBeUndefined();
  });

  it('reads scalars as YAML does, and is unsure of the rest', () => {
    for (const raw of ['4.17.21', "'@babel/core@7.24.7'", '"lodash@npm:4.17.21"', "'it''s'", 'file:vendor/tokens', 'https://codeload.github.com/u/r/tar.gz/5d8f', '0.0.0-use.local', '-rc']) {
      expect(yamlScalar(raw), raw).toBe((parse(`k: ${raw}`, { schema: 'failsafe' }) as { k: string }).k);
    }
    for (const raw of ['*ref', '&a x', '|', '[1]', 'a: b', 'x # c', "'open"]) expect(yamlScalar(raw), raw).toBeUndefined();
    expect(yamlFlowMap("{integrity: sha512-AB==, tarball: https://x/y.tgz}")).toEqual({ integrity: 'sha512-AB==', tarball: 'https://x/y.tgz' });
    expect(yamlFlowMap('{directory: vendor/tokens, type: directory}')).toEqual({ directory: 'vendor/tokens', type: 'directory' });
    expect(yamlFlowMap('{a: "b"}')).toBeUndefined();
  });
});
