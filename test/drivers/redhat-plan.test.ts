/** The Red Hat driver's run plan (drivers/redhat/changes.ts): full or delta, what is new, where the position moves. */
import { describe, expect, it } from 'vitest';
import { plan, reachesBack } from '../../drivers/redhat/changes.ts';

const t = (iso: string): number => Date.parse(iso);
const e = (path: string, iso: string) => ({ path, at: t(iso) });
const ARCHIVE = 'csaf_vex_2024-03-01.tar.zst';

describe('redhat: plan', () => {
  it('first run: the archive, then every change and deletion from the archive day on (latest entry per path wins)', () => {
    const p = plan(undefined, ARCHIVE, [
      e('2024/cve-2024-0003.json', '2024-03-02T00:00:00Z'), e('2024/cve-2024-0001.json', '2024-03-01T05:00:00Z'),
      e('2024/cve-2024-0009.json', '2024-02-28T00:00:00Z'), e('2024/cve-2024-0004.json', '2024-03-03T00:00:00Z'),
    ], [e('2024/cve-2024-0003.json', '2024-03-02T10:00:00Z'), e('2024/cve-2024-0004.json', '2024-03-02T00:00:00Z')]);
    expect(p.kind).toBe('full');
    expect([...p.changed.keys()]).toEqual(['2024/cve-2024-0001.json', '2024/cve-2024-0004.json']);
    expect([...p.deleted.keys()]).toEqual(['2024/cve-2024-0003.json']);
    expect(p.position).toEqual({ at: t('2024-03-03T00:00:00Z'), paths: ['2024/cve-2024-0004.json'] });
  });

  it('first run with empty lists: positioned at the archive day', () => {
    expect(plan(undefined, ARCHIVE, [], [])).toMatchObject({ kind: 'full', position: { at: t('2024-03-01T00:00:00Z'), paths: [] } });
  });

  it('later runs: only entries newer than the position; one at the position is new unless it was applied then', () => {
    const pos = { at: t('2024-03-05T00:00:00Z'), paths: ['2024/cve-2024-0001.json'] };
    const p = plan(pos, ARCHIVE, [
      e('2024/cve-2024-0001.json', '2024-03-05T00:00:00Z'), e('2024/cve-2024-0002.json', '2024-03-05T00:00:00Z'),
      e('2024/cve-2024-0003.json', '2024-03-04T00:00:00Z'), e('2024/cve-2024-0005.json', '2024-03-06T00:00:00Z'),
    ], []);
    expect(p.kind).toBe('delta');
    expect([...p.changed.keys()]).toEqual(['2024/cve-2024-0002.json', '2024/cve-2024-0005.json']);
    expect(p.position).toEqual({ at: t('2024-03-06T00:00:00Z'), paths: ['2024/cve-2024-0005.json'] });
    const same = plan(pos, ARCHIVE, [e('2024/cve-2024-0002.json', '2024-03-05T00:00:00Z')], []);
    expect(same.position).toEqual({ at: t('2024-03-05T00:00:00Z'), paths: ['2024/cve-2024-0001.json', '2024/cve-2024-0002.json'] });
  });

  it('nothing new: an empty delta at the same position', () => {
    const pos = { at: t('2024-03-05T00:00:00Z'), paths: ['2024/cve-2024-0001.json'] };
    const p = plan(pos, ARCHIVE, [e('2024/cve-2024-0001.json', '2024-03-05T00:00:00Z')], []);
    expect(p).toEqual({ kind: 'delta', changed: new Map(), deleted: new Map(), position: pos });
  });

  it('a newer archive whose lists start after the position: the lists no longer reach back, the archive is taken', () => {
    const pos = { at: t('2024-03-05T00:00:00Z'), paths: [] };
    const later = [e('2024/cve-2024-0007.json', '2024-04-02T00:00:00Z')];
    expect(reachesBack(pos, 'csaf_vex_2024-04-01.tar.zst', later)).toBe(false);
    expect(plan(pos, 'csaf_vex_2024-04-01.tar.zst', later, []).kind).toBe('full');
    // A newer archive, but the lists still go back past the position: deltas go on.
    const still = [...later, e('2024/cve-2024-0006.json', '2024-03-04T00:00:00Z')];
    expect(plan(pos, 'csaf_vex_2024-04-01.tar.zst', still, []).kind).toBe('delta');
    // Same archive as applied: the lists cover everything since its day.
    expect(reachesBack(pos, ARCHIVE, [])).toBe(true);
  });
});
