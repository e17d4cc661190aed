/**
 * The debian driver on its fixture mirror (test/fixtures/drivers/debian: a hand-written tracker JSON
 * in the tracker's shape with every state and urgency, and small DSA/DLA lists): states, urgencies,
 * advisories, ids that are not CVEs, releases the names table does not know, a source listed for a
 * release whose own suite does not ship it, and what a malformed entry does (fails, naming it, with
 * the previous data still served).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino, type Logger } from 'pino';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import { type FixedIn, validateRecord, type VulnRecord } from '../../drivers/_framework/record.ts';
import { SettingValues } from '../../drivers/_framework/settings.ts';
import { AdvisoryIndex } from '../../drivers/debian/advisories.ts';
import { debian } from '../../drivers/debian/index.ts';
import { packageFact, urgencySeverity } from '../../drivers/debian/tracker.ts';
import { syncDriver } from '../../feed-service/sync.ts';
import { groupRows, useSyncTestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MIRROR = path.join(ROOT, 'test/fixtures/drivers/debian');
const noProgress = { phase: () => undefined, tick: () => undefined };

let tmp: string;
beforeEach(async () => {
  tmp = await tempDir('airfeed-debian-');
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function captureLog(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void out.push(s) });
  return { log, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** A copy of the fixture mirror in `tmp`, with the tracker JSON replaced by `json` when given. */
async function mirrorCopy(json?: unknown): Promise<string> {
  const dir = path.join(tmp, 'mirror');
  await fs.cp(MIRROR, dir, { recursive: true });
  if (json !== undefined) await fs.writeFile(path.join(dir, 'tracker/data/json'), JSON.stringify(json));
  return dir;
}

async function fetchInto(source: string, workspace: string): Promise<void> {
  await debian.fetch({ source, workspace, state: {}, settings: SettingValues.none('debian'), http: new HttpClient(), log: silentLogger, progress: noProgress });
}

/** Every record of the workspace by group, then id. */
async function parseAll(workspace: string, log: Logger = silentLogger): Promise<Map<string, Map<string, VulnRecord>>> {
  const out = new Map<string, Map<string, VulnRecord>>();
  for await (const g of debian.parse({ workspace, log })) {
    const records = new Map<string, VulnRecord>();
    for await (const r of g.records) records.set(r.id, validateRecord(r));
    out.set(g.name, records);
  }
  return out;
}

function entry(groups: Map<string, Map<string, VulnRecord>>, group: string, id: string, pkg: string): FixedIn | undefined {
  return groups.get(group)?.get(id)?.fixedIn.find((f) => f.package === pkg);
}

const tracker = JSON.parse(await fs.readFile(path.join(MIRROR, 'tracker/data/json'), 'utf8')) as Record<string, Record<string, { releases: unknown }>>;

