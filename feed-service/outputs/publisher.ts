/**
 * Keeps an output built from the store and published for `airfeed serve` (the grype database, the
 * osv-scanner export); each output is a subclass that says how to read its state, build, and restore
 * a build after a restart:
 *
 * - rebuilt in the background when told the store changed (the outputs notifier: syncs and bundle
 *   imports of this process) and on a timer (changes by other processes: a CLI sync or import),
 *   but only when what a build reads moved (the state key: groups, sequences, freshness);
 * - each build goes into a directory of its own under `<root>/builds/`; only when it is complete
 *   does the published pointer move to it (first on disk, `<root>/current.json` written to a temp
 *   file and renamed, then in memory), so a request is never answered from a partial file and a
 *   restarted service serves the last build at once;
 * - the previous build stays downloadable until the next one is published: a client reads a listing
 *   (grype's latest.json, osv's ecosystems.txt) and then asks for the files it names, and a build
 *   published between the two must not turn that second request into a 404; older builds are removed;
 * - one build at a time; a change that arrives during a build triggers one more check after it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Sql } from '../storage/db.ts';
import { type OutputBuild, recordOutputBuild, recordOutputFailure } from '../storage/outputs.ts';
import type { OutputsNotifier } from './notifier.ts';

export type CheckOutcome = 'built' | 'unchanged' | 'empty' | 'failed';

export interface PublisherOptions {
  sql: Sql;
  /** `<AIRFEED_HOME>/outputs/<name>`. */
  root: string;
  log: Logger;
  /** Seconds between checks for changes made elsewhere; 0: only when notified. */
  checkSeconds?: number;
  /** Told after every check that did something (for metrics). */
  onOutcome?: (outcome: CheckOutcome, seconds: number) => void;
}

/** What every published build has: its directory under `builds/`, and what it was built from. */
export interface PublishedBase {
  dir: string;
  stateKey: string;
  dataSeq: number;
}

/** What a subclass's build gives back. */
export interface BuildOutcome<P extends PublishedBase> {
  /** The published build (its `dir` is filled in by the publisher). */
  published: Omit<P, 'dir'>;
  /** The row for the `outputs` table (location relative to the build directory). */
  record: Omit<OutputBuild, 'seconds' | 'location'> & { file: string };
  /** Fields for the "built and published" log line. */
  log: Record<string, unknown>;
}

export abstract class OutputPublisher<P extends PublishedBase> {
  private published: P | null = null;
  private previous: P | null = null;
  private running: Promise<CheckOutcome> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(protected readonly o: PublisherOptions) {}

  /** The output's name (`grype`, `osv`): the `outputs` row and the log prefix. */
  abstract readonly name: string;
  /** Whether there is anything to build from, and the key of what a build would read. */
  protected abstract readState(): Promise<{ empty: boolean; key: string; unmapped: string[] }>;
  /** Builds into `dir` (empty, existing). */
  protected abstract buildInto(dir: string): Promise<BuildOutcome<P>>;
  /** The JSON kept in current.json for a published build. */
  protected abstract store(p: P): unknown;
  /** A published build from current.json and its directory; throws when it is unreadable or its files are gone. */
  protected abstract restore(stored: unknown, dir: string): Promise<P>;

  /** The notifier to hand to syncs and imports. */
  readonly notify: OutputsNotifier = () => {
    void this.check();
  };

  /** What is served now, or null before the first build. */
  current(): P | null {
    return this.published;
  }

  /** The published builds a file may be served from, newest first: the current one, then the previous one. */
  protected servable(): P[] {
    return [this.published, this.previous].filter((p): p is P => p !== null);
  }

  /** The directory of a published build. */
  dirOf(p: P): string {
    return path.join(this.o.root, 'builds', p.dir);
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
      const state = await this.readState();
      if (state.empty) {
        if (this.published) this.o.log.warn({ unmapped: state.unmapped }, `${this.name}: no enabled group with data left; the output is no longer served`);
        await this.unpublish();
        outcome = 'empty';
      } else if (this.published?.stateKey === state.key) {
        outcome = 'unchanged';
      } else {
        await this.build(started);
        outcome = 'built';
      }
    } catch (err) {
      this.o.log.error({ err }, `${this.name}: building the output failed; the previous one is still served`);
      await recordOutputFailure(this.o.sql, this.name, (err as Error).message).catch(() => undefined);
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
    let outcome: BuildOutcome<P>;
    try {
      outcome = await this.buildInto(dir);
    } catch (err) {
      await fs.rm(dir, { recursive: true, force: true });
      throw err;
    }
    const next = { ...outcome.published, dir: name } as P;
    await this.writeCurrent(next);
    const previous = this.published;
    this.published = next;
    this.previous = previous;
    await this.prune([name, ...(previous ? [previous.dir] : [])]);
    const secs = (performance.now() - started) / 1000;
    const { file, ...record } = outcome.record;
    await recordOutputBuild(this.o.sql, this.name, { ...record, location: path.join(dir, file), seconds: secs });
    this.o.log.info({ ...outcome.log, seconds: Math.round(secs * 10) / 10 }, `${this.name}: built and published`);
  }

  private async writeCurrent(p: P): Promise<void> {
    const file = path.join(this.o.root, 'current.json');
    const tmp = `${file}.${randomBytes(3).toString('hex')}.tmp`;
    await fs.writeFile(tmp, JSON.stringify({ dir: p.dir, ...(this.store(p) as object) }, null, 2));
    await fs.rename(tmp, file);
  }

  private async readCurrent(): Promise<P | null> {
    const file = path.join(this.o.root, 'current.json');
    let stored: { dir?: unknown };
    try {
      stored = JSON.parse(await fs.readFile(file, 'utf8')) as { dir?: unknown };
    } catch {
      return null;
    }
    if (typeof stored.dir !== 'string' || stored.dir === '' || stored.dir.includes('/') || stored.dir.includes('..')) {
      this.o.log.warn({ file }, `${this.name}: the published-build pointer is unreadable; building anew`);
      return null;
    }
    const dir = path.join(this.o.root, 'builds', stored.dir);
    try {
      return await this.restore(stored, dir);
    } catch (err) {
      this.o.log.warn({ dir, err }, `${this.name}: the last published build is gone or unreadable; building anew`);
      return null;
    }
  }

  private async unpublish(): Promise<void> {
    this.published = null;
    this.previous = null;
    await fs.rm(path.join(this.o.root, 'current.json'), { force: true });
    await recordOutputFailure(this.o.sql, this.name, `no enabled group with data ${this.name} output can use`).catch(() => undefined);
  }

  private async prune(keep: string[]): Promise<void> {
    const builds = path.join(this.o.root, 'builds');
    for (const entry of await fs.readdir(builds).catch(() => [] as string[])) {
      if (!keep.includes(entry)) await fs.rm(path.join(builds, entry), { recursive: true, force: true });
    }
  }
}
