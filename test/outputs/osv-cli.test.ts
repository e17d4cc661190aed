/** `airfeed export osv --out DIR`, run as the CLI, and what `airfeed outputs` says of both outputs. */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir, writeMirror } from '../helpers/mirror.ts';
import { readZip } from './osv-helpers.ts';

const run = promisify(execFile);
const cli = path.resolve(import.meta.dirname, '../../scripts/airfeed.mjs');
let db: TestDb;
let home: string;
let mirror: string;

async function airfeed(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { ...process.env, DATABASE_URL: db.url, AIRFEED_HOME: home, AIRFEED_LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  db = await createTestDb();
  home = await tempDir('airfeed-osv-cli-');
  mirror = await writeMirror(path.join(home, 'mirror'), {
    'v3.20': { main: { musl: { '1.2.5-r1': ['CVE-2025-26519'] }, xen: { '4.18.2-r0': ['XSA-458'] } } },
    edge: { main: { musl: { '1.2.5-r9': ['CVE-2025-26519'] } } },
  });
});
afterAll(async () => {
  await db.drop();
});

describe('airfeed export osv', () => {
  it('fails, naming the reason, while there is no data', async () => {
    const r = await airfeed('export', 'osv', '--out', path.join(home, 'out'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no enabled group with data osv-scanner can use');
  });

  it('writes DIR/ecosystems.txt and DIR/<Ecosystem>/all.zip and modified_id.csv, and prints JSON', async () => {
    expect((await airfeed('sync', 'alpine', '--source', mirror)).code).toBe(0);
    const out = path.join(home, 'out');
    const r = await airfeed('export', 'osv', '--out', out, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { ecosystems: { name: string; documents: number }[]; files: { path: string }[]; groups: { name: string; records: number }[] };
    expect(j.ecosystems).toEqual([{ name: 'Alpine', documents: 2 }]);
    expect(j.groups).toEqual([{ name: 'alpine:3.20', records: 2 }, { name: 'alpine:edge', records: 1 }]);
    expect(await fs.readFile(path.join(out, 'ecosystems.txt'), 'utf8')).toBe('Alpine\n');
    expect((await readZip(path.join(out, 'Alpine', 'all.zip'))).map((e) => e.name)).toEqual(['ALPINE-XSA-458.json', 'CVE-2025-26519.json']);
    // The merged document names the package in both releases.
    const [, musl] = await readZip(path.join(out, 'Alpine', 'all.zip'));
    expect((JSON.parse(musl!.data.toString()) as { affected: { package: { ecosystem: string } }[] }).affected.map((a) => a.package.ecosystem)).toEqual(['Alpine:v3.20', 'Alpine:edge']);
    expect((await fs.readdir(out)).sort()).toEqual(['Alpine', 'ecosystems.txt', 'modified_id.csv']);
    // A second export replaces the first in place, leaving no scratch directory.
    const again = await airfeed('export', 'osv', '--out', out);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('1 ecosystems');
    expect((await fs.readdir(out)).sort()).toEqual(['Alpine', 'ecosystems.txt', 'modified_id.csv']);
  });

  it('`airfeed outputs --json` lists what `serve` built (nothing yet here)', async () => {
    const r = await airfeed('outputs', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});