describe('debian parse of the fixture mirror', () => {
  it('maps every tracker state, with the tracker\'s own words kept on the entry', async () => {
    const ws = path.join(tmp, 'ws');
    await fetchInto(MIRROR, ws);
    const { log, lines } = captureLog();
    const g = await parseAll(ws, log);
    expect([...g.keys()]).toEqual(['debian:10', 'debian:11', 'debian:12', 'debian:unstable']);

    // resolved with a version: fixed, with the DSA that fixed it (and its regression update, which lists no CVE).
    expect(entry(g, 'debian:11', 'CVE-2023-1393', 'xorg-server')).toEqual({
      package: 'xorg-server', versionScheme: 'dpkg', state: 'fixed', version: '2:1.20.11-1+deb11u6',
      vendorAdvisory: { noAdvisory: false, advisories: [{ id: 'DSA-5380-1', link: 'https://security-tracker.debian.org/tracker/DSA-5380-1' }] },
      databaseSpecific: { urgency: 'not yet assigned', debianbug: 1033553 },
    });
    expect(entry(g, 'debian:10', 'CVE-2023-1393', 'xorg-server')?.vendorAdvisory?.advisories.map((a) => a.id)).toEqual(['DLA-3372-1']);
    expect(entry(g, 'debian:11', 'CVE-2021-3643', 'sox')?.vendorAdvisory?.advisories.map((a) => a.id)).toEqual(['DSA-5356-1', 'DSA-5356-2']);
    // No advisory for a release the advisory does not name, nor for a <not-affected> line.
    expect(entry(g, 'debian:unstable', 'CVE-2023-1393', 'xorg-server')?.vendorAdvisory).toBeUndefined();
    expect(entry(g, 'debian:12', 'CVE-2023-4863', 'firefox-esr')?.vendorAdvisory?.advisories.map((a) => a.id)).toEqual(['DSA-5496-1']);

    // <ignored> → will_not_fix; <postponed> → deferred; <no-dsa> → affected; all without an advisory.
    expect(entry(g, 'debian:10', 'CVE-2021-3643', 'sox')).toEqual({
      package: 'sox', versionScheme: 'dpkg', state: 'will_not_fix', vendorAdvisory: { noAdvisory: true, advisories: [] },
      databaseSpecific: { urgency: 'low', nodsa: 'Minor issue', nodsa_reason: 'ignored', debianbug: 1010374 },
    });
    expect(entry(g, 'debian:12', 'CVE-2023-45853', 'zlib')?.state).toBe('will_not_fix');
    expect(entry(g, 'debian:11', 'CVE-2023-28322', 'curl')).toEqual({
      package: 'curl', versionScheme: 'dpkg', state: 'deferred', vendorAdvisory: { noAdvisory: true, advisories: [] },
      databaseSpecific: { urgency: 'not yet assigned', nodsa: 'Minor issue', nodsa_reason: 'postponed', next_point_update: true },
    });
    expect(entry(g, 'debian:10', 'CVE-2023-28322', 'curl')).toMatchObject({ state: 'affected', vendorAdvisory: { noAdvisory: true, advisories: [] } });
    // open → affected; undetermined → under_investigation; "0" → not_affected (never a version).
    expect(entry(g, 'debian:12', 'CVE-2019-1010022', 'glibc')).toMatchObject({ state: 'affected' });
    expect(entry(g, 'debian:12', 'CVE-2019-1010022', 'glibc')?.version).toBeUndefined();
    expect(entry(g, 'debian:12', 'CVE-2023-28484', 'libxml2')).toMatchObject({ state: 'under_investigation' });
    expect(entry(g, 'debian:12', 'CVE-2007-2383', 'prototypejs')).toEqual({
      package: 'prototypejs', versionScheme: 'dpkg', state: 'not_affected', databaseSpecific: { urgency: 'unimportant', debianbug: 555217 },
    });
    // end-of-life: still affected, severity Unknown.
    expect(entry(g, 'debian:10', 'CVE-2023-45853', 'zlib')).toMatchObject({ state: 'affected', databaseSpecific: { urgency: 'end-of-life' } });
    expect(g.get('debian:10')?.get('CVE-2023-45853')?.severity).toBe('Unknown');
    // The sid fix of zlib carries its epoch.
    expect(entry(g, 'debian:unstable', 'CVE-2023-45853', 'zlib')).toMatchObject({ state: 'fixed', version: '1:1.3.dfsg+really1.3.1-1' });

    // Releases the names table does not know are reported, not guessed; `releases: []` is empty.
    const warned = lines().filter((l) => (l['level'] as number) >= 40).map((l) => String(l['msg']));
    expect(warned.some((m) => m.includes('potato (1 entries)'))).toBe(true);
    for (const records of g.values()) {
      expect(records.has('CVE-2008-0000')).toBe(false);
      expect(records.has('CVE-2022-0358')).toBe(false);
    }
  });

  it('gives each record the highest urgency of its live entries, the issue\'s description and scope, the tracker link', async () => {
    const ws = path.join(tmp, 'ws');
    await fetchInto(MIRROR, ws);
    const g = await parseAll(ws);
    const webp = g.get('debian:12')?.get('CVE-2023-4863');
    // libwebp high, firefox-esr medium**: High.
    expect(webp?.severity).toBe('High');
    expect(webp?.fixedIn.map((f) => f.package)).toEqual(['firefox-esr', 'libwebp']);
    expect(webp?.databaseSpecific).toEqual({ scope: 'remote' });
    expect(webp?.description).toMatch(/^Heap buffer overflow in libwebp/);
    expect(webp?.link).toBe('https://security-tracker.debian.org/tracker/CVE-2023-4863');
    expect(webp?.provenance).toEqual({ driver: 'debian', source: 'data/DSA/list,tracker/data/json' });
    // `high**` (taken from NVD) counts as high.
    expect(g.get('debian:11')?.get('CVE-2023-1281')?.severity).toBe('High');
    // All entries not affected: the highest of them (unimportant).
    expect(g.get('debian:12')?.get('CVE-2007-2383')?.severity).toBe('Negligible');
    // A TEMP- id is a record of its own, with an empty description when the tracker has none to give.
    const temp = g.get('debian:unstable')?.get('TEMP-0841856-B18BAF');
    expect(temp).toMatchObject({ severity: 'Negligible', link: 'https://security-tracker.debian.org/tracker/TEMP-0841856-B18BAF' });
    // Sorted by id, code-unit order.
    const ids = [...(g.get('debian:12')?.keys() ?? [])];
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('keeps an entry whose release suite does not ship the source (linux-5.10 only in bullseye-security)', async () => {
    const ws = path.join(tmp, 'ws');
    await fetchInto(MIRROR, ws);
    const g = await parseAll(ws);
    expect(Object.keys((tracker['linux-5.10']?.['CVE-2023-1281']?.releases as Record<string, { repositories: object }>)['bullseye']?.repositories ?? {})).toEqual(['bullseye-security']);
    expect(entry(g, 'debian:11', 'CVE-2023-1281', 'linux-5.10')).toMatchObject({ state: 'fixed', version: '5.10.178-1' });
    expect(g.get('debian:12')?.has('CVE-2023-1281')).toBe(false);
  });

  it('keeps ids that are not CVEs (TEMP-, or an advisory id the tracker might list) as records', async () => {
    const json = {
      bash: { 'TEMP-0000000-2F6E3C': { releases: { bookworm: { status: 'open', repositories: { bookworm: '5.2.15-2' }, urgency: 'low' } } } },
      openssl: { 'DSA-5532-1': { releases: { bookworm: { status: 'resolved', repositories: { bookworm: '3.0.11-1~deb12u2' }, fixed_version: '3.0.11-1~deb12u2', urgency: 'medium' } } } },
    };
    const ws = path.join(tmp, 'ws');
    await fetchInto(await mirrorCopy(json), ws);
    const g = await parseAll(ws);
    expect([...(g.get('debian:12')?.keys() ?? [])]).toEqual(['DSA-5532-1', 'TEMP-0000000-2F6E3C']);
    expect(g.get('debian:12')?.get('DSA-5532-1')?.link).toBe('https://security-tracker.debian.org/tracker/DSA-5532-1');
  });

  it('reads a gzip-compressed mirror (tracker/data/json.gz) to the same records', async () => {
    const plain = path.join(tmp, 'ws-plain');
    await fetchInto(MIRROR, plain);
    const gz = path.join(tmp, 'gz');
    await fs.mkdir(path.join(gz, 'tracker/data'), { recursive: true });
    await fs.writeFile(path.join(gz, 'tracker/data/json.gz'), gzipSync(await fs.readFile(path.join(MIRROR, 'tracker/data/json'))));
    await fs.cp(path.join(MIRROR, 'data'), path.join(gz, 'data'), { recursive: true });
    const ws = path.join(tmp, 'ws-gz');
    await fetchInto(gz, ws);
    const a = await parseAll(plain);
    const b = await parseAll(ws);
    const strip = (m: Map<string, Map<string, VulnRecord>>) => [...m].map(([k, v]) => [k, [...v.values()].map((r) => ({ ...r, provenance: null }))]);
    expect(strip(b)).toEqual(strip(a));
    expect(b.get('debian:12')?.get('CVE-2023-4863')?.provenance.source).toBe('data/DSA/list,tracker/data/json.gz');
  });
});

describe('debian rules', () => {
  it.each([
    ['unimportant', 'Negligible'], ['low', 'Low'], ['low**', 'Low'], ['medium', 'Medium'], ['medium**', 'Medium'],
    ['high', 'High'], ['high**', 'High'], ['not yet assigned', 'Unknown'], ['end-of-life', 'Unknown'], ['urgent', 'Unknown'], [undefined, 'Unknown'],
  ])('urgency %s → %s', (urgency, severity) => {
    expect(urgencySeverity(urgency)).toBe(severity);
  });

  it.each([
    [{ status: 'resolved', fixed_version: '1.2-3' }, 'fixed', '1.2-3', false],
    [{ status: 'resolved', fixed_version: '0' }, 'not_affected', undefined, false],
    [{ status: 'resolved' }, 'not_affected', undefined, false],
    [{ status: 'open' }, 'affected', undefined, false],
    [{ status: 'open', nodsa: '', nodsa_reason: '' }, 'affected', undefined, true],
    [{ status: 'open', nodsa: 'Minor issue', nodsa_reason: 'ignored' }, 'will_not_fix', undefined, true],
    [{ status: 'open', nodsa: 'Minor issue', nodsa_reason: 'postponed' }, 'deferred', undefined, true],
    [{ status: 'undetermined' }, 'under_investigation', undefined, false],
  ] as const)('%j → %s', (e, state, version, noAdvisory) => {
    const fact = packageFact({ ...e });
    expect([fact.state, fact.version, fact.noAdvisory]).toEqual([state, version, noAdvisory]);
  });

  it('reads the real DSA/DLA list shapes: headers without issues, NOTE lines, <not-affected>, several releases', async () => {
    const file = path.join(tmp, 'list');
    await fs.writeFile(file, [
      'preamble that is not an advisory',
      '[01 Aug 2002] DSA-141 mpack - buffer overflow',
      '        {CVE-2002-1425}',
      '        [woody] - mpack 1.5-7woody2',
      '[22 Apr 2014] DSA-2808-2 openjpeg - regression update',
      '        [squeeze] - openjpeg 1.3+dfsg-4+squeeze3',
      '[16 Dec 2013] DSA-2808-1 openjpeg - several',
      '\t{CVE-2013-1447 CVE-2013-6045}',
      '\t[wheezy] - openjpeg 1.3+dfsg-4.7',
      '\tNOTE: [squeeze] - openjpeg 1.3+dfsg-4+squeeze2',
      '\t[lenny] - openjpeg <not-affected> (Vulnerable code not present)',
      '[26 Sep 2010] DSA-2114-1 git-core',
      '',
    ].join('\n'));
    const index = new AdvisoryIndex();
    await index.addList(file, 'DSA');
    expect(index.counts).toEqual({ DSA: 4 });
    expect(index.get('woody', 'mpack', 'CVE-2002-1425')).toEqual(['DSA-141']);
    expect(index.get('squeeze', 'openjpeg', 'CVE-2013-6045')).toEqual(['DSA-2808-1', 'DSA-2808-2']);
    expect(index.get('wheezy', 'openjpeg', 'CVE-2013-1447')).toEqual(['DSA-2808-1']);
    expect(index.get('lenny', 'openjpeg', 'CVE-2013-1447')).toEqual([]);
  });
});

describe('debian: bad upstream data fails, naming it, and the previous data stays served', () => {
  const testDb = useSyncTestDb();

  async function parseError(json: unknown): Promise<AirfeedError> {
    const ws = path.join(tmp, 'ws-bad');
    await fetchInto(await mirrorCopy(json), ws);
    const err = await parseAll(ws).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AirfeedError);
    expect((err as AirfeedError).code).toBe('SOURCE_INVALID');
    return err as AirfeedError;
  }

  const withRelease = (release: unknown): unknown => ({ ...tracker, sox: { 'CVE-2021-3643': { releases: { bullseye: release } } } });

  it('an unknown status, a wrong type, a non-object releases: SOURCE_INVALID with the JSON path', async () => {
    expect((await parseError(withRelease({ status: 'fixed', fixed_version: '1.0-1' }))).message).toMatch(
      /^debian: tracker\/data\/json: sox\.CVE-2021-3643\.releases\.bullseye: not a tracker release entry: status: /,
    );
    expect((await parseError(withRelease({ status: 'resolved', fixed_version: 7 }))).message).toMatch(/sox\.CVE-2021-3643\.releases\.bullseye: .*fixed_version: /);
    expect((await parseError(withRelease({ status: 'open', nodsa: 'x', nodsa_reason: 'someday' }))).message).toMatch(/nodsa_reason/);
    expect((await parseError({ sox: { 'CVE-2021-3643': { releases: ['bullseye'] } } })).message).toBe(
      'debian: tracker/data/json: sox.CVE-2021-3643.releases: not an object of release entries',
    );
  });

  it('a truncated JSON: SOURCE_INVALID naming the file and where it stopped', async () => {
    const text = await fs.readFile(path.join(MIRROR, 'tracker/data/json'), 'utf8');
    const dir = await mirrorCopy();
    await fs.writeFile(path.join(dir, 'tracker/data/json'), text.slice(0, Math.floor(text.length / 2)));
    const ws = path.join(tmp, 'ws-trunc');
    await fetchInto(dir, ws);
    const err = await parseAll(ws).then(() => null, (e: unknown) => e as AirfeedError);
    expect(err?.code).toBe('SOURCE_INVALID');
    expect(err?.message).toMatch(/^debian: tracker\/data\/json: /);
  });

  it('a sync of a malformed mirror fails with SOURCE_INVALID and serves the previous records unchanged', async () => {
    const { sql } = testDb();
    const home = path.join(tmp, 'home');
    const first = await syncDriver(sql, debian, { home, http: new HttpClient(), log: silentLogger, source: await mirrorCopy() });
    expect(first.status).toBe('succeeded');
    const before = await groupRows(sql, 'debian:11');
    expect(before.length).toBe(9);
    await fs.rm(path.join(tmp, 'mirror'), { recursive: true });
    const bad = await syncDriver(sql, debian, { home, http: new HttpClient(), log: silentLogger, source: await mirrorCopy(withRelease({ status: 'fixed' })) });
    expect(bad.status).toBe('failed');
    expect(bad.errorCode).toBe('SOURCE_INVALID');
    expect(bad.error).toContain('sox.CVE-2021-3643.releases.bullseye');
    expect(await groupRows(sql, 'debian:11')).toEqual(before);
  });
});

describe('debian fetch over HTTP', () => {
  let agent: MockAgent;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(async () => {
    await agent.close();
  });

  const file = (rel: string): Promise<Buffer> => fs.readFile(path.join(MIRROR, rel));

  it('reads the JSON from the tracker and the lists from Salsa (or from the lists_source setting)', async () => {
    const tracker = agent.get('https://security-tracker.debian.org');
    tracker.intercept({ path: '/tracker/data/json', method: 'GET' }).reply(200, await file('tracker/data/json'), { headers: { 'last-modified': 'Tue, 31 Dec 2024 10:00:00 GMT' } });
    const salsa = agent.get('https://salsa.debian.org');
    salsa.intercept({ path: '/security-tracker-team/security-tracker/raw/master/data/DSA/list', method: 'GET' }).reply(200, await file('data/DSA/list'));
    salsa.intercept({ path: '/security-tracker-team/security-tracker/raw/master/data/DLA/list', method: 'GET' }).reply(404, 'not found');
    const ws = path.join(tmp, 'ws-http');
    const result = await debian.fetch({
      source: debian.defaultSource, workspace: ws, state: {}, settings: new SettingValues('debian', debian.settings ?? [], new Map()),
      http: new HttpClient({ dispatcher: agent, retries: 0 }), log: silentLogger, progress: noProgress,
    });
    // The missing DLA list costs its advisories only.
    expect(Object.keys(result.state)).toEqual(['data/DSA/list', 'tracker/data/json']);
    const g = await parseAll(ws);
    expect(entry(g, 'debian:11', 'CVE-2023-1393', 'xorg-server')?.vendorAdvisory?.advisories.map((a) => a.id)).toEqual(['DSA-5380-1']);
    expect(entry(g, 'debian:10', 'CVE-2023-1393', 'xorg-server')?.vendorAdvisory).toBeUndefined();

    const mirror = agent.get('https://mirror.test');
    mirror.intercept({ path: '/security-tracker/data/DSA/list', method: 'GET' }).reply(200, await file('data/DSA/list'));
    mirror.intercept({ path: '/security-tracker/data/DLA/list', method: 'GET' }).reply(200, await file('data/DLA/list'));
    tracker.intercept({ path: '/tracker/data/json', method: 'GET' }).reply(200, await file('tracker/data/json'));
    const ws2 = path.join(tmp, 'ws-http2');
    const second = await debian.fetch({
      source: debian.defaultSource, workspace: ws2, state: {},
      settings: new SettingValues('debian', debian.settings ?? [], new Map([['lists_source', 'https://mirror.test/security-tracker']])),
      http: new HttpClient({ dispatcher: agent, retries: 0 }), log: silentLogger, progress: noProgress,
    });
    expect(Object.keys(second.state)).toEqual(['data/DLA/list', 'data/DSA/list', 'tracker/data/json']);
  });
});
