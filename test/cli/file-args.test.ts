/**
 * Every file and directory argument of both command lines, given something that is not there, a
 * directory where a file belongs, a file where a directory belongs: each is an error the user can
 * act on (naming the argument, the path and what is wrong, exit 1 for airfeed, 2 for the engine),
 * never "unexpected error … please report it", and it comes before anything else is looked at (the
 * trust store, the database). Also `airfeed serve` on a port another process holds.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKey, type TestKey } from '../bundles/helpers.ts';
import { runCli } from '../helpers/cli.ts';
import { skipUnless } from '../helpers/skip.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { tempDir } from '../helpers/mirror.ts';

let dir: string;
let key: TestKey;
let aFile: string;
let aDir: string;
let missing: string;
let db: TestDb;

beforeAll(async () => {
  dir = await tempDir('airfeed-file-args-');
  key = await makeKey(path.join(dir, 'keys'), 'producer');
  aDir = path.join(dir, 'a-directory');
  await fs.mkdir(aDir);
  aFile = path.join(dir, 'a-file.txt');
  await fs.writeFile(aFile, 'not a bundle\n');
  missing = path.join(dir, 'no-such-file.tar');
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
  await fs.rm(dir, { recursive: true, force: true });
});

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The homes point into the temp dir, with no trusted keys, and no database is configured. */
function env(): Record<string, string | undefined> {
  return {
    AIRFEED_HOME: path.join(dir, 'home'),
    AIRFEED_ENGINE_HOME: path.join(dir, 'engine-home'),
    // A database nobody listens on: a command that reached it would fail with DB_UNAVAILABLE instead.
    DATABASE_URL: 'postgres://airfeed@127.0.0.1:1/none',
    AIRFEED_ENGINE_DATABASE_URL: 'postgres://airfeed@127.0.0.1:1/none',
  };
}

type Case = [program: 'airfeed' | 'airfeed-engine', args: () => string[], message: () => RegExp];

const NOT_THERE = 'it does not exist';
const IS_DIR = 'it is a directory, not a file';

const CASES: Case[] = [
  ['airfeed', () => ['bundle', 'verify', aDir], () => new RegExp(`cannot read bundle ${esc(aDir)}: ${IS_DIR}`)],
  ['airfeed', () => ['bundle', 'verify', missing], () => new RegExp(`cannot read bundle ${esc(missing)}: ${NOT_THERE}`)],
  ['airfeed', () => ['bundle', 'verify', aFile, '--trust', missing], () => new RegExp(`cannot read trusted key path ${esc(missing)}: ${NOT_THERE}`)],
  ['airfeed', () => ['bundle', 'import', missing], () => new RegExp(`cannot read bundle ${esc(missing)}: ${NOT_THERE}`)],
  ['airfeed', () => ['bundle', 'import', aDir], () => new RegExp(`cannot read bundle ${esc(aDir)}: ${IS_DIR}`)],
  ['airfeed', () => ['bundle', 'inspect', aDir], () => new RegExp(`cannot read bundle ${esc(aDir)}: ${IS_DIR}`)],
  ['airfeed', () => ['bundle', 'inspect', missing], () => new RegExp(`cannot read bundle ${esc(missing)}: ${NOT_THERE}`)],
  ['airfeed', () => ['keys', 'id', aDir], () => new RegExp(`cannot read key file ${esc(aDir)}: ${IS_DIR}`)],
  ['airfeed', () => ['keys', 'id', key.publicFile, missing], () => new RegExp(`cannot read key file ${esc(missing)}: ${NOT_THERE}`)],
  ['airfeed', () => ['keys', 'generate', '--out', aFile], () => new RegExp(`cannot write into --out ${esc(aFile)}: it is a file, not a directory`)],
  ['airfeed', () => ['bundle', 'export', '--key', aDir, '--out', path.join(dir, 'x.tar')], () => new RegExp(`cannot read private key ${esc(aDir)}: ${IS_DIR}`)],
  ['airfeed', () => ['bundle', 'export', '--key', key.privateFile, '--out', path.join(dir, 'x.tar'), '--base', aDir], () => new RegExp(`cannot read base bundle ${esc(aDir)}: ${IS_DIR}`)],
  ['airfeed', () => ['bundle', 'export', '--key', key.privateFile, '--out', path.join(missing, 'x.tar')], () => new RegExp(`cannot write --out ${esc(path.join(missing, 'x.tar'))}: the directory ${esc(missing)} does not exist`)],
  ['airfeed', () => ['bundle', 'export', '--key', key.privateFile, '--out', aDir], () => new RegExp(`cannot write --out ${esc(aDir)}: it is a directory; name the bundle file to write`)],
  ['airfeed', () => ['sync', 'alpine', '--source', missing], () => new RegExp(`cannot read mirror directory ${esc(missing)}: ${NOT_THERE}`)],
  ['airfeed', () => ['sync', 'alpine', '--source', aFile], () => new RegExp(`cannot read mirror directory ${esc(aFile)}: it is a file, not a directory`)],
  ['airfeed-engine', () => ['import', aDir], () => new RegExp(`cannot read bundle ${esc(aDir)}: ${IS_DIR}`)],
  ['airfeed-engine', () => ['import', missing], () => new RegExp(`cannot read bundle ${esc(missing)}: ${NOT_THERE}`)],
  ['airfeed-engine', () => ['import', aFile, '--trust', aFile, '--trust', missing], () => new RegExp(`cannot read trusted key path ${esc(missing)}: ${NOT_THERE}`)],
  ['airfeed-engine', () => ['scan', aDir], () => new RegExp(`cannot read input ${esc(aDir)}: ${IS_DIR}`)],
  ['airfeed-engine', () => ['scan', missing, '--input-format', 'dpkg-status'], () => new RegExp(`cannot read input ${esc(missing)}: ${NOT_THERE}`)],
  ['airfeed-engine', () => ['scan', aFile, '--os-release', aDir], () => new RegExp(`cannot read os-release file ${esc(aDir)}: ${IS_DIR}`)],
  ['airfeed-engine', () => ['scan', aFile, '--policy', missing], () => new RegExp(`cannot read policy ${esc(missing)}: ${NOT_THERE}`)],
];

