/**
 * Memory stays flat while streaming a large JSON document: a ~192 MiB NVD-shaped page is generated
 * on the fly (never held whole), streamed element by element, and the process must neither keep
 * the elements (live heap after a forced GC at the end ≈ live heap early on) nor grow its RSS
 * anywhere near the input size. Nothing about time is asserted.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { jsonArray } from '../../../drivers/_framework/read/json.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const MiB = 1024 * 1024;
const TARGET = 192 * MiB;

function entry(i: number): string {
  return JSON.stringify({
    cve: {
      id: `CVE-2024-${String(i).padStart(6, '0')}`, sourceIdentifier: 'cve@mitre.org', vulnStatus: 'Analyzed',
      descriptions: [{ lang: 'en', value: `A flaw in component ${i} lets remote attackers do things — “quoted” é ${'x'.repeat(200)}` }],
      metrics: { cvssMetricV31: [{ source: 'nvd@nist.gov', type: 'Primary', cvssData: { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8 } }] },
      configurations: [{ nodes: [{ operator: 'OR', cpeMatch: [{ vulnerable: true, criteria: `cpe:2.3:a:vendor:product${i}:*:*:*:*:*:*:*:*`, versionEndExcluding: '1.2.3' }] }] }],
    },
  });
}

describe('streaming JSON memory', () => {
  it('streams a generated ~192 MiB page with flat memory', { timeout: 300_000 }, async () => {
    let produced = 0;
    let made = 0;
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"resultsPerPage":0,"startIndex":0,"totalResults":0,"format":"NVD_CVE","version":"2.0","timestamp":"2024-10-25T03:00:02.123","vulnerabilities":[');
      while (produced < TARGET) {
        const parts: string[] = [];
        for (let size = 0; size < 64 * 1024;) {
          const e = (made === 0 ? '' : ',') + entry(made++);
          parts.push(e);
          size += e.length;
        }
        const b = Buffer.from(parts.join(''));
        produced += b.length;
        yield b;
      }
      yield Buffer.from(']}');
    }
    gc();
    const rssBase = process.memoryUsage().rss;
    let rssPeak = rssBase;
    let heapEarly = 0;
    let count = 0;
    let idSum = 0;
    for await (const { key, value } of jsonArray(source(), { label: 'generated', path: ['vulnerabilities'] }).items()) {
      expect(key).toBe(count);
      idSum += Number((value as { cve: { id: string } }).cve.id.slice(9));
      count++;
      if (count % 5000 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      if (heapEarly === 0 && produced > TARGET / 10) {
        gc();
        heapEarly = process.memoryUsage().heapUsed;
      }
    }
    gc();
    const heapEnd = process.memoryUsage().heapUsed;
    expect(count).toBe(made);
    expect(idSum).toBe((made * (made - 1)) / 2);
    const rssGrowth = rssPeak - rssBase;
    // Measured on the project machine: RSS growth 58–80 MiB whatever the input size (V8's young
    // generation and heap headroom, not the input: 75 MiB for a 300 MiB input), live heap growth < 1 MiB.
    expect(rssGrowth).toBeLessThan(TARGET * 0.6);
    expect(heapEnd - heapEarly).toBeLessThan(16 * MiB);
    process.stdout.write(`json-memory: ${(produced / MiB).toFixed(0)} MiB, ${count} items, RSS growth ${(rssGrowth / MiB).toFixed(1)} MiB, live heap growth ${((heapEnd - heapEarly) / MiB).toFixed(2)} MiB\n`);
  });
});
