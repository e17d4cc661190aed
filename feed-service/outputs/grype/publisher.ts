/**
 * Keeps a grype database built from the store and published for `airfeed serve`:
 *
 * - rebuilt in the background when told the store changed (the outputs notifier: syncs and bundle
 *   imports of this process) and on a timer (changes by other processes: a CLI sync or import),
 *   but only when what a build reads moved (source.ts `key`: groups, sequences, freshness);
 * - each build goes into a directory of its own under `<root>/builds/`; only when it is complete
 *   does the published pointer move to it (first on disk, `<root>/current.json` written to a temp
 *   file and renamed, then in memory), so a request is never answered from a partial file and a
 *   restarted service serves the last build at once;
 * - the previous build stays downloadable until the next one is published: grype reads latest.json
 *   and then asks for the archive it names, and a build published between the two must not turn
 *   that second request into a 404; older builds are removed;
 * - one build at a time; a change that arrives during a build triggers one more check after it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import type { Sql } from '../../storage/db.ts';
import { recordOutputBuild, recordOutputFailure } from '../../storage/outputs.ts';
import type { OutputsNotifier } from '../notifier.ts';
import { buildGrypeDatabase } from './build.ts';
import { LATEST_FILE, latestJsonText } from './package.ts';
import { readSourceState } from './source.ts';

export const OUTPUT_NAME = 'grype';

const Current = z.object({
  dir: z.string().min(1),
  archive: z.string().min(1),
  stateKey: z.string(),
  dataSeq: z.number().int(),
  built: z.iso.datetime(),
  checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
});

/** What is published: the build directory, its archive and latest.json, and what it was built from. */
export interface Published {
  dir: string;
  /** The archive's file name (latest.json's `path`). */
  archive: string;
  latestText: string;
  stateKey: string;
  dataSeq: number;
  built: string;
  checksum: string;
  bytes: number;
}

export type CheckOutcome = 'built' | 'unchanged' | 'empty' | 'failed';

export interface PublisherOptions {
  sql: Sql;
  /** `<AIRFEED_HOME>/outputs/grype`. */
  root: string;
  log: Logger;
  /** Seconds between checks for changes made elsewhere; 0: only when notified. */
  checkSeconds?: number;
  /** Told after every check that did something (for metrics). */
  onOutcome?: (outcome: CheckOutcome, seconds: number) => void;
}

