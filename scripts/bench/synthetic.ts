/** Deterministic synthetic records whose JSON sizes follow NVD's (2–5 KB each), for benchmarks. */
import type { VulnRecord } from '../../drivers/_framework/record.ts';

/** mulberry32: a tiny seeded PRNG, so every run generates the same records. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'buffer overflow in the parser allows remote attackers to execute arbitrary code via a crafted request heap use after free denial of service memory corruption'.split(' ');

// A pool of descriptions of 1.2–4.2 KB, built once: generating text per record would make the
// benchmark measure this generator instead of the path under test.
const POOL = Array.from({ length: 256 }, (_, p) => {
  const rand = prng(p + 1);
  const words: string[] = [];
  const target = 1200 + Math.floor(rand() * 3000);
  for (let len = 0; len < target; ) {
    const w = WORDS[Math.floor(rand() * WORDS.length)] ?? 'x';
    words.push(w);
    len += w.length + 1;
  }
  return words.join(' ');
});

/** Yields `n` records of `group`; records whose index is a multiple of `changeEvery` get another fixed version. */
export function* syntheticRecords(n: number, group: string, changeEvery = 0): Generator<VulnRecord> {
  for (let i = 0; i < n; i++) {
    const id = `CVE-${2000 + (i % 25)}-${String(i).padStart(7, '0')}`;
    const bump = changeEvery > 0 && i % changeEvery === 0 ? 1 : 0;
    yield {
      schemaVersion: 2,
      id,
      namespace: group,
      severity: (['Low', 'Medium', 'High', 'Critical'] as const)[i % 4] ?? 'Unknown',
      description: `${id}: ${POOL[(i * 7919) % POOL.length] ?? ''}`,
      link: `https://nvd.nist.gov/vuln/detail/${id}`,
      aliases: [],
      cvss: [
        { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, baseSeverity: 'CRITICAL',
          exploitabilityScore: 3.9, impactScore: 5.9, source: 'nvd@nist.gov', type: 'Primary' },
      ],
      fixedIn: Array.from({ length: 1 + (i % 3) }, (_, k) => ({
        package: `package-${k}-${i % 1000}`,
        versionScheme: 'apk' as const,
        state: 'fixed' as const,
        version: `${1 + k}.${i % 50}.${bump}-r0`,
      })),
      references: Array.from({ length: 2 + (i % 6) }, (_, k) => ({ url: `https://example.org/advisories/${id}/${k}`, type: 'ADVISORY' as const })),
      published: '2024-01-01T00:00:00Z',
      modified: '2024-06-01T00:00:00Z',
      withdrawn: null,
      metadata: {},
      provenance: { driver: 'bench', source: 'synthetic' },
    };
  }
}

/** Wraps a sync generator as an async iterable, as parse yields records. */
export async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield item;
}
