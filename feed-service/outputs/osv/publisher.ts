/**
 * Keeps osv-scanner's offline databases built from the store and published for `airfeed serve` at
 * `/osv/…` (the rebuild and publish rules are the shared ones, ../publisher.ts): a build is the
 * export directory (ecosystems.txt, `<Ecosystem>/all.zip`, `<Ecosystem>/modified_id.csv`, the
 * top-level modified_id.csv) with each file's size and sha256 (its ETag). A file asked for is
 * served from the current build, else from the previous one (an ecosystem that just disappeared
 * stays downloadable until the next build is published).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { type BuildOutcome, OutputPublisher, type PublishedBase } from '../publisher.ts';
import { buildOsvExport, type ExportFile, readOsvState } from './build.ts';

export const OSV_OUTPUT_NAME = 'osv';

const FileSchema = z.object({ path: z.string().min(1), bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const Stored = z.object({
  stateKey: z.string(),
  dataSeq: z.number().int(),
  built: z.iso.datetime().nullable(),
  files: z.array(FileSchema).min(1),
});

export interface OsvPublished extends PublishedBase {
  /** The data time (the newest freshness of the groups), ISO; null when no group has one. */
  built: string | null;
  files: ExportFile[];
}

/** `sha256:` of the file list (each file's path, size and digest): one checksum for the whole export. */
export function exportChecksum(files: readonly ExportFile[]): string {
  return `sha256:${createHash('sha256').update(files.map((f) => `${f.sha256}  ${f.bytes}  ${f.path}\n`).join('')).digest('hex')}`;
}

export class OsvPublisher extends OutputPublisher<OsvPublished> {
  readonly name = OSV_OUTPUT_NAME;

  protected async readState(): Promise<{ empty: boolean; key: string; unmapped: string[] }> {
    const state = await readOsvState(this.o.sql);
    return { empty: state.groups.length === 0, key: state.key, unmapped: state.unmapped };
  }

  protected async buildInto(dir: string): Promise<BuildOutcome<OsvPublished>> {
    const r = await buildOsvExport(this.o.sql, dir);
    const bytes = r.files.reduce((s, f) => s + f.bytes, 0);
    return {
      published: { stateKey: r.key, dataSeq: r.dataSeq, built: r.built?.toISOString() ?? null, files: r.files },
      record: {
        dataTime: r.built ?? new Date(0), dataSeq: r.dataSeq, stateKey: r.key, file: 'ecosystems.txt', bytes, checksum: exportChecksum(r.files),
        groups: r.groups.map((g) => g.name),
      },
      log: { ecosystems: r.ecosystems.length, documents: r.documents, records: r.records, dataSeq: r.dataSeq, groups: r.groups.length, bytes },
    };
  }

  protected store(p: OsvPublished): unknown {
    return { stateKey: p.stateKey, dataSeq: p.dataSeq, built: p.built, files: p.files };
  }

  protected async restore(stored: unknown, dir: string): Promise<OsvPublished> {
    const c = Stored.parse(stored);
    for (const f of c.files) {
      const st = await fs.stat(path.join(dir, ...f.path.split('/')));
      if (st.size !== f.bytes) throw new Error(`${f.path} has ${st.size} bytes, ${f.bytes} were published`);
    }
    return { ...c, dir: path.basename(dir) };
  }

  /** A published file by its path (`PyPI/all.zip`): from the current build, else the previous one. */
  file(rel: string): { build: OsvPublished; file: ExportFile; abs: string } | undefined {
    for (const build of this.servable()) {
      const file = build.files.find((f) => f.path === rel);
      if (file) return { build, file, abs: path.join(this.dirOf(build), ...file.path.split('/')) };
    }
    return undefined;
  }
}
