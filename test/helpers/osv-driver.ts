/** Shared by the osv driver tests: running fetch and parse, capturing log lines, the fixture mirror. */
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { SettingValues } from '../../drivers/_framework/settings.ts';
import type { DriverState, FetchResult } from '../../drivers/_framework/types.ts';
import { osv } from '../../drivers/osv/index.ts';

export const OSV_MIRROR = path.resolve(import.meta.dirname, '../fixtures/drivers/osv');
export const OSV_SRC = path.resolve(import.meta.dirname, '../fixtures/osv/src');

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A logger whose lines (level info and up) land in `lines`. */
export function capturingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}

export function fetchOsv(source: string, workspace: string, options: { state?: DriverState; http?: HttpClient; log?: Logger } = {}): Promise<FetchResult> {
  return osv.fetch({
    source, workspace, state: options.state ?? {}, settings: SettingValues.none('osv'), http: options.http ?? new HttpClient(),
    log: options.log ?? silentLogger, progress: { phase: () => undefined, tick: () => undefined },
  });
}

export interface ParsedAll {
  name: string;
  complete: boolean;
  fingerprint: string;
  records: VulnRecord[];
  deletions: string[];
}

/** Every group's records (and deletions), in parse order. */
export async function parseOsv(workspace: string, options: { log?: Logger; applied?: Map<string, string> } = {}): Promise<Map<string, ParsedAll>> {
  const out = new Map<string, ParsedAll>();
  for await (const g of osv.parse({ workspace, log: options.log ?? silentLogger, ...(options.applied ? { applied: options.applied } : {}) })) {
    const records: VulnRecord[] = [];
    for await (const r of g.records) records.push(r);
    const deletions: string[] = [];
    for await (const d of g.deletions ?? []) deletions.push(d);
    out.set(g.name, { name: g.name, complete: g.complete, fingerprint: g.fingerprint, records, deletions });
  }
  return out;
}