describe('file arguments that are missing, directories or files in the wrong place', () => {
  it.each(CASES.map((c, i) => [i + 1, ...c] as const))(
    'case %i: %s',
    async (_n, program, args, message) => {
      const r = await runCli(program, args(), env());
      expect(r.err).not.toMatch(/unexpected error|please report/);
      expect(r.err).toMatch(message());
      expect(r.err).toMatch(/\n {2}what to do: \S/);
      // Nothing else was looked at first: not the trust store, not the database.
      expect(r.err).not.toMatch(/no trusted keys|cannot connect/);
      expect(r.code).toBe(program === 'airfeed' ? 1 : 2);
    },
  );

  it('says what to do for each kind of problem', async () => {
    const gone = await runCli('airfeed', ['bundle', 'import', missing], env());
    expect(gone.err).toMatch(/what to do: Check the path/);
    const folder = await runCli('airfeed', ['bundle', 'verify', aDir], env());
    expect(folder.err).toMatch(/what to do: Name the file itself/);
    const source = await runCli('airfeed', ['sync', 'alpine', '--source', missing], env());
    expect(source.err).not.toMatch(/pass --source/);
  });

  it('a home that is a file: names the variable, for each program', async () => {
    const service = await runCli('airfeed', ['groups', 'list'], { ...env(), AIRFEED_HOME: aFile, DATABASE_URL: undefined });
    expect(service.err).toMatch(new RegExp(`cannot create the embedded PostgreSQL directory ${esc(aFile)}/db \\(under AIRFEED_HOME\\): a part of the path is a file, not a directory`));
    expect(service.err).toMatch(/what to do: Set AIRFEED_HOME to a directory/);
    expect(service.code).toBe(1);
    const engine = await runCli('airfeed-engine', ['db', 'status'], { ...env(), AIRFEED_ENGINE_HOME: aFile, AIRFEED_ENGINE_DATABASE_URL: undefined });
    expect(engine.err).toMatch(/\(under AIRFEED_ENGINE_HOME\): a part of the path is a file/);
    expect(engine.err).toMatch(/what to do: Set AIRFEED_ENGINE_HOME to a directory .* AIRFEED_ENGINE_DATABASE_URL/);
    expect(engine.err).not.toMatch(/unexpected error|\bDATABASE_URL\b|\bAIRFEED_HOME\b/);
    expect(engine.code).toBe(2);
  });

  it('names a file it may not read', skipUnless(process.getuid?.() !== 0, 'running as root, who may read every file'), async () => {
    const locked = path.join(dir, 'locked.tar');
    await fs.writeFile(locked, 'x');
    await fs.chmod(locked, 0o000);
    const r = await runCli('airfeed', ['bundle', 'inspect', locked], env());
    expect(r.err).toMatch(new RegExp(`cannot read bundle ${esc(locked)}: permission denied`));
    expect(r.code).toBe(1);
  });
});

describe('airfeed serve on a port another process holds', () => {
  it('says the address is in use and how to pick another port, exit 1', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    if (typeof address !== 'object' || !address) throw new Error('not listening');
    try {
      const r = await runCli('airfeed', ['serve', '--port', String(address.port), '--no-schedule'], { ...env(), DATABASE_URL: db.url });
      expect(r.err).not.toMatch(/unexpected error|please report/);
      expect(r.err).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${address.port}: another process already listens there`));
      expect(r.err).toMatch(/what to do: .*--port/);
      expect(r.code).toBe(1);
    } finally {
      holder.close();
    }
  });
});
