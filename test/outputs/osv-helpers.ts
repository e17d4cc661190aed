/** Reading back what the OSV export wrote, with readers that are not the writer's (yauzl through the framework's zip reader). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fromOsv } from '../../drivers/_framework/shapes/osv-in.ts';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { zipEntries } from '../../drivers/_framework/read/zip.ts';
import { limitsWith } from '../../drivers/_framework/read/limits.ts';

/** The entries of a zip, in archive order, with their bytes (only for the names `want` accepts, when given). */
export async function readZip(file: string, want: (name: string) => boolean = () => true): Promise<{ name: string; data: Buffer }[]> {
  const out: { name: string; data: Buffer }[] = [];
  for await (const e of zipEntries(file, file, limitsWith({ maxEntries: 1_000_000 }))) {
    const chunks: Buffer[] = [];
    if (want(e.name)) for await (const c of e.body) chunks.push(Buffer.from(c));
    out.push({ name: e.name, data: Buffer.concat(chunks) });
  }
  return out;
}

export const OSV_FIXTURES = path.resolve(import.meta.dirname, '../fixtures/osv-export');

/** OSV ecosystem → the airfeed group its records live in. */
export const GROUP_OF: Readonly<Record<string, string>> = {
  'crates.io': 'github:rust', Go: 'github:go', Maven: 'github:java', npm: 'github:npm', PyPI: 'github:python', RubyGems: 'github:gem', NuGet: 'github:nuget', Packagist: 'github:composer',
};

/** The OSV documents of a directory (`*.json`), sorted by file name, with the records the OSV driver would store for them. */
export async function osvDocs(dir: string): Promise<{ file: string; doc: Record<string, unknown>; record: VulnRecord }[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const out: { file: string; doc: Record<string, unknown>; record: VulnRecord }[] = [];
  for (const file of files) {
    const doc = JSON.parse(await fs.readFile(path.join(dir, file), 'utf8')) as { affected?: { package: { ecosystem: string } }[] } & Record<string, unknown>;
    const eco = (doc.affected?.[0]?.package.ecosystem ?? '').split(':')[0] ?? '';
    const group = GROUP_OF[eco];
    if (group === undefined) throw new Error(`${file}: no group for ecosystem ${eco}`);
    out.push({ file, doc, record: fromOsv(doc, { group, provenance: { driver: 'osv', source: file } }) });
  }
  return out;
}
