/**
 * The readers on real upstream files in ../shared/realdata (absent in a fresh clone: then skipped,
 * saying so). Every count is checked against a count made here another way (JSON.parse of the
 * whole decoded file, a line count), never against a number typed in from the reader's output.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { archiveEntries, readAll } from '../../../drivers/_framework/read/archive.ts';
import { csvRecords, csvRows } from '../../../drivers/_framework/read/csv.ts';
import { openDecoded } from '../../../drivers/_framework/read/decompress.ts';
import { jsonArray, jsonObject } from '../../../drivers/_framework/read/json.ts';
import { decodeUtf8 } from '../../../drivers/_framework/read/utf8.ts';
import { skipUnless } from '../../helpers/skip.ts';

const REAL = path.resolve(import.meta.dirname, '../../../../shared/realdata');
const present = existsSync(REAL);

describe('readers on real upstream data', skipUnless(present, '../shared/realdata is absent, as in a fresh clone'), () => {
  it('Red Hat VEX tar.zst: every document, each parsing as the same JSON a whole-buffer parse gives', async () => {
    for (const [file, year] of [['redhat/csaf-vex-beta-2022-fetched-2024-04-02/csaf_vex_2024-04-02.tar.zst', '2022'], ['redhat/csaf-vex/csaf_vex_2023-10-31.tar.zst', '2023']] as const) {
      const label = `redhat: ${path.basename(file)}`;
      const names: string[] = [];
      for await (const entry of archiveEntries(path.join(REAL, file), { label })) {
        expect(entry.name).toMatch(new RegExp(`^${year}/cve-${year}-\\d+\\.json$`));
        const doc = JSON.parse(decodeUtf8(await readAll(entry.body, 16 << 20, `${label} entry ${entry.name}`), entry.name)) as { document: { tracking: { id: string } } };
        expect(doc.document.tracking.id.toLowerCase()).toBe(path.basename(entry.name, '.json'));
        names.push(entry.name);
      }
      expect(new Set(names).size).toBe(names.length);
      if (year === '2022') {
        // The mirror's changes.csv lists exactly the documents of its archive.
        const listed = readFileSync(path.join(REAL, 'redhat/csaf-vex-beta-2022-fetched-2024-04-02/changes.csv'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(`[${l}]`) as string[]).map((r) => r[0]);
        expect([...names].sort()).toEqual([...listed].sort());
      } else {
        expect(names.length).toBeGreaterThan(3);
      }
    }
  });

  it('Red Hat changes.csv: one record per line, paths and timestamps', async () => {
    for (const file of ['redhat/csaf-vex-beta-2022-fetched-2024-04-02/changes.csv', 'redhat/csaf-vex-2024-02-05-sample/changes.csv']) {
      const lines = readFileSync(path.join(REAL, file), 'utf8').split('\n').filter((l) => l !== '');
      const rows = [];
      for await (const row of csvRows(createReadStream(path.join(REAL, file)), { label: file })) rows.push(row);
      expect(rows).toHaveLength(lines.length);
      for (const row of rows) {
        expect(row.fields).toHaveLength(2);
        expect(row.fields[0]).toMatch(/^\d{4}\/cve-\d{4}-\d+\.json$/);
        expect(Date.parse(row.fields[1] ?? '')).not.toBeNaN();
      }
    }
  });

  it('CISA KEV csv: quoted fields with commas and quotes, against the JSON twin', async () => {
    const dir = path.join(REAL, 'kev/cisa-kev-2025-08-25');
    const json = JSON.parse(readFileSync(path.join(dir, 'known_exploited_vulnerabilities.json'), 'utf8')) as { vulnerabilities: Array<{ cveID: string; shortDescription: string; notes: string }> };
    const columns = ['cveID', 'vendorProject', 'product', 'vulnerabilityName', 'dateAdded', 'shortDescription', 'requiredAction', 'dueDate', 'knownRansomwareCampaignUse', 'notes', 'cwes'] as const;
    const records = [];
    for await (const { record } of csvRecords(createReadStream(path.join(dir, 'known_exploited_vulnerabilities.csv')), { label: 'kev', columns })) records.push(record);
    expect(records.map((r) => r.cveID)).toEqual(json.vulnerabilities.map((v) => v.cveID));
    expect(records.map((r) => r.shortDescription)).toEqual(json.vulnerabilities.map((v) => v.shortDescription));
  });

  it('NVD API 2.0 pages (gzip): header fields and every CVE, as JSON.parse sees them', async () => {
    for (const year of ['2002', '2010', 'modified']) {
      const file = path.join(REAL, `nvd/v2.0-feeds/nvdcve-${year}.json.gz`);
      const whole = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { totalResults: number; timestamp: string; vulnerabilities: Array<{ cve: { id: string } }> };
      const { compression, stream } = await openDecoded(file, { label: `nvd: nvdcve-${year}.json.gz` });
      expect(compression).toBe('gzip');
      const doc = jsonArray(stream, { label: `nvd: nvdcve-${year}.json.gz`, path: ['vulnerabilities'] });
      const header = await doc.header();
      expect(header['totalResults']).toBe(whole.totalResults);
      expect(header['timestamp']).toBe(whole.timestamp);
      let i = 0;
      for await (const { key, value } of doc.items()) {
        expect(key).toBe(i);
        expect((value as { cve: { id: string } }).cve.id).toBe(whole.vulnerabilities[i]?.cve.id);
        i++;
      }
      expect(i).toBe(whole.vulnerabilities.length);
    }
  });

  it('Debian tracker JSON: one source package at a time', async () => {
    const file = path.join(REAL, 'debian/vunnel-fixture/debian.json');
    const whole = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const entries = [];
    for await (const e of jsonObject(createReadStream(file), { label: 'debian: debian.json' }).items()) entries.push([e.key, e.value]);
    expect(entries).toEqual(Object.entries(whole));
  });
});
