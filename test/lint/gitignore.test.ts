/**
 * What the README tells people to create inside the checkout never lands in a commit by a careless
 * `git add .`: the key directory of `airfeed keys generate --out <dir>` (a private key!), the homes
 * `.airfeed/` and `.airfeed-engine/` (databases, their secret, trusted keys), and a private key file
 * anywhere. The key directories are read from the README's own examples, so a new example is covered
 * or fails here. Skips when this is not a git checkout (a source tarball has no .gitignore to check).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { skipUnless } from '../helpers/skip.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/** The paths (relative to the checkout) `git check-ignore` says are ignored. */
async function ignored(paths: string[]): Promise<string[]> {
  // --no-index: judge the rules, also for a path that happens to be tracked; exit 1 when none is ignored.
  const r = await run('git', ['check-ignore', '--no-index', '--', ...paths], { cwd: ROOT }).catch((e: { code: number; stdout: string }) => {
    if (e.code === 1) return { stdout: '' };
    throw e;
  });
  return r.stdout.split('\n').filter((l) => l !== '');
}

const isGitCheckout = await run('git', ['rev-parse', '--show-toplevel'], { cwd: ROOT }).then(
  (r) => path.resolve(r.stdout.trim()) === ROOT,
  () => false,
);

describe('.gitignore', skipUnless(isGitCheckout, 'not a git checkout (no .gitignore rules to check)'), () => {
  it("covers the README's key directories, both homes and private key files", async () => {
    const readme = await fs.readFile(path.join(ROOT, 'README.md'), 'utf8');
    const keyDirs = [...readme.matchAll(/keys generate --out (\S+)/g)].map((m) => path.normalize(m[1] ?? ''));
    expect(keyDirs.length).toBeGreaterThan(0);
    const secrets = [
      ...keyDirs.flatMap((d) => [`${d}/airfeed-bundle.key.pem`, `${d}/airfeed-bundle.pub.pem`]),
      '.airfeed/db/secret',
      '.airfeed/trusted-keys/producer.pub.pem',
      '.airfeed-engine/db/secret',
      'somewhere/else/airfeed-bundle.key.pem',
      'producer.key.pem',
    ];
    expect((await ignored(secrets)).sort()).toEqual([...secrets].sort());
  });

  it('still tracks the sources (the rules are not too broad)', async () => {
    expect(await ignored(['README.md', 'bundles/keys.ts', 'feed-service/cli/bundle-command.ts', 'test/fixtures/engine/inputs/dpkg-status'])).toEqual([]);
  });
});
