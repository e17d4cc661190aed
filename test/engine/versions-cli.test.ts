/** `airfeed-engine versions compare`: two versions, or a stdin batch with ERR lines that never stops the batch. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { compareLines } from '../../engine-client/cli/versions-command.ts';

const BIN = path.resolve(import.meta.dirname, '../../scripts/airfeed-engine.mjs');

async function batch(scheme: string, text: string): Promise<{ out: string; warnings: string; errors: number }> {
  const collect = (): [PassThrough, Buffer[]] => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    return [stream, chunks];
  };
  const [output, out] = collect();
  const [warnings, warned] = collect();
  const errors = await compareLines(scheme, Readable.from([text]), output, warnings);
  return { out: Buffer.concat(out).toString('utf8'), warnings: Buffer.concat(warned).toString('utf8'), errors };
}

describe('versions compare', () => {
  it('answers one line per input line, ERR for what it cannot compare', async () => {
    const r = await batch('dpkg', '1:1.2-1\t1.3-1\n1.0~rc1\t1.0\nno-tab-here\n1.0\t1.0\n  \t1.0\n');
    expect(r.out).toBe('1\n-1\nERR line 3: expected two versions separated by a TAB\n0\nERR dpkg: "  " is not a valid version: version string is empty\n');
    expect(r.errors).toBe(2);
    expect(r.warnings).toBe('');
  });

  it('answers what dpkg compares with a warning, and sends the warning (with its line) to the other stream', async () => {
    const r = await batch('dpkg', '3.0!-5\t3.0-5\n1.0\t1.0\n\t1.0\n0.10.1_-7.2\ta-0\n');
    expect(r.out).toBe('1\n0\n-1\n-1\n');
    expect(r.errors).toBe(0);
    expect(r.warnings).toBe(
      'line 1: dpkg: "3.0!-5": invalid character in version number\n' +
        'line 3: dpkg: "": empty version: dpkg --compare-versions reads it as earlier than every version\n' +
        'line 4: dpkg: "0.10.1_-7.2": invalid character in version number\n' +
        'line 4: dpkg: "a-0": version number does not start with digit\n',
    );
  });

  it('keeps order and count over 100,000 lines', async () => {
    const lines: string[] = [];
    const want: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const a = `1.${i % 97}.${i % 13}-r${i % 5}`;
      const b = `1.${(i * 7) % 97}.${i % 11}-r0`;
      lines.push(`${a}\t${b}`);
      const [am, an, ar] = [i % 97, i % 13, i % 5];
      const [bm, bn] = [(i * 7) % 97, i % 11];
      want.push(String(Math.sign(am - bm || an - bn || ar)));
    }
    const r = await batch('apk', `${lines.join('\n')}\n`);
    expect(r.errors).toBe(0);
    expect(r.out.split('\n').slice(0, -1)).toEqual(want);
  });

  it('runs as a command: exit 0 with an answer, 1 when a batch had ERR lines, 2 on an unknown scheme', () => {
    const two = spawnSync(process.execPath, [BIN, 'versions', 'compare', 'rpm', '1.0~rc1', '1.0'], { encoding: 'utf8' });
    expect([two.status, two.stdout]).toEqual([0, '-1\n']);
    const bad = spawnSync(process.execPath, [BIN, 'versions', 'compare', 'pep440'], { input: '1.0\t1.0.post1\nnot a version\t1\n', encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^-1\nERR pep440: "not a version" is not a valid version/);
    const warned = spawnSync(process.execPath, [BIN, 'versions', 'compare', 'maven', '3.1.52 ', '3.1.52'], { encoding: 'utf8' });
    expect([warned.status, warned.stdout]).toEqual([0, '1\n']);
    expect(warned.stderr).toBe('warning: maven: "3.1.52 ": character " " at 6 is not printable ASCII: Maven compares it as part of a qualifier\n');
    const batchWarned = spawnSync(process.execPath, [BIN, 'versions', 'compare', 'pep440'], { input: '0.7.18.poſt1\t0.7.18\n1.0\t1.0\n', encoding: 'utf8' });
    expect([batchWarned.status, batchWarned.stdout]).toEqual([0, '1\n0\n']);
    expect(batchWarned.stderr).toMatch(/^line 1: pep440: "0\.7\.18\.poſt1": non-ASCII letter "ſ" at 9 matches "s"/);
    const unknown = spawnSync(process.execPath, [BIN, 'versions', 'compare', 'debian', '1', '2'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown version scheme "debian"; valid schemes: apk, crates, dpkg');
  });
});
