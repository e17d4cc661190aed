import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FEED_NAME } from '../../drivers/_framework/feeds.ts';
import { recordJsonSchema } from '../../drivers/_framework/record.ts';
import { SETTING_NAME } from '../../drivers/_framework/settings.ts';
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

  it('declares a feed, a parser version and well-named settings; drivers sharing a feed describe it alike', () => {
    const feeds = new Map<string, string>();
    for (const d of DRIVERS) {
      expect(d.id).toMatch(/^[a-z0-9]+$/);
      expect(d.feed.name).toMatch(FEED_NAME);
      expect(d.feed.description).not.toBe('');
      expect(feeds.get(d.feed.name) ?? d.feed.description, `feed ${d.feed.name} of ${d.id}`).toBe(d.feed.description);
      feeds.set(d.feed.name, d.feed.description);
      expect(d.parserVersion).toMatch(/^\S+$/);
      const names = (d.settings ?? []).map((s) => s.name);
      for (const n of names) expect(n).toMatch(SETTING_NAME);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it("has a row in the README's driver table and a README of its own, in registry order", async () => {
    const readme = await fs.readFile(path.resolve(driversDir, '../README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| driver | groups | upstream |'));
    const rows = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `([a-z0-9]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(DRIVERS.map((d) => d.id));
    for (const d of DRIVERS) await expect(fs.access(path.join(driversDir, d.id, 'README.md'))).resolves.toBeUndefined();
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
