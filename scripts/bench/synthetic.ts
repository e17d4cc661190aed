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

const VENDORS = ['apache', 'microsoft', 'oracle', 'google', 'cisco', 'ibm', 'redhat', 'mozilla', 'adobe', 'linux', 'wordpress', 'jenkins', 'gitlab', 'php', 'python'];
const PLATFORMS = ['cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*', 'cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*', 'cpe:2.3:o:apple:macos:-:*:*:*:*:*:*:*'];
const TAGS = [['Patch'], ['Vendor Advisory'], ['Third Party Advisory', 'VDB Entry'], ['Exploit', 'Third Party Advisory'], ['Mailing List']];

/**
 * `n` records of group `nvdv2:cves` shaped as the NVD driver writes them (record schema 2), with NVD's
 * proportions measured on the real 2016 page (../shared/realdata/nvd/v2.0-feeds/nvdcve-2016.json.gz:
 * 1.7 configurations and a median of 4 CPE matches per CVE, 41% of CVEs with an AND "running on"
 * configuration, 5.5 references, one product per ~2 CVEs, English descriptions of ~290 characters):
 * CVSS 3.1 and 2.0 from NVD, a CWE, tagged references, and CPE configurations with version bounds
 * over a pool of `n / 2` products.
 */
export function* syntheticNvdRecords(n: number): Generator<VulnRecord> {
  const products = Math.max(1, Math.floor(n / 2));
  for (let i = 0; i < n; i++) {
    const rand = prng(i + 7);
    const id = `CVE-${2000 + (i % 25)}-${String(i).padStart(7, '0')}`;
    const text = POOL[(i * 7919) % POOL.length] ?? '';
    const matches = Array.from({ length: 1 + Math.floor(rand() * rand() * 8) }, (_, k) => {
      const p = Math.floor(rand() * products);
      const vendor = VENDORS[p % VENDORS.length] ?? 'acme';
      const major = 1 + (p % 9);
      return {
        vulnerable: true,
        criteria: `cpe:2.3:a:${vendor}:product_${p}:*:*:*:*:*:*:*:*`,
        matchCriteriaId: `${String(i).padStart(8, '0')}-0000-4000-8000-${String(k).padStart(12, '0')}`,
        versionStartIncluding: `${major}.0`,
        versionEndExcluding: `${major}.${1 + (k % 9)}.${i % 20}`,
      };
    });
    const configurations: VulnRecord['configurations'] = [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: matches }] }];
    if (rand() < 0.41) {
      configurations.push({
        operator: 'AND',
        nodes: [
          { operator: 'OR', negate: false, cpeMatch: [{ ...matches[0]!, matchCriteriaId: `${matches[0]!.matchCriteriaId.slice(0, -1)}a` }] },
          { operator: 'OR', negate: false, cpeMatch: [{ vulnerable: false, criteria: PLATFORMS[i % PLATFORMS.length]!, matchCriteriaId: `platform-${i % PLATFORMS.length}` }] },
        ],
      });
    }
    yield {
      schemaVersion: 2,
      id,
      namespace: 'nvdv2:cves',
      severity: (['Low', 'Medium', 'High', 'Critical'] as const)[i % 4] ?? 'Unknown',
      description: `${id}: ${text.slice(0, 120 + (i % 300))}`,
      link: `https://nvd.nist.gov/vuln/detail/${id}`,
      aliases: [],
      status: i % 50 === 0 ? 'Awaiting Analysis' : 'Analyzed',
      cvss: [
        { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, baseSeverity: 'CRITICAL', exploitabilityScore: 3.9, impactScore: 5.9, source: 'nvd@nist.gov', type: 'Primary' },
        { version: '2.0', vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', baseScore: 7.5, baseSeverity: 'HIGH', exploitabilityScore: 10, impactScore: 6.4, source: 'nvd@nist.gov', type: 'Primary' },
      ],
      weaknesses: [{ id: `CWE-${20 + (i % 800)}`, source: 'nvd@nist.gov', type: 'Primary' }],
      configurations,
      fixedIn: [],
      references: Array.from({ length: 2 + (i % 8) }, (_, k) => ({ url: `https://example.org/advisories/${id}/${k}`, source: 'cve@mitre.org', tags: TAGS[(i + k) % TAGS.length]! })),
      published: '2024-01-01T00:00:00Z',
      modified: '2024-06-01T00:00:00Z',
      withdrawn: null,
      metadata: {},
      provenance: { driver: 'bench', source: 'synthetic' },
    };
  }
}

/** `n` records of group `epss:scores` (one per CVE, as the EPSS driver writes them). */
export function* syntheticEpssRecords(n: number): Generator<VulnRecord> {
  for (let i = 0; i < n; i++) {
    const id = `CVE-${2000 + (i % 25)}-${String(i).padStart(7, '0')}`;
    yield {
      schemaVersion: 2, id, namespace: 'epss:scores', severity: 'Unknown', description: '', link: null, aliases: [], cvss: [], fixedIn: [], references: [],
      published: null, modified: null, withdrawn: null, epss: { score: ((i * 7919) % 100000) / 100000, percentile: ((i * 104729) % 100000) / 100000, date: '2025-02-20' },
      metadata: {}, provenance: { driver: 'bench', source: 'synthetic' },
    };
  }
}

/**
 * `n` npm advisories in OSV form as the OSV driver stores them (group `github:npm`), sized as
 * osv.dev's npm set (~200,000 documents, most of them short MAL- reports, ~1-3 KB of JSON).
 */
export function* syntheticNpmAdvisories(n: number): Generator<VulnRecord> {
  for (let i = 0; i < n; i++) {
    const malware = i % 5 !== 0;
    const id = malware ? `MAL-2024-${String(i).padStart(6, '0')}` : `GHSA-${String(i).padStart(4, '0')}-bench-${String(i % 9973).padStart(4, '0')}`;
    const pkg = `package-${i % 150000}`;
    yield {
      schemaVersion: 2,
      id,
      namespace: 'github:npm',
      severity: malware ? 'Critical' : (['Low', 'Medium', 'High'] as const)[i % 3] ?? 'Unknown',
      title: malware ? `Malicious code in ${pkg} (npm)` : `Prototype pollution in ${pkg}`,
      description: (POOL[(i * 31) % POOL.length] ?? '').slice(0, malware ? 200 : 1200),
      link: null,
      aliases: malware ? [] : [`CVE-${2000 + (i % 25)}-${String(i).padStart(7, '0')}`],
      cvss: malware ? [] : [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: null, baseSeverity: null, exploitabilityScore: null, impactScore: null, source: null, type: null }],
      fixedIn: [{
        package: pkg, versionScheme: 'semver', state: malware ? 'affected' : 'fixed',
        ranges: [{ type: 'SEMVER', events: malware ? [{ introduced: '0' }] : [{ introduced: '0' }, { fixed: `${1 + (i % 7)}.${i % 13}.${i % 5}` }] }],
      }],
      references: Array.from({ length: malware ? 1 : 3 + (i % 4) }, (_, k) => ({ url: `https://example.org/npm/${id}/${k}`, type: k === 0 ? 'ADVISORY' as const : 'WEB' as const })),
      published: '2024-01-01T00:00:00Z',
      modified: `2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z`,
      withdrawn: null,
      metadata: {},
      provenance: { driver: 'bench', source: 'synthetic' },
    };
  }
}
