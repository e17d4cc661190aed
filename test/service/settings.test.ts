/** Driver settings from the environment and the configuration file, and `airfeed drivers` showing them without secrets. */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { driverListing, renderDrivers } from '../../feed-service/cli/drivers-command.ts';
import { loadDriverSettings } from '../../feed-service/settings.ts';
import { snapshotDriver } from '../helpers/fake-drivers.ts';
import { tempDir } from '../helpers/mirror.ts';

const SECRET = 'ghp_0123456789abcdefSECRET';
const driver = snapshotDriver({
  id: 'nvd',
  settings: [
    { name: 'api_key', secret: true, description: 'NVD API key: 50 requests per 30 s instead of 5' },
    { name: 'page_size', secret: false, description: 'results per page' },
  ],
});
const other = snapshotDriver({ id: 'plain' });

async function configFile(content: unknown, mode = 0o600): Promise<string> {
  const dir = await tempDir('airfeed-settings-');
  const file = path.join(dir, 'airfeed.json');
  await fs.writeFile(file, typeof content === 'string' ? content : JSON.stringify(content), { mode });
  await fs.chmod(file, mode);
  return file;
}

describe('loadDriverSettings', () => {
  it('reads AIRFEED_<DRIVER>_<SETTING>, its _FILE twin and the config file; the environment wins', async () => {
    const file = await configFile({ drivers: { nvd: { api_key: 'from-file', page_size: '500' } } });
    const fromFile = await loadDriverSettings([driver, other], { AIRFEED_CONFIG: file });
    expect(fromFile.for(driver).secret('api_key')?.reveal()).toBe('from-file');
    expect(fromFile.for(driver).get('page_size')).toBe('500');
    expect(fromFile.warnings).toEqual([]);

    const secretFile = path.join(path.dirname(file), 'key');
    await fs.writeFile(secretFile, `${SECRET}\n`);
    const env = await loadDriverSettings([driver, other], { AIRFEED_CONFIG: file, AIRFEED_NVD_API_KEY_FILE: secretFile, AIRFEED_NVD_PAGE_SIZE: '2000' });
    expect(env.for(driver).secret('api_key')?.reveal()).toBe(SECRET);
    expect(env.for(driver).get('page_size')).toBe('2000');
    expect(env.status(driver).map((s) => [s.name, s.env, s.set, s.from])).toEqual([
      ['api_key', 'AIRFEED_NVD_API_KEY', true, 'environment file'],
      ['page_size', 'AIRFEED_NVD_PAGE_SIZE', true, 'environment'],
    ]);
    const direct = await loadDriverSettings([driver], { AIRFEED_CONFIG: file, AIRFEED_NVD_API_KEY: SECRET, AIRFEED_NVD_PAGE_SIZE: '' });
    expect(direct.for(driver).secret('api_key')?.reveal()).toBe(SECRET);
    expect(direct.status(driver)[1]).toMatchObject({ set: true, from: 'config file', value: '500' });
  });

  it('uses $AIRFEED_HOME/airfeed.json by default and does without it when it is absent', async () => {
    const home = await tempDir('airfeed-home-');
    const none = await loadDriverSettings([driver], { AIRFEED_HOME: home });
    expect(none.file).toBe(path.join(home, 'airfeed.json'));
    expect(none.status(driver).every((s) => !s.set)).toBe(true);
    await fs.writeFile(path.join(home, 'airfeed.json'), JSON.stringify({ drivers: { nvd: { api_key: SECRET } } }), { mode: 0o600 });
    expect((await loadDriverSettings([driver], { AIRFEED_HOME: home })).for(driver).isSet('api_key')).toBe(true);
  });

  it('refuses a bad configuration naming the file and JSON path, never a value', async () => {
    const missing = loadDriverSettings([driver], { AIRFEED_CONFIG: '/no/such/airfeed.json' });
    await expect(missing).rejects.toThrow(/\/no\/such\/airfeed\.json: cannot read the configuration file/);
    const cases: [unknown, RegExp][] = [
      ['{"drivers": ', /not valid JSON/],
      [{ driver: {} }, /\(top level\): Unrecognized key: "driver"/],
      [{ drivers: { nvdd: { api_key: SECRET } } }, /drivers\.nvdd: there is no driver "nvdd" \(drivers: nvd, plain\)/],
      [{ drivers: { nvd: { apikey: SECRET } } }, /drivers\.nvd\.apikey: driver nvd has no setting "apikey" \(its settings: api_key, page_size\)/],
      [{ drivers: { nvd: { api_key: 42 } } }, /drivers\.nvd\.api_key: Invalid input: expected string, received number/],
    ];
    for (const [content, message] of cases) {
      const file = await configFile(content);
      const err = await loadDriverSettings([driver, other], { AIRFEED_CONFIG: file }).then(() => undefined, (e: unknown) => e as Error & { code: string });
      expect(err?.code).toBe('CONFIG_INVALID');
      expect(err?.message).toMatch(message);
      expect(err?.message.startsWith(file)).toBe(true);
      expect(err?.message).not.toContain(SECRET);
    }
  });

  it('warns when a file holding a secret can be read by others', async () => {
    const open = await configFile({ drivers: { nvd: { api_key: SECRET } } }, 0o644);
    const loaded = await loadDriverSettings([driver], { AIRFEED_CONFIG: open });
    expect(loaded.warnings).toEqual([`${open} holds secret settings and can be read by other users (mode 644); chmod 600 it`]);
    const plainOnly = await configFile({ drivers: { nvd: { page_size: '10' } } }, 0o644);
    expect((await loadDriverSettings([driver], { AIRFEED_CONFIG: plainOnly })).warnings).toEqual([]);
  });
});

