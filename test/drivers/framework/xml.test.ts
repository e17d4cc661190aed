import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import { xmlChild, xmlChildren, xmlElements, xmlText } from '../../../drivers/_framework/read/xml.ts';
import { skipUnless } from '../../helpers/skip.ts';

const chunked = (text: string, size = 7): Readable => {
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

const OVAL = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:linux="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
  <definitions>
    <definition id="oval:com.ubuntu.jammy:def:100" version="1" class="inventory">
      <metadata><title>Check that Ubuntu 22.04 LTS (jammy) is installed.</title><description /></metadata>
    </definition>
    <definition id="oval:com.ubuntu.jammy:def:861000000" version="1" class="patch">
      <metadata>
        <title>LSN-0086-1 -- Kernel Live Patch &amp; Notice</title>
        <reference source="CVE" ref_id="CVE-2022-1055" ref_url="https://ubuntu.com/security/CVE-2022-1055" />
        <reference source="CVE" ref_id="CVE-2022-0492" ref_url="https://ubuntu.com/security/CVE-2022-0492" />
        <description><![CDATA[a <raw> description]]></description>
      </metadata>
    </definition>
  </definitions>
  <tests>
    <linux:dpkginfo_test id="oval:com.ubuntu.jammy:tst:1" check="at least one"><linux:object object_ref="oval:x:obj:1"/></linux:dpkginfo_test>
  </tests>
</oval_definitions>`;

describe('streaming XML', () => {
  it('yields each element at the paths as a plain object, in document order', async () => {
    for (const size of [1, 7, 100_000]) {
      const got = await all(xmlElements(chunked(OVAL, size), { label: 'ubuntu: jammy.xml', paths: [['oval_definitions', 'definitions', 'definition'], ['oval_definitions', 'tests', '*']] }));
      expect(got.map((m) => [m.path.join('/'), m.element.attrs['id']])).toEqual([
        ['oval_definitions/definitions/definition', 'oval:com.ubuntu.jammy:def:100'],
        ['oval_definitions/definitions/definition', 'oval:com.ubuntu.jammy:def:861000000'],
        ['oval_definitions/tests/dpkginfo_test', 'oval:com.ubuntu.jammy:tst:1'],
      ]);
      const patch = got[1]?.element;
      if (!patch) throw new Error('no patch definition');
      const metadata = xmlChild(patch, 'metadata');
      expect(xmlText(metadata, 'title')).toBe('LSN-0086-1 -- Kernel Live Patch & Notice');
      expect(xmlText(metadata, 'description')).toBe('a <raw> description');
      expect(metadata && xmlChildren(metadata, 'reference').map((r) => r.attrs['ref_id'])).toEqual(['CVE-2022-1055', 'CVE-2022-0492']);
      expect(got[2]?.element).toMatchObject({ name: 'dpkginfo_test', uri: 'http://oval.mitre.org/XMLSchema/oval-definitions-5#linux', attrs: { check: 'at least one' } });
      expect(got[2]?.element.children[0]).toEqual({ name: 'object', uri: 'http://oval.mitre.org/XMLSchema/oval-definitions-5#linux', attrs: { object_ref: 'oval:x:obj:1' }, text: '', children: [] });
    }
  });

  it('fails on a truncated document naming file, line and column', async () => {
    const cut = OVAL.slice(0, OVAL.indexOf('<tests>'));
    const err = await failure(all(xmlElements(chunked(cut), { label: 'ubuntu: jammy.xml', paths: [['oval_definitions', 'definitions', 'definition']] })));
    expect(err.message).toMatch(/^ubuntu: jammy\.xml: malformed XML at line 16, column \d+: unclosed tag: oval_definitions/);
  });

  it('fails on mismatched tags, undeclared entities, and another declared encoding', async () => {
    const paths = [['a']];
    expect((await failure(all(xmlElements(chunked('<a><b></a>'), { label: 'f', paths })))).message).toMatch(/^f: malformed XML at line 1, column \d+: unexpected close tag/);
    // No DTD is read and no entity beyond the predefined five is expanded.
    const bomb = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]><a>&y;</a>';
    expect((await failure(all(xmlElements(chunked(bomb), { label: 'f', paths })))).message).toMatch(/undefined entity/);
    expect((await failure(all(xmlElements(chunked('<?xml version="1.0" encoding="ISO-8859-1"?><a/>'), { label: 'f', paths })))).message)
      .toBe('f: the XML declares encoding "ISO-8859-1"; only UTF-8 is read');
  });

  const REAL = path.resolve(import.meta.dirname, '../../../../shared/realdata/ubuntu/usn-oval/com.ubuntu.jammy.usn.oval.xml.gz');
  it('reads every definition of the real jammy USN OVAL', skipUnless(fs.existsSync(REAL), '../shared/realdata/ubuntu/usn-oval is absent, as in a fresh clone'), async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      fs.createReadStream(REAL).pipe(createGunzip()).on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))).on('error', reject);
    });
    const expected = (text.match(/<definition /g) ?? []).length;
    let count = 0;
    for await (const { element } of xmlElements(fs.createReadStream(REAL).pipe(createGunzip()), { label: 'jammy', paths: [['oval_definitions', 'definitions', 'definition']] })) {
      expect(element.attrs['id']).toMatch(/^oval:com\.ubuntu\.jammy:def:\d+$/);
      count++;
    }
    expect(count).toBe(expected);
    expect(count).toBeGreaterThan(100);
  });
});
