import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordJsonSchema } from '../../drivers/_framework/record.ts';
import { DRIVERS, getDriver } from '../../drivers/index.ts';

const driversDir = path.resolve(import.meta.dirname, '../../drivers');

describe('driver registry', () => {
  it('lists exactly the driver folders, sorted by id', async () => {
    const entries = await fs.readdir(driversDir, { withFileTypes: true });
    const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('_')).map((e) => e.name).sort();
    expect(DRIVERS.map((d) => d.id)).toEqual(folders);
    expect(DRIVERS.map((d) => d.id)).toEqual([...DRIVERS.map((d) => d.id)].sort());
  });

  it('gives each driver the id of its folder and a valid cron schedule', () => {
    for (const d of DRIVERS) {
      expect(getDriver(d.id)).toBe(d);
      expect(d.defaultSchedule.split(' ')).toHaveLength(5);
      expect(d.defaultSource).toMatch(/^https:\/\//);
    }
  });

  it('names the known drivers when asked for an unknown one', () => {
    expect(() => getDriver('nope')).toThrow(/unknown driver "nope"; known drivers: alpine/);
  });
});

describe('record JSON Schema', () => {
  it('is the checked-in file, regenerated from the zod schema (npm run schema)', async () => {
    const file = JSON.parse(await fs.readFile(path.join(driversDir, '_framework/record.schema.json'), 'utf8')) as unknown;
    expect(file).toEqual(recordJsonSchema());
  });
});
