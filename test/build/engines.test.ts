/**
 * package.json's `engines.node` promises no more than the dependencies support: every Node.js
 * version it admits satisfies the `engines.node` of every package in package-lock.json (so `npm ci`
 * warns EBADENGINE for none). Ranges are compared on a grid of versions with the engine's own npm
 * range comparator.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { parseNpm, parseRange, rangeTest } from '../../drivers/_framework/versions/semver.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const readJson = <T>(rel: string): T => JSON.parse(fs.readFileSync(path.join(ROOT, rel), 'utf8')) as T;
const ours = readJson<{ engines: { node: string } }>('package.json').engines.node;
const lock = readJson<{ packages: Record<string, { engines?: { node?: string } | string[] }> }>('package-lock.json');

/** Node.js versions 16.0.0 … 30.40.99: every minor, with patch 0, 1 and 99. */
const GRID = Array.from({ length: 15 }, (_, i) => i + 16).flatMap((major) =>
  Array.from({ length: 41 }, (_, minor) => [0, 1, 99].map((patch) => `${major}.${minor}.${patch}`)).flat(),
);

it('admits the Node.js running the tests', () => {
  expect(rangeTest(parseRange(ours), parseNpm(process.versions.node))).toBe(true);
});

it('admits only Node.js versions every dependency supports', () => {
  const admitted = GRID.filter((v) => rangeTest(parseRange(ours), parseNpm(v))).map((v) => parseNpm(v));
  expect(admitted.length).toBeGreaterThan(0);
  const unsupported: string[] = [];
  for (const [where, entry] of Object.entries(lock.packages)) {
    const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
    if (where === '' || range === undefined) continue;
    const parsed = parseRange(range);
    const first = admitted.find((v) => !rangeTest(parsed, v));
    if (first) unsupported.push(`${where.replace(/^.*node_modules\//, '')} (engines.node ${range}) does not support Node.js ${first.major}.${first.minor}.${first.patch}`);
  }
  expect(unsupported).toEqual([]);
});
