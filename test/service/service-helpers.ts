/** Shared set-up for the feed service tests: apps on a real test database, alpine mirrors, engines' URLs. */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HttpClient } from '../../drivers/_framework/http.ts';
import { silentLogger } from '../../drivers/_framework/log.ts';
import type { VulnRecord } from '../../drivers/_framework/record.ts';
import { alpine } from '../../drivers/alpine/index.ts';
import { type AppOptions, buildApp } from '../../feed-service/http/app.ts';
import type { AuthConfig } from '../../feed-service/http/config.ts';
import { Scheduler, type SchedulerOptions } from '../../feed-service/scheduler.ts';
import { applyGroup } from '../../feed-service/storage/apply.ts';
import type { Sql } from '../../feed-service/storage/db.ts';
import { registerGroups } from '../../feed-service/storage/groups.ts';
import { type SyncReport, syncDriver } from '../../feed-service/sync.ts';
import { iterate } from '../helpers/records.ts';
import { type MirrorSpec, tempDir, writeMirror } from '../helpers/mirror.ts';

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
export const READ_TOKEN = 'read-token-0123456789abcdef';

/** Two alpine branches; CVE-2024-0001 is in both, so lookups by id cross groups. */
export const SPEC: MirrorSpec = {
  'v3.19': {
    main: { openssl: { '3.1.4-r1': ['CVE-2023-5678'], '3.1.4-r3': ['CVE-2023-6129'] }, musl: { '1.2.4-r2': ['CVE-2020-28928'] } },
    community: { go: { '1.21.5-r0': ['CVE-2023-39326', 'CVE-2024-0001'] } },
  },
  'v3.20': {
    main: { openssl: { '3.3.0-r2': ['CVE-2024-4603'] }, xen: { '4.18.2-r0': ['XSA-458'] } },
    community: { go: { '1.22.3-r0': ['CVE-2024-24787', 'CVE-2024-0001'] } },
  },
};

/** An app on `sql` with silent logs and an admin token; `options` override. */
export async function makeApp(sql: Sql, options: Partial<AppOptions> = {}): Promise<FastifyInstance> {
  const auth: AuthConfig = { adminTokens: [ADMIN_TOKEN] };
  return buildApp({ sql, log: silentLogger, auth, ...options });
}

export interface AlpineHome {
  home: string;
  mirror: string;
  /** Rewrites the mirror with `spec`. */
  write(spec: MirrorSpec): Promise<void>;
  /** Syncs alpine from the mirror. */
  sync(): Promise<SyncReport>;
}

/** A home directory with an alpine mirror of `spec`. */
export async function alpineHome(sql: Sql, spec: MirrorSpec = SPEC): Promise<AlpineHome> {
  const home = await tempDir('airfeed-svc-');
  const mirror = path.join(home, 'mirror');
  await writeMirror(mirror, spec);
  return {
    home,
    mirror,
    write: async (s) => void (await writeMirror(mirror, s)),
    sync: () => syncDriver(sql, alpine, { home, http: new HttpClient(), log: silentLogger, source: mirror }),
  };
}

/** A scheduler for alpine reading `mirror`, no jitter, quick backoff; `options` override. */
export function makeScheduler(sql: Sql, env: AlpineHome, options: Partial<SchedulerOptions> = {}): Scheduler {
  return new Scheduler({
    sql,
    log: silentLogger,
    home: env.home,
    http: new HttpClient(),
    drivers: [alpine],
    sources: { alpine: env.mirror },
    jitterSeconds: 0,
    startupDelaySeconds: 0,
    ...options,
  });
}

/** Registers `group` (feed vulnerabilities) and applies `records` as a complete snapshot. */
export async function loadGroup(sql: Sql, group: string, records: VulnRecord[]): Promise<void> {
  await registerGroups(sql, 'test', 'vulnerabilities', [{ name: group, description: `test group ${group}` }]);
  await applyGroup(sql, { group, complete: true, records: iterate(records) });
}

/** Python's `datetime.utcnow().isoformat()` for `d` (naive, microseconds; JS has milliseconds). */
export function pythonIso(d: Date, extraMicros = 0): string {
  const iso = d.toISOString().replace(/Z$/, '');
  return `${iso}${String(extraMicros).padStart(3, '0')}`;
}

/** The auth header for the admin token. */
export const adminAuth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Polls `fn` until it returns a truthy value or `ms` pass. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
