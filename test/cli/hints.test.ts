/**
 * The "what to do" line fits the program and the input: the engine names its own variables, scan
 * errors name the flag scan has (--input-format), a distro suggestion fits the package kind, a
 * release the engine lacks is named with what it does hold and how to get it, and a sync from a
 * mirror directory that is not there says so instead of suggesting --source.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockGroups, setGroupState, writeGroup } from '../../engine-client/store/write.ts';
import { runCli } from '../helpers/cli.ts';
import type { TestDb } from '../helpers/db.ts';
import { createEngineTestDb } from '../helpers/engine-db.ts';
import { tempDir } from '../helpers/mirror.ts';
import { iterate } from '../helpers/records.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/engine/inputs');
const DPKG = path.join(FIXTURES, 'dpkg-status');
const RPM = path.join(FIXTURES, 'rpm-qa-qf.txt');
const APK = path.join(FIXTURES, 'apk-installed');

let engineDb: TestDb;
let dir: string;

/** The "what to do" line of a report. */
const hintOf = (err: string): string => /\n {2}what to do: (.*)$/s.exec(err)?.[1] ?? '';

beforeAll(async () => {
  dir = await tempDir('airfeed-hints-');
  engineDb = await createEngineTestDb();
  // The engine holds two Alpine releases (no records needed: the group list is what scan checks first).
  for (const group of ['alpine:3.19', 'alpine:3.20']) {
    await engineDb.sql.begin(async (tx) => {
      await lockGroups(tx, [group]);
      await writeGroup(tx, { group, mode: 'replace', changes: iterate([]) });
      await setGroupState(tx, group, { feed: 'vulnerabilities', source: 'service http://test' });
    });
  }
});
afterAll(async () => {
  await engineDb.drop();
  await fs.rm(dir, { recursive: true, force: true });
});

function engine(args: string[], env: Record<string, string> = {}) {
  return runCli('airfeed-engine', args, { AIRFEED_ENGINE_DATABASE_URL: engineDb.url, AIRFEED_ENGINE_HOME: path.join(dir, 'engine-home'), DATABASE_URL: undefined, ...env });
}

describe('airfeed-engine names its own settings', () => {
  it('an unreachable database: AIRFEED_ENGINE_DATABASE_URL / AIRFEED_ENGINE_HOME, never the service variables', async () => {
    const r = await engine(['db', 'status'], { AIRFEED_ENGINE_DATABASE_URL: 'postgres://airfeed@127.0.0.1:1/engine' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot connect to postgres:\/\/airfeed@127\.0\.0\.1:1\/engine/);
    expect(hintOf(r.err)).toMatch(/AIRFEED_ENGINE_DATABASE_URL/);
    expect(hintOf(r.err)).toMatch(/AIRFEED_ENGINE_HOME/);
    expect(r.err).not.toMatch(/\bDATABASE_URL\b|\bAIRFEED_HOME\b|\bAIRFEED_PG_PORT\b/);
  });
});

describe('scan hints', () => {
  it('name --input-format, the flag that says what the input is (--format is the output)', async () => {
    const wrong = await engine(['scan', DPKG, '--input-format', 'cyclonedx']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/not JSON/);
    expect(hintOf(wrong.err)).toMatch(/--input-format/);
    expect(wrong.err).not.toMatch(/--format\b/);
    const unknown = path.join(dir, 'unknown.txt');
    await fs.writeFile(unknown, 'hello\nworld\n');
    const undetected = await engine(['scan', unknown]);
    expect(undetected.err).toMatch(/cannot tell the input format/);
    expect(undetected.err).toMatch(/pass --input-format/);
    expect(undetected.err).not.toMatch(/--format\b/);
  });

  it.each([
    ['a dpkg status file', DPKG, /--distro debian:12\b.*ubuntu:22\.04|--distro ubuntu:22\.04.*debian:12\b/, /alpine|rhel/],
    ['an rpm list', RPM, /--distro rhel:9\b/, /alpine|debian|ubuntu/],
    ['an apk database', APK, /--distro alpine:3\.20\b/, /debian|ubuntu|rhel/],
  ])('suggest a distro that fits %s, and --os-release', async (_what, file, suggests, never) => {
    const r = await engine(['scan', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/need a distro release, and the input names none/);
    const hint = hintOf(r.err);
    expect(hint).toMatch(suggests);
    expect(hint).toMatch(/--os-release/);
    expect(hint).not.toMatch(never);
  });

  it('a release the engine lacks: names it, lists what the engine holds of that distro, says how to get it', async () => {
    const r = await engine(['scan', APK, '--distro', 'alpine:3.21']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the engine holds no data for alpine:3\.21 .*; of alpine it holds alpine:3\.19, alpine:3\.20/);
    const hint = hintOf(r.err);
    expect(hint).not.toMatch(/no vulnerability data yet/);
    expect(hint).toMatch(/alpine:3\.21/);
    expect(hint).toMatch(/`airfeed-engine sync --from <url> --groups alpine:3\.21`/);
    expect(hint).toMatch(/`airfeed-engine import <bundle\.tar>`/);
    const none = await engine(['scan', DPKG, '--distro', 'debian:12']);
    expect(none.err).toMatch(/the engine holds no data for debian:12 .*; it holds no debian release at all/);
    expect(hintOf(none.err)).toMatch(/debian:12/);
  });
});

describe('airfeed sync --source', () => {
  it('a mirror directory that does not exist is named as such; the hint does not suggest --source', async () => {
    const gone = path.join(dir, 'no-mirror');
    const r = await runCli('airfeed', ['sync', 'alpine', '--source', gone], { AIRFEED_HOME: path.join(dir, 'home'), DATABASE_URL: 'postgres://airfeed@127.0.0.1:1/none' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`mirror directory ${gone.replace(/[.]/g, '\\.')}: it does not exist`));
    expect(hintOf(r.err)).not.toMatch(/--source/);
    expect(hintOf(r.err)).not.toMatch(/network/);
  });
});
