import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintFiles, sha256File, Staging, unsafeKeyReason, withStaging } from '../../../drivers/_framework/workspace.ts';
import { listFiles } from '../../helpers/mock-upstream.ts';

let ws: string;
beforeEach(async () => {
  ws = await fs.mkdtemp(path.join(os.tmpdir(), 'airfeed-ws-'));
});
afterEach(async () => {
  await fs.rm(ws, { recursive: true, force: true });
});

async function put(rel: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(path.join(ws, rel)), { recursive: true });
  await fs.writeFile(path.join(ws, rel), text);
}

describe('workspace helpers', () => {
  it('commits staged files, removes vanished owned files and the directories they leave empty, keeps the rest', async () => {
    await put('2023/cve-2023-0001.json', 'old');
    await put('2023/cve-2023-0002.json', 'gone upstream');
    await put('2022/cve-2022-0001.json', 'gone upstream');
    await put('local-notes.txt', 'not owned');
    await withStaging(ws, async (s) => {
      await fs.mkdir(path.dirname(s.path('2023/cve-2023-0001.json')), { recursive: true });
      await fs.writeFile(s.path('2023/cve-2023-0001.json'), 'new');
      await fs.mkdir(path.dirname(s.path('2024/cve-2024-0001.json')), { recursive: true });
      await fs.writeFile(s.path('2024/cve-2024-0001.json'), 'added');
      await s.commit(
        [{ key: '2023/cve-2023-0001.json', staged: true }, { key: '2024/cve-2024-0001.json', staged: true }],
        { owns: (key) => /^\d{4}\//.test(key) },
      );
    });
    expect(await listFiles(ws)).toEqual(['2023/cve-2023-0001.json', '2024/cve-2024-0001.json', 'local-notes.txt']);
    expect(await fs.readFile(path.join(ws, '2023/cve-2023-0001.json'), 'utf8')).toBe('new');
    expect(await fs.readdir(ws)).not.toContain('2022');
  });

  it('leaves the workspace as it was and removes staging when the fetch fails', async () => {
    await put('a.json', 'kept');
    const err = await withStaging(ws, async (s) => {
      await fs.writeFile(s.path('a.json'), 'half');
      throw new Error('download failed');
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('download failed');
    expect(await listFiles(ws)).toEqual(['a.json']);
    expect(await fs.readFile(path.join(ws, 'a.json'), 'utf8')).toBe('kept');
    expect(await fs.readdir(ws)).toEqual(['a.json']);
  });

  it('refuses keys that could escape the workspace', async () => {
    const s = await Staging.open(ws);
    for (const key of ['../x', '/etc/passwd', 'a//b', './a', 'a\\b', '', 'C:/x']) {
      expect(unsafeKeyReason(key), key).toBeDefined();
      expect(() => s.path(key)).toThrow(/workspace key/);
    }
    expect(unsafeKeyReason('2024/cve-2024-0056.json')).toBeUndefined();
    await s.dispose();
  });

  it('digests files (null when missing) and fingerprints them independently of the order keys are given in', async () => {
    await put('b.json', 'bbb');
    await put('a.json', 'aa');
    expect(await sha256File(path.join(ws, 'a.json'))).toBe(createHash('sha256').update('aa').digest('hex'));
    expect(await sha256File(path.join(ws, 'missing.json'))).toBeNull();
    const expected = createHash('sha256').update('a.json\n2\n').update('aa').update('b.json\n3\n').update('bbb').digest('hex');
    expect(await fingerprintFiles(ws, ['b.json', 'a.json'])).toBe(expected);
    await put('a.json', 'ab');
    expect(await fingerprintFiles(ws, ['a.json', 'b.json'])).not.toBe(expected);
  });
});
