/** npm package-lock.json v2/v3: scoped, nested, aliased packages; v1 refused; bad entries. */
import { describe, expect, it } from 'vitest';
import { parseInput } from '../../../engine-client/inputs/index.ts';
import { npmLockFromJson } from '../../../engine-client/inputs/npm-lock.ts';
import { fixture, rejection, thrown } from './helpers.ts';

describe('package-lock.json', () => {
  it('lists v3 packages: scoped, nested under another package, aliased; no root, link, workspace or versionless entry', async () => {
    const file = fixture('package-lock-v3.json');
    const inv = await parseInput(file);
    const at = (key: string) => `${file}#/packages/${key.replaceAll('/', '~1')}`;
    expect(inv).toStrictEqual({
      file,
      format: 'npm-lock',
      packages: [
        { name: '@babel/core', version: '7.24.7', kind: 'npm', location: at('node_modules/@babel/core') },
        { name: 'semver', version: '6.3.1', kind: 'npm', location: at('node_modules/@babel/core/node_modules/semver') },
        { name: 'express', version: '4.19.2', kind: 'npm', location: at('node_modules/express') },
        { name: 'cookie', version: '0.6.0', kind: 'npm', location: at('node_modules/express/node_modules/cookie') },
        { name: 'qs', version: '6.11.0', kind: 'npm', location: at('node_modules/qs') },
        { name: 'lodash', version: '4.17.21', kind: 'npm', location: at('node_modules/lodash') },
        // installed as my-fetch, the package is node-fetch
        { name: 'node-fetch', version: '2.7.0', kind: 'npm', location: at('node_modules/my-fetch') },
        { name: 'vitest', version: '1.6.0', kind: 'npm', location: at('node_modules/vitest') },
        { name: '@vitest/expect', version: '1.6.0', kind: 'npm', location: at('node_modules/@vitest/expect') },
      ],
    });
    expect(inv.packages[1]?.location).toBe(`${file}#/packages/node_modules~1@babel~1core~1node_modules~1semver`);
  });

  it('reads v2 from its packages map', async () => {
    const file = fixture('package-lock-v2.json');
    expect((await parseInput(file)).packages).toStrictEqual([{ name: 'minimist', version: '1.2.5', kind: 'npm', location: `${file}#/packages/node_modules~1minimist` }]);
  });

  it('refuses lockfileVersion 1 with what to do', async () => {
    const file = fixture('package-lock-v1.json');
    const err = await rejection(parseInput(file));
    expect(err.message).toBe(`${file}: lockfileVersion 1 is not supported: regenerate it with npm 7 or newer`);
  });

  it('rejects a non-string version at its JSON path', async () => {
    const file = fixture('package-lock-bad-version.json');
    const err = await rejection(parseInput(file, { format: 'npm-lock' }));
    expect(err.message).toBe(`${file}#/packages/node_modules~1@babel~1core/version: not an npm package-lock.json: Invalid input: expected string, received number`);
  });

  it('rejects an unknown lockfileVersion and a v3 file without packages', () => {
    expect(thrown(() => npmLockFromJson({ lockfileVersion: 4, packages: {} }, 'l.json')).message).toBe('l.json#/lockfileVersion: lockfileVersion 4 is not supported (2 and 3 are)');
    expect(thrown(() => npmLockFromJson({ lockfileVersion: 3 }, 'l.json')).message).toBe('l.json#/packages: lockfileVersion 3 must have a "packages" map');
  });
});