export class GrypePublisher {
  private published: Published | null = null;
  private previous: Published | null = null;
  private running: Promise<CheckOutcome> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: PublisherOptions) {}

  /** The notifier to hand to syncs and imports. */
  readonly notify: OutputsNotifier = () => {
    void this.check();
  };

  /** What is served now, or null before the first build. */
  current(): Published | null {
    return this.published;
  }

  /** Serves the last published build (if its files are still there), then checks and keeps checking. */
  async start(): Promise<void> {
    this.published = await this.readCurrent();
    void this.check();
    const every = this.o.checkSeconds ?? 0;
    if (every > 0) {
      this.timer = setInterval(() => void this.check(), every * 1000);
      this.timer.unref();
    }
  }

  /** Stops the timer and waits for a running build. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Builds and publishes when the store moved; resolves when this check (and any it had to queue) is done. */
  check(): Promise<CheckOutcome> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = (async (): Promise<CheckOutcome> => {
      let outcome: CheckOutcome;
      do {
        this.again = false;
        outcome = await this.checkOnce();
      } while (this.again && !this.stopped);
      return outcome;
    })().finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  private async checkOnce(): Promise<CheckOutcome> {
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    let outcome: CheckOutcome;
    try {
      const state = await readSourceState(this.o.sql);
      if (state.groups.length === 0 || state.built === null) {
        if (this.published) this.o.log.warn({ unmapped: state.unmapped }, 'grype: no enabled group with data left; the database is no longer served');
        await this.unpublish();
        outcome = 'empty';
      } else if (this.published?.stateKey === state.key) {
        outcome = 'unchanged';
      } else {
        await this.build(started);
        outcome = 'built';
      }
    } catch (err) {
      this.o.log.error({ err }, 'grype: building the database failed; the previous one is still served');
      await recordOutputFailure(this.o.sql, OUTPUT_NAME, (err as Error).message).catch(() => undefined);
      outcome = 'failed';
    }
    if (outcome !== 'unchanged') this.o.onOutcome?.(outcome, seconds());
    return outcome;
  }

  private async build(started: number): Promise<void> {
    const builds = path.join(this.o.root, 'builds');
    await fs.mkdir(builds, { recursive: true });
    const name = `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
    const dir = path.join(builds, name);
    await fs.mkdir(dir);
    let result;
    try {
      result = await buildGrypeDatabase(this.o.sql, dir);
      // Only what is served stays: the database itself lives inside the archive.
      await fs.rm(path.join(dir, 'vulnerability.db'));
    } catch (err) {
      await fs.rm(dir, { recursive: true, force: true });
      throw err;
    }
    const archive = path.basename(result.archive);
    const next: Published = {
      dir: name, archive, latestText: latestJsonText(result.latest), stateKey: result.key, dataSeq: result.dataSeq,
      built: result.latest.built, checksum: result.latest.checksum, bytes: result.archiveBytes,
    };
    await this.writeCurrent(next);
    const previous = this.published;
    this.published = next;
    this.previous = previous;
    await this.prune([name, ...(previous ? [previous.dir] : [])]);
    const secs = (performance.now() - started) / 1000;
    await recordOutputBuild(this.o.sql, OUTPUT_NAME, {
      dataTime: result.built, dataSeq: result.dataSeq, stateKey: result.key, location: path.join(dir, archive), bytes: result.archiveBytes,
      checksum: result.latest.checksum, seconds: secs, groups: result.groups.map((g) => g.name),
    });
    this.o.log.info(
      { archive, built: result.latest.built, dataSeq: result.dataSeq, groups: result.groups.length, records: result.records, bytes: result.archiveBytes, seconds: Math.round(secs * 10) / 10 },
      'grype: database built and published',
    );
  }

  /** The published build (the current one, else the previous one) whose archive is `name`, and its path. */
  archiveFile(name: string): { build: Published; file: string } | undefined {
    for (const build of [this.published, this.previous]) {
      if (build && build.archive === name) return { build, file: path.join(this.o.root, 'builds', build.dir, name) };
    }
    return undefined;
  }

  private async writeCurrent(p: Published): Promise<void> {
    const file = path.join(this.o.root, 'current.json');
    const tmp = `${file}.${randomBytes(3).toString('hex')}.tmp`;
    const doc: z.infer<typeof Current> = { dir: p.dir, archive: p.archive, stateKey: p.stateKey, dataSeq: p.dataSeq, built: p.built, checksum: p.checksum, bytes: p.bytes };
    await fs.writeFile(tmp, JSON.stringify(doc, null, 2));
    await fs.rename(tmp, file);
  }

  private async readCurrent(): Promise<Published | null> {
    const file = path.join(this.o.root, 'current.json');
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      return null;
    }
    const parsed = Current.safeParse(JSON.parse(text));
    if (!parsed.success) {
      this.o.log.warn({ file, err: parsed.error }, 'grype: the published-build pointer is unreadable; building anew');
      return null;
    }
    const c = parsed.data;
    const dir = path.join(this.o.root, 'builds', c.dir);
    try {
      const latestText = await fs.readFile(path.join(dir, LATEST_FILE), 'utf8');
      await fs.access(path.join(dir, c.archive));
      return { ...c, latestText };
    } catch (err) {
      this.o.log.warn({ dir, err }, 'grype: the last published build is gone; building anew');
      return null;
    }
  }

  private async unpublish(): Promise<void> {
    this.published = null;
    this.previous = null;
    await fs.rm(path.join(this.o.root, 'current.json'), { force: true });
    await recordOutputFailure(this.o.sql, OUTPUT_NAME, 'no enabled group with data grype can use').catch(() => undefined);
  }

  private async prune(keep: string[]): Promise<void> {
    const builds = path.join(this.o.root, 'builds');
    for (const entry of await fs.readdir(builds).catch(() => [] as string[])) {
      if (!keep.includes(entry)) await fs.rm(path.join(builds, entry), { recursive: true, force: true });
    }
  }
}

/** NOT_FOUND for a file name that is not published. */
export function notPublished(name: string): AirfeedError {
  return new AirfeedError('NOT_FOUND', `grype: ${name} is not published here; fetch latest.json for the current archive's name`);
}
