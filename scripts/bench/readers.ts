/**
 * `npm run bench -- readers`: the drivers' I/O toolkit on a generated NVD-shaped JSON file
 * (BENCH_READERS_MB, default 128 MiB): each decompressor's decoded MB/s and peak RSS next to the
 * same format's command-line tool decoding to /dev/null (the floor; "n/a" when the tool is not
 * installed — the input then cannot be made either, except gzip/zlib which Node writes), and the
 * streaming JSON reader next to a plain read of the file. Each case runs in its own process so its
 * peak RSS is its own.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createDeflate, createGzip } from 'node:zlib';
import { decodeBytes } from '../../drivers/_framework/read/decompress.ts';
import { jsonArray } from '../../drivers/_framework/read/json.ts';

const MiB = 1024 * 1024;
const self = fileURLToPath(import.meta.url);

/** Child mode: `readers.ts <case> <file>` prints one JSON line. */
async function child(kind: string, file: string): Promise<void> {
  const { createReadStream } = await import('node:fs');
  const t = performance.now();
  let bytes = 0;
  let items = 0;
  if (kind === 'read') {
    for await (const c of createReadStream(file)) bytes += (c as Buffer).length;
  } else if (kind === 'json') {
    const doc = jsonArray(createReadStream(file), { label: 'bench', path: ['vulnerabilities'] });
    for await (const _ of doc.items()) items++;
    bytes = (await fs.stat(file)).size;
  } else {
    for await (const c of decodeBytes(createReadStream(file), { label: 'bench' })) bytes += c.length;
  }
  const seconds = (performance.now() - t) / 1000;
  process.stdout.write(`${JSON.stringify({ bytes, items, seconds, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
}

function entry(i: number): string {
  return JSON.stringify({
    cve: {
      id: `CVE-2024-${String(i).padStart(6, '0')}`, sourceIdentifier: 'cve@mitre.org', published: '2024-01-01T00:00:00.000', vulnStatus: 'Analyzed',
      descriptions: [{ lang: 'en', value: `A flaw in component ${i % 977} of product ${i % 131} lets remote attackers cause a denial of service via crafted input ${i}.` }],
      metrics: { cvssMetricV31: [{ source: 'nvd@nist.gov', type: 'Primary', cvssData: { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: (i % 100) / 10 } }] },
      configurations: [{ nodes: [{ operator: 'OR', cpeMatch: [{ vulnerable: true, criteria: `cpe:2.3:a:vendor${i % 53}:product${i % 131}:*:*:*:*:*:*:*:*`, versionEndExcluding: `${i % 9}.${i % 7}.${i % 5}` }] }] }],
    },
  });
}

async function generate(file: string, size: number): Promise<number> {
  const out = createWriteStream(file);
  let written = 0;
  let i = 0;
  const write = (s: string): Promise<void> | void => {
    written += Buffer.byteLength(s);
    if (!out.write(s)) return new Promise((r) => out.once('drain', () => r()));
  };
  await write('{"resultsPerPage":0,"startIndex":0,"totalResults":0,"format":"NVD_CVE","version":"2.0","timestamp":"2024-10-25T03:00:02.123","vulnerabilities":[');
  while (written < size) {
    const parts: string[] = [];
    for (let k = 0; k < 200; k++) parts.push((i === 0 ? '' : ',') + entry(i++));
    await write(parts.join(''));
  }
  await write(']}');
  await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
  return i;
}

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

function timeShell(command: string): number | null {
  const t = performance.now();
  const res = spawnSync('sh', ['-c', command], { stdio: 'ignore' });
  return res.status === 0 ? (performance.now() - t) / 1000 : null;
}

async function main(): Promise<void> {
  const size = Number(process.env['BENCH_READERS_MB'] ?? 128) * MiB;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-bench-readers-'));
  try {
    const plain = path.join(dir, 'page.json');
    const items = await generate(plain, size);
    const raw = (await fs.stat(plain)).size;
    process.stderr.write(`bench: generated ${(raw / MiB).toFixed(0)} MiB, ${items} CVEs\n`);
    const inputs: Array<{ name: string; file: string; floor: string | null }> = [];
    await pipeline((await import('node:fs')).createReadStream(plain), createGzip({ level: 6 }), createWriteStream(`${plain}.gz`));
    inputs.push({ name: 'gzip (node:zlib)', file: `${plain}.gz`, floor: has('gzip') ? `gzip -dc ${plain}.gz > /dev/null` : null });
    await pipeline((await import('node:fs')).createReadStream(plain), createDeflate(), createWriteStream(`${plain}.zz`));
    inputs.push({ name: 'zlib (node:zlib)', file: `${plain}.zz`, floor: null });
    for (const [tool, ext, label] of [['bzip2', 'bz2', 'bzip2 (unbzip2-stream decoder)'], ['xz', 'xz', 'xz (xz-decompress, WASM)'], ['zstd', 'zst', 'zstd (fzstd)']] as const) {
      if (!has(tool)) {
        process.stderr.write(`bench: ${tool} is not installed; skipping ${label}\n`);
        continue;
      }
      spawnSync('sh', ['-c', `${tool} -q -c ${tool === 'zstd' ? '-3' : '-6'} ${plain} > ${plain}.${ext}`]);
      inputs.push({ name: label, file: `${plain}.${ext}`, floor: `${tool} -dc ${plain}.${ext} > /dev/null` });
    }
    const runCase = (kind: string, file: string): { bytes: number; items: number; seconds: number; maxRssMB: number } => {
      const res = spawnSync(process.execPath, ['--import', 'tsx', self, kind, file], { encoding: 'utf8' });
      const line = res.stdout.trim().split('\n').pop() ?? '';
      if (res.status !== 0 || !line.startsWith('{')) throw new Error(`bench readers ${kind} failed:\n${res.stderr}`);
      return JSON.parse(line) as { bytes: number; items: number; seconds: number; maxRssMB: number };
    };
    const rows: string[][] = [];
    for (const input of inputs) {
      const packed = (await fs.stat(input.file)).size;
      const r = runCase('decode', input.file);
      if (r.bytes !== raw) throw new Error(`${input.name}: decoded ${r.bytes} bytes, expected ${raw}`);
      const floor = input.floor ? timeShell(input.floor) : null;
      rows.push([input.name, `${(packed / MiB).toFixed(1)}`, (raw / MiB / r.seconds).toFixed(1), String(r.maxRssMB), floor ? (raw / MiB / floor).toFixed(1) : 'n/a']);
    }
    const read = runCase('read', plain);
    const json = runCase('json', plain);
    rows.push(['plain read (createReadStream)', (raw / MiB).toFixed(1), (raw / MiB / read.seconds).toFixed(1), String(read.maxRssMB), '-']);
    rows.push([`streaming JSON (${json.items} elements)`, (raw / MiB).toFixed(1), (raw / MiB / json.seconds).toFixed(1), String(json.maxRssMB), `plain read ${(raw / MiB / read.seconds).toFixed(0)}`]);
    const head = ['case', 'input MiB', 'decoded MiB/s', 'peak RSS MB', 'floor MiB/s (CLI to /dev/null)'];
    const table = [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
    process.stdout.write(`${table}\n`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const [kind, file] = process.argv.slice(2);
if (kind && file) await child(kind, file);
else await main();
