/** The KEV driver on its fixture mirror (test/fixtures/drivers/kev): fetch from a directory or a file, parse, record fields, refusals. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { SettingValues } from '../../drivers/_framework/settings.ts';
import type { DriverState, FetchResult } from '../../drivers/_framework/types.ts';
import { catalogUrl } from '../../drivers/kev/fetch.ts';
import { kev } from '../../drivers/kev/index.ts';
import { notesUrls } from '../../drivers/kev/record.ts';
import { tempDir } from '../helpers/mirror.ts';

const MIRROR = path.resolve(import.meta.dirname, '../fixtures/drivers/kev');
const FILE = 'known_exploited_vulnerabilities.json';
let ws: string;
let dir: string;

function fetchFrom(source: string, state: DriverState = {}): Promise<FetchResult> {
  return kev.fetch({
    source, workspace: ws, state, settings: SettingValues.none('kev'), http: new HttpClient(), log: silentLogger,
    progress: { phase: () => undefined, tick: () => undefined },
  });
}

async function parse(): Promise<{ name: string; fingerprint: string; records: VulnRecord[] }[]> {
  const out = [];
  for await (const g of kev.parse({ workspace: ws, log: silentLogger })) {
    const records: VulnRecord[] = [];
    for await (const r of g.records) records.push(r);
    out.push({ name: g.name, fingerprint: g.fingerprint, records });
  }
  return out;
}

/** A mirror holding the fixture catalog edited by `edit`. */
async function mirrorWith(edit: (doc: { count: number; vulnerabilities: Record<string, unknown>[] }) => void): Promise<string> {
  const doc = JSON.parse(await fs.readFile(path.join(MIRROR, FILE), 'utf8')) as { count: number; vulnerabilities: Record<string, unknown>[] };
  edit(doc);
  const m = path.join(dir, `mirror-${Math.random().toString(36).slice(2)}`);
  await fs.mkdir(m);
  await fs.writeFile(path.join(m, FILE), JSON.stringify(doc));
  return m;
}

