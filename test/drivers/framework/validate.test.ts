import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { AirfeedError } from '../../../drivers/_framework/errors.ts';
import { issuePath, parseWith, readJsonFile } from '../../../drivers/_framework/read/validate.ts';

const Schema = z.object({ packages: z.array(z.object({ pkg: z.object({ name: z.string() }) })) });

describe('zod reader', () => {
  it('formats issue paths', () => {
    expect(issuePath(['packages', 3, 'pkg', 'name'])).toBe('packages[3].pkg.name');
    expect(issuePath([])).toBe('(top level)');
  });

  it('names the file, the first issue with its JSON path, and how many more, keeping the ZodError as cause', () => {
    const value = { packages: [{ pkg: { name: 'ok' } }, { pkg: { name: 7 } }, { pkg: {} }, { pkg: { name: null } }] };
    const err = (() => { try { parseWith(Schema, value, { label: 'alpine: v3.20/main.json', what: 'not a secdb file' }); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(AirfeedError);
    const e = err as AirfeedError;
    expect(e.code).toBe('SOURCE_INVALID');
    expect(e.message).toMatch(/^alpine: v3\.20\/main\.json: not a secdb file: packages\[1\]\.pkg\.name: .*expected string.* \(and 2 more problems\)$/);
    expect(e.cause).toBeInstanceOf(z.ZodError);
    expect(e.details).toEqual({ path: 'packages[1].pkg.name', issues: 3 });
    expect(parseWith(Schema, { packages: [] }, { label: 'x' })).toEqual({ packages: [] });
  });

  it('readJsonFile refuses invalid UTF-8 before parsing, naming the byte offset', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-validate-'));
    try {
      const file = path.join(dir, 'main.json');
      await fs.writeFile(file, Buffer.concat([Buffer.from('{"packages":[{"pkg":{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('aom"}}]}')]));
      await expect(readJsonFile(file, Schema, { label: 'alpine: v3.20/main.json' })).rejects.toThrow(/^alpine: v3\.20\/main\.json: invalid UTF-8 at byte 29 \(c3 28/);
      await fs.writeFile(file, '{"packages":[');
      await expect(readJsonFile(file, Schema, { label: 'l' })).rejects.toThrow(/^l: malformed JSON \(truncated or corrupt\): /);
      await expect(readJsonFile(path.join(dir, 'nope.json'), Schema, { label: 'l' })).rejects.toThrow(/^l: cannot read the file: ENOENT/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