describe('airfeed drivers', () => {
  it('lists settings and whether they are set, with plain values but never a secret', async () => {
    const settings = await loadDriverSettings([driver, other], { AIRFEED_NVD_API_KEY: SECRET, AIRFEED_NVD_PAGE_SIZE: '2000', AIRFEED_HOME: '/nonexistent' });
    const rows = driverListing([driver, other], settings);
    const json = JSON.stringify(rows);
    expect(json).not.toContain(SECRET);
    expect(rows[0]?.settings).toEqual([
      { name: 'api_key', secret: true, description: 'NVD API key: 50 requests per 30 s instead of 5', env: 'AIRFEED_NVD_API_KEY', set: true, from: 'environment' },
      { name: 'page_size', secret: false, description: 'results per page', env: 'AIRFEED_NVD_PAGE_SIZE', set: true, from: 'environment', value: '2000' },
    ]);
    const text = renderDrivers(rows, settings.file);
    expect(text).not.toContain(SECRET);
    expect(text).toMatch(/^nvd\s+vulnerabilities\s+\S+\s+0 0 \* \* \*\s+api_key \[secret\]: set \(environment\), page_size: 2000 \(environment\)$/m);
    expect(text).toMatch(/^plain\s+vulnerabilities\s+.*\s+-$/m);
    expect(text).toContain('  AIRFEED_NVD_API_KEY  NVD API key: 50 requests per 30 s instead of 5');
  });

  it('runs as a command over the registry, and --config names the file it reads', async () => {
    const cli = path.resolve(import.meta.dirname, '../../scripts/airfeed.mjs');
    const run = promisify(execFile);
    const env = { ...process.env, AIRFEED_HOME: await tempDir('airfeed-home-'), AIRFEED_LOG_LEVEL: 'silent' };
    const { stdout } = await run(process.execPath, [cli, 'drivers', '--json'], { env });
    const listed = JSON.parse(stdout) as { id: string; feed: string; parserVersion: string; settings: unknown[] }[];
    expect(listed.map((d) => d.id)).toContain('alpine');
    expect(listed.find((d) => d.id === 'alpine')).toMatchObject({ feed: 'vulnerabilities', parserVersion: 'alpine-parse-2', settings: [] });
    const bad = await configFile({ drivers: { nosuch: {} } });
    const failed = await run(process.execPath, [cli, '--config', bad, 'drivers'], { env }).then(() => undefined, (e: unknown) => e as { code: number; stderr: string });
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain(`${bad}: drivers.nosuch: there is no driver "nosuch"`);
  });
});