beforeEach(async () => {
  dir = await tempDir('airfeed-kev-');
  ws = path.join(dir, 'ws');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('kev fetch', () => {
  it('copies the catalog from a directory or names the file itself, and reports an unchanged digest', async () => {
    const first = await fetchFrom(MIRROR);
    expect(first.unchanged).toBe(false);
    expect(await fs.readFile(path.join(ws, FILE))).toEqual(await fs.readFile(path.join(MIRROR, FILE)));
    expect(Object.keys(first.state)).toEqual([FILE]);
    expect(await fetchFrom(path.join(MIRROR, FILE), first.state)).toMatchObject({ unchanged: true, state: first.state });
  });

  it('takes an HTTP source as the catalog URL itself, or as the directory holding it', () => {
    expect(catalogUrl(kev.defaultSource)).toBe('https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json');
    expect(catalogUrl('https://mirror.internal/kev')).toBe('https://mirror.internal/kev/known_exploited_vulnerabilities.json');
    expect(catalogUrl('https://mirror.internal/kev/')).toBe('https://mirror.internal/kev/known_exploited_vulnerabilities.json');
    expect(catalogUrl('https://mirror.internal/kev/2025-08-25.json')).toBe('https://mirror.internal/kev/2025-08-25.json');
  });

  it('says which file is missing from a directory, and keeps the workspace', async () => {
    await fetchFrom(MIRROR);
    const empty = path.join(dir, 'empty');
    await fs.mkdir(empty);
    await expect(fetchFrom(empty)).rejects.toMatchObject({ code: 'SOURCE_INVALID', message: expect.stringContaining(`kev: ${path.join(empty, FILE)} does not exist`) as string });
    await expect(fetchFrom(path.join(dir, 'nowhere'))).rejects.toMatchObject({ code: 'SOURCE_INVALID' });
    expect(await fs.readFile(path.join(ws, FILE))).toEqual(await fs.readFile(path.join(MIRROR, FILE)));
  });
});

describe('kev parse', () => {
  it('yields one complete group with one record per entry, sorted by id, fingerprinted by version and digest', async () => {
    await fetchFrom(MIRROR);
    expect(await kev.groups(ws)).toEqual([{ name: 'kev:catalog', description: 'CISA Known Exploited Vulnerabilities catalog' }]);
    const [group, ...more] = await parse();
    expect(more).toEqual([]);
    expect(group?.fingerprint).toMatch(/^2025\.08\.25 sha256:[0-9a-f]{64}$/);
    expect(group?.records.map((r) => r.id)).toEqual(['CVE-2002-0367', 'CVE-2021-44228', 'CVE-2024-3400', 'CVE-2025-30066', 'CVE-2025-48384']);
  });

  it('maps an entry to a record: trimmed description, catalog link, notes URLs as references, the KEV block verbatim', async () => {
    await fetchFrom(MIRROR);
    const records = (await parse())[0]?.records ?? [];
    expect(records.find((r) => r.id === 'CVE-2025-30066')).toEqual({
      schemaVersion: 2,
      id: 'CVE-2025-30066',
      namespace: 'kev:catalog',
      severity: 'Unknown',
      description: 'tj-actions/changed-files GitHub Action contains an embedded malicious code vulnerability that allows a remote attacker to discover secrets by reading actions logs.',
      link: 'https://www.cisa.gov/known-exploited-vulnerabilities-catalog?search=CVE-2025-30066',
      aliases: [],
      cvss: [],
      fixedIn: [],
      references: [
        { url: 'https://www.cisa.gov/news-events/alerts/2025/03/18/supply-chain-compromise-third-party-tj-actionschanged-files-cve-2025-30066-and-reviewdogaction' },
        { url: 'https://github.com/tj-actions/changed-files/blob/45fb12d7a8bedb4da42342e52fe054c6c2c3fd73/README.md?plain=1#L20-L28' },
        { url: 'https://nvd.nist.gov/vuln/detail/CVE-2025-30066' },
      ],
      published: '2025-03-18T00:00:00Z',
      modified: null,
      withdrawn: null,
      kev: {
        dateAdded: '2025-03-18',
        dueDate: '2025-04-08',
        requiredAction: 'Apply mitigations per vendor instructions, follow applicable BOD 22-01 guidance for cloud services, or discontinue use of the product if mitigations are unavailable.',
        knownRansomwareCampaignUse: 'Unknown',
        vendorProject: 'tj-actions',
        product: 'changed-files GitHub Action',
        vulnerabilityName: 'tj-actions/changed-files GitHub Action Embedded Malicious Code Vulnerability',
        notes: expect.stringMatching(/^CISA Mitigation Instructions: https:/) as string,
        cwes: ['CWE-506'],
      },
      metadata: {},
      provenance: { driver: 'kev', source: FILE },
    });
    // An entry of the old shape: the optional fields get the schema's meaning; stray spaces stay.
    expect(records.find((r) => r.id === 'CVE-2002-0367')?.kev).toMatchObject({
      knownRansomwareCampaignUse: 'Unknown', notes: '', cwes: [], vulnerabilityName: 'Microsoft Windows Privilege Escalation Vulnerability ',
    });
  });

  it('finds the URLs in notes once each, without the punctuation around them', () => {
    expect(notesUrls('https://logging.apache.org/log4j/2.x/security.html; https://nvd.nist.gov/vuln/detail/CVE-2021-44228')).toEqual([
      'https://logging.apache.org/log4j/2.x/security.html', 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228',
    ]);
    expect(notesUrls('see https://a.example/x. and (https://a.example/x) ; http://b.example/?q=1,')).toEqual(['https://a.example/x', 'http://b.example/?q=1']);
    expect(notesUrls('')).toEqual([]);
  });

  it('refuses a catalog that breaks the schema, naming the file and JSON path, or a repeated id naming both places', async () => {
    const cases: [(d: { count: number; vulnerabilities: Record<string, unknown>[] }) => void, RegExp][] = [
      [(d) => void (d.vulnerabilities[2] = { ...d.vulnerabilities[2], dueDate: '19 April 2024' }), /^kev: known_exploited_vulnerabilities\.json: not a KEV catalog: vulnerabilities\[2\]\.dueDate: must be a date \(YYYY-MM-DD\)$/],
      [(d) => void delete d.vulnerabilities[0]?.['requiredAction'], /vulnerabilities\[0\]\.requiredAction: Invalid input: expected string, received undefined/],
      [(d) => void (d.vulnerabilities[1] = { ...d.vulnerabilities[1], cveID: 'CVE-2025-306' }), /vulnerabilities\[1\]\.cveID: must be a CVE id/],
      [(d) => void d.vulnerabilities.push({ ...d.vulnerabilities[0] }), /: CVE-2025-48384 is listed twice: vulnerabilities\[0\] and vulnerabilities\[5\]$/],
    ];
    for (const [edit, message] of cases) {
      await fs.rm(ws, { recursive: true, force: true });
      await fetchFrom(await mirrorWith(edit));
      const err = await parse().then(() => undefined, (e: unknown) => e as { code: string; message: string });
      expect(err?.code).toBe('SOURCE_INVALID');
      expect(err?.message).toMatch(message);
    }
  });

  it('refuses malformed JSON naming the file', async () => {
    const m = path.join(dir, 'broken');
    await fs.mkdir(m);
    const text = await fs.readFile(path.join(MIRROR, FILE), 'utf8');
    await fs.writeFile(path.join(m, FILE), text.slice(0, 2000));
    await fetchFrom(m);
    await expect(parse()).rejects.toMatchObject({ code: 'SOURCE_INVALID', message: expect.stringMatching(/^kev: known_exploited_vulnerabilities\.json: malformed JSON/) as string });
  });
});
