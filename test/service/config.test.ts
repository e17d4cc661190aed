/** `airfeed serve` configuration from the environment: tokens, schedules, sources, errors naming the variable. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alpine } from '../../drivers/alpine/index.ts';
import { loadServiceConfig } from '../../feed-service/http/config.ts';
import { tempDir } from '../helpers/mirror.ts';

const TOKEN = 'a-token-of-enough-length';

describe('loadServiceConfig', () => {
  it('has documented defaults: port 8080 on loopback, anonymous reads, the driver schedule', async () => {
    const c = await loadServiceConfig([alpine], {}, {});
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', schedule: true, jitterSeconds: 60, overlapSeconds: 3600, sources: {} });
    expect(c.auth).toEqual({ adminTokens: [], readTokens: undefined, metricsAccess: 'read', docsAccess: 'read' });
    expect(c.schedules).toEqual({ alpine: '17 */6 * * *' });
  });

  it('reads tokens from variables and files, flags over variables, per-driver schedules and sources', async () => {
    const dir = await tempDir('airfeed-cfg-');
    const file = path.join(dir, 'admin-tokens');
    await fs.writeFile(file, `# rotated monthly\n${TOKEN}-file\n\n`);
    const c = await loadServiceConfig([alpine], { port: 9000, schedule: false }, {
      AIRFEED_PORT: '7000',
      AIRFEED_HOST: '0.0.0.0',
      AIRFEED_ADMIN_TOKENS: `${TOKEN}-1, ${TOKEN}-2`,
      AIRFEED_ADMIN_TOKENS_FILE: file,
      AIRFEED_READ_TOKENS: `${TOKEN}-read`,
      AIRFEED_SCHEDULE_ALPINE: '*/30 * * * *',
      AIRFEED_SOURCE_ALPINE: '/mnt/secdb',
    });
    expect(c).toMatchObject({ port: 9000, host: '0.0.0.0', schedule: false, sources: { alpine: '/mnt/secdb' }, schedules: { alpine: '*/30 * * * *' } });
    expect(c.auth).toEqual({ adminTokens: [`${TOKEN}-1`, `${TOKEN}-2`, `${TOKEN}-file`], readTokens: [`${TOKEN}-read`], metricsAccess: 'read', docsAccess: 'read' });
    expect((await loadServiceConfig([alpine], {}, { AIRFEED_SCHEDULE_ALPINE: 'off' })).schedules).toEqual({ alpine: null });
  });

  it('refuses bad values, naming the variable and never echoing a token', async () => {
    await expect(loadServiceConfig([alpine], {}, { AIRFEED_SCHEDULE_ALPINE: 'every hour' })).rejects.toThrow(/AIRFEED_SCHEDULE_ALPINE: "every hour" is not a cron expression/);
    const short = loadServiceConfig([alpine], {}, { AIRFEED_ADMIN_TOKENS: 'secret' });
    await expect(short).rejects.toThrow(/AIRFEED_ADMIN_TOKENS: every token must be at least 16 characters/);
    await expect(short).rejects.not.toThrow(/secret/);
    await expect(loadServiceConfig([alpine], {}, { AIRFEED_READ_TOKENS: ' , ' })).rejects.toThrow(/AIRFEED_READ_TOKENS: set but lists no token/);
    await expect(loadServiceConfig([alpine], {}, { AIRFEED_PORT: 'eighty' })).rejects.toThrow(/AIRFEED_PORT/);
    await expect(loadServiceConfig([alpine], {}, { AIRFEED_ADMIN_TOKENS_FILE: '/no/such/file' })).rejects.toThrow(/AIRFEED_ADMIN_TOKENS_FILE: cannot read \/no\/such\/file/);
  });
});
