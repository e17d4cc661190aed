import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import { csvRecords, csvRows } from '../../../drivers/_framework/read/csv.ts';

const chunked = (text: string, size = 5): Readable => {
  const bytes = Buffer.from(text);
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
};

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

async function failure(p: Promise<unknown>): Promise<AirfeedError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AirfeedError);
  expect((err as AirfeedError).code).toBe('SOURCE_INVALID');
  return err as AirfeedError;
}

describe('CSV', () => {
  it('reads Red Hat changes.csv (every field quoted)', async () => {
    const text = '"2024/cve-2024-0056.json","2024-02-05T16:57:43+00:00"\r\n"2024/cve-2024-0057.json","2024-02-05T16:57:41+00:00"\r\n';
    for (const size of [1, 2, 5, 1000]) {
      expect(await all(csvRows(chunked(text, size), { label: 'redhat: changes.csv' }))).toEqual([
        { line: 1, fields: ['2024/cve-2024-0056.json', '2024-02-05T16:57:43+00:00'] },
        { line: 2, fields: ['2024/cve-2024-0057.json', '2024-02-05T16:57:41+00:00'] },
      ]);
    }
  });

  it('reads osv.dev modified_id.csv (no quotes, no final newline)', async () => {
    expect(await all(csvRows(chunked('2024-05-01T00:00:00Z,GHSA-2234-fmw7-43wr\n2024-04-30T23:59:59Z,PYSEC-2024-1'), { label: 'osv' }))).toEqual([
      { line: 1, fields: ['2024-05-01T00:00:00Z', 'GHSA-2234-fmw7-43wr'] },
      { line: 2, fields: ['2024-04-30T23:59:59Z', 'PYSEC-2024-1'] },
    ]);
  });

  it('reads EPSS: a comment line, a header, rows as records', async () => {
    const text = '#model_version:v2023.03.01,score_date:2024-05-01T00:00:00+0000\ncve,epss,percentile\nCVE-1999-0001,0.01167,0.84054\nCVE-1999-0002,0.02833,0.90487\n';
    expect(await all(csvRecords(chunked(text, 3), { label: 'epss: epss.csv', comment: '#', columns: ['cve', 'epss', 'percentile'] }))).toEqual([
      { line: 3, record: { cve: 'CVE-1999-0001', epss: '0.01167', percentile: '0.84054' } },
      { line: 4, record: { cve: 'CVE-1999-0002', epss: '0.02833', percentile: '0.90487' } },
    ]);
  });

  it('handles quoted commas, doubled quotes, line breaks inside quotes, empty fields and blank lines', async () => {
    const text = 'a,"b,c","say ""hi""",,"multi\nline"\n\n"",x\n';
    expect(await all(csvRows(chunked(text, 2), { label: 'x' }))).toEqual([
      { line: 1, fields: ['a', 'b,c', 'say "hi"', '', 'multi\nline'] },
      { line: 4, fields: ['', 'x'] },
    ]);
  });

  it('names file and line for a stray quote, text after a closing quote, and an unclosed quote', async () => {
    expect((await failure(all(csvRows(chunked('ok,1\nab"c,2\n'), { label: 'f.csv' })))).message).toBe('f.csv: line 2: a quote inside an unquoted field (field 1)');
    expect((await failure(all(csvRows(chunked('ok,1\n\n"a"b,2\n'), { label: 'f.csv' })))).message).toBe('f.csv: line 3: unexpected "b" after a closing quote (field 1)');
    expect((await failure(all(csvRows(chunked('a,b\n"x,\ny\n'), { label: 'f.csv' })))).message).toBe('f.csv: line 4: the file ends inside a quoted field that started on line 2 (truncated?)');
  });

  it('refuses a wrong header and rows of the wrong width', async () => {
    const opts = { label: 'epss', comment: '#', columns: ['cve', 'epss', 'percentile'] as const };
    expect((await failure(all(csvRecords(chunked('#c\ncve,score\n'), opts)))).message).toBe('epss: line 2: the header is ["cve","score"], expected ["cve","epss","percentile"]');
    expect((await failure(all(csvRecords(chunked('cve,epss,percentile\nCVE-1,0.1\n'), opts)))).message).toBe('epss: line 2: 2 fields, the header has 3');
    expect((await failure(all(csvRecords(chunked(''), opts)))).message).toBe('epss: the CSV is empty (no header line)');
  });

  it('refuses invalid UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\nc,'), Buffer.from([0xe9]), Buffer.from('\n')]);
    expect((await failure(all(csvRows(Readable.from([bytes]), { label: 'f.csv' })))).message).toMatch(/^f\.csv: invalid UTF-8 at byte 6 /);
  });
});
