/**
 * Keeps grype's database built from the store and published for `airfeed serve` (the rebuild and
 * publish rules are the shared ones, ../publisher.ts): a build is the `.tar.zst` archive and the
 * `latest.json` that names it; the database file itself lives only inside the archive. The previous
 * build's archive stays downloadable until the next one is published, so a latest.json read just
 * before a switch still names a file that can be fetched.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import { type BuildOutcome, OutputPublisher, type PublishedBase } from '../publisher.ts';
import { buildGrypeDatabase } from './build.ts';
import { LATEST_FILE, latestJsonText } from './package.ts';
import { readSourceState } from './source.ts';

export type { CheckOutcome, PublisherOptions } from '../publisher.ts';

export const OUTPUT_NAME = 'grype';

const Stored = z.object({
  archive: z.string().min(1),
  stateKey: z.string(),
  dataSeq: z.number().int(),
  built: z.iso.datetime(),
  checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
});

/** What is published: the build directory, its archive and latest.json, and what it was built from. */
export interface Published extends PublishedBase {
  /** The archive's file name (latest.json's `path`). */
  archive: string;
  latestText: string;
  built: string;
  checksum: string;
  bytes: number;
}

export class GrypePublisher extends OutputPublisher<Published> {
  readonly name = OUTPUT_NAME;

  protected async readState(): Promise<{ empty: boolean; key: string; unmapped: string[] }> {
    const state = await readSourceState(this.o.sql);
    return { empty: state.groups.length === 0 || state.built === null, key: state.key, unmapped: state.unmapped };
  }

  protected async buildInto(dir: string): Promise<BuildOutcome<Published>> {
    const result = await buildGrypeDatabase(this.o.sql, dir);
    // Only what is served stays: the database itself lives inside the archive.
    await fs.rm(path.join(dir, 'vulnerability.db'));
    const archive = path.basename(result.archive);
    return {
      published: {
        archive, latestText: latestJsonText(result.latest), stateKey: result.key, dataSeq: result.dataSeq,
        built: result.latest.built, checksum: result.latest.checksum, bytes: result.archiveBytes,
      },
      record: {
        dataTime: result.built, dataSeq: result.dataSeq, stateKey: result.key, file: archive, bytes: result.archiveBytes,
        checksum: result.latest.checksum, groups: result.groups.map((g) => g.name),
      },
      log: { archive, built: result.latest.built, dataSeq: result.dataSeq, groups: result.groups.length, records: result.records, bytes: result.archiveBytes },
    };
  }

  protected store(p: Published): unknown {
    return { archive: p.archive, stateKey: p.stateKey, dataSeq: p.dataSeq, built: p.built, checksum: p.checksum, bytes: p.bytes };
  }

  protected async restore(stored: unknown, dir: string): Promise<Published> {
    const c = Stored.parse(stored);
    const latestText = await fs.readFile(path.join(dir, LATEST_FILE), 'utf8');
    await fs.access(path.join(dir, c.archive));
    return { ...c, dir: path.basename(dir), latestText };
  }

  /** The published build (the current one, else the previous one) whose archive is `name`, and its path. */
  archiveFile(name: string): { build: Published; file: string } | undefined {
    for (const build of this.servable()) {
      if (build.archive === name) return { build, file: path.join(this.dirOf(build), name) };
    }
    return undefined;
  }
}

/** NOT_FOUND for a file name that is not published. */
export function notPublished(name: string): AirfeedError {
  return new AirfeedError('NOT_FOUND', `grype: ${name} is not published here; fetch latest.json for the current archive's name`);
}
