/** The external line sort (drivers/_framework/line-sort.ts): the same order as an in-memory sort, runs merged, parts located. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileLines, KeyedLines, LineSorter } from '../../../drivers/_framework/line-sort.ts';
import { tempDir } from '../../helpers/mirror.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('airfeed-linesort-');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function collect(gen: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of gen) out.push(l);
  return out;
}

/** Lines with the shapes the drivers write: a group, an id that is a prefix of others, non-ASCII text, duplicates. */
function sample(n: number): string[] {
  const groups = ['debian:10', 'debian:12', 'debian:unstable', 'debian:9'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const g = groups[(i * 7) % groups.length];
    const id = `CVE-2024-${(i * 7919) % 997}`;
    out.push(`${g}\t${id}\tsrc${i % 13}\t{"d":"é ${'x'.repeat(i % 17)} 😀"}`);
  }
  out.push(out[3] ?? '', out[3] ?? '');
  return out;
}

describe('LineSorter', () => {
  it('sorts in code-unit order, in memory and across many runs alike, keeping duplicates', async () => {
    const lines = sample(5000);
    const expected = [...lines].sort();
    for (const max of [1 << 30, 4000, 300]) {
      const sorter = new LineSorter({ dir: path.join(dir, `runs-${max}`), maxBufferChars: max });
      for (const l of lines) await sorter.add(l);
      expect(sorter.lines).toBe(lines.length);
      const out = path.join(dir, `out-${max}`);
      await sorter.finish(out);
      expect(await collect(fileLines(out))).toEqual(expected);
      // Run files are gone.
      expect(await fs.readdir(path.join(dir, `runs-${max}`)).catch(() => [])).toEqual([]);
    }
  });

  it('returns the byte range of each part, so one part is read alone', async () => {
    const lines = sample(3000);
    const sorter = new LineSorter({ dir: path.join(dir, 'runs'), maxBufferChars: 2000 });
    for (const l of lines) await sorter.add(l);
    const out = path.join(dir, 'out');
    const parts = await sorter.finish(out, { partition: (l) => l.slice(0, l.indexOf('\t')) });
    expect([...parts.keys()]).toEqual(['debian:10', 'debian:12', 'debian:9', 'debian:unstable']);
    for (const [group, range] of parts) {
      const want = lines.filter((l) => l.startsWith(`${group}\t`)).sort();
      expect(await collect(fileLines(out, range))).toEqual(want);
    }
    const size = (await fs.stat(out)).size;
    expect(Math.max(...[...parts.values()].map((r) => r.end))).toBe(size);
  });

  it('writes an empty file for no lines', async () => {
    const sorter = new LineSorter({ dir: path.join(dir, 'runs') });
    const parts = await sorter.finish(path.join(dir, 'empty'), { partition: (l) => l });
    expect(parts.size).toBe(0);
    expect(await collect(fileLines(path.join(dir, 'empty')))).toEqual([]);
  });
});

describe('KeyedLines', () => {
  it('joins by key in increasing order: passes smaller keys over, keeps a larger one for later, gives every line of a key', async () => {
    const file = path.join(dir, 'meta.lines');
    // Sorted by the first field, as LineSorter writes it; `CVE-1` is a prefix of `CVE-10`.
    await fs.writeFile(file, ['CVE-1\ta', 'CVE-10\tb\tc', 'CVE-10\td', 'CVE-3\te', 'CVE-5', 'CVE-7\tf'].join('\n'));
    const keyed = new KeyedLines(file);
    expect(await keyed.take('CVE-0')).toEqual([]);
    expect(await keyed.take('CVE-10')).toEqual(['b\tc', 'd']); // CVE-1 passed over
    expect(await keyed.take('CVE-2')).toEqual([]); // CVE-3 is kept for the next ask
    expect(await keyed.take('CVE-3')).toEqual(['e']);
    expect(await keyed.take('CVE-5')).toEqual(['']);
    expect(await keyed.take('CVE-9')).toEqual([]);
    expect(await keyed.take('CVE-99')).toEqual([]);
    await keyed.close();
  });
});
