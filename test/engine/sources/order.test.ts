import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../bundles/manifest.ts';
import { checkBundleOrder, type InstalledBundleState } from '../../../bundles/order.ts';
import { isAirfeedError } from '../../../drivers/_framework/errors.ts';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const SHA_D = 'd'.repeat(64);

function manifest(kind: 'full' | 'delta', created: string, fromSeq = 0): Manifest {
  return {
    formatVersion: 1, bundleId: `${kind}-x`, producer: { name: 'airfeed', version: '0.1.0', keyId: 'c'.repeat(64) }, created, expires: null, kind,
    base: kind === 'delta' ? { bundleId: 'full-a', manifestSha256: SHA_A } : null,
    groups: [{ name: 'alpine:3.20', feed: 'vulnerabilities', driver: 'alpine', description: '', fromSeq, toSeq: fromSeq + 5, records: 0, tombstones: 0 }],
    members: [],
  };
}

const installedA: InstalledBundleState = { bundleId: 'full-a', manifestSha256: SHA_A, created: new Date('2025-01-02T00:00:00Z'), sourceToSeq: 10 };

function refusal(fn: () => unknown): { code: string; message: string } | undefined {
  try {
    fn();
  } catch (err) {
    if (isAirfeedError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  return undefined;
}

describe('checkBundleOrder', () => {
  it('says installed for the bundle installed everywhere, and apply for a newer full bundle or a delta on the installed base', () => {
    const installed = new Map([['alpine:3.20', installedA]]);
    expect(checkBundleOrder({ file: 'a.tar', manifest: manifest('full', '2025-01-02T00:00:00.000Z'), manifestSha256: SHA_A }, installed)).toBe('installed');
    expect(checkBundleOrder({ file: 'b.tar', manifest: manifest('full', '2025-01-03T00:00:00.000Z'), manifestSha256: SHA_B }, installed)).toBe('apply');
    expect(checkBundleOrder({ file: 'd.tar', manifest: manifest('delta', '2025-01-03T00:00:00.000Z', 10), manifestSha256: SHA_B }, installed)).toBe('apply');
    expect(checkBundleOrder({ file: 'n.tar', manifest: manifest('full', '2020-01-01T00:00:00.000Z'), manifestSha256: SHA_B }, new Map())).toBe('apply');
  });

  it('refuses an older full bundle unless a downgrade is asked for', () => {
    const installed = new Map([['alpine:3.20', installedA]]);
    const older = { file: 'old.tar', manifest: manifest('full', '2025-01-01T00:00:00.000Z'), manifestSha256: SHA_B };
    expect(refusal(() => checkBundleOrder(older, installed))).toEqual({
      code: 'BUNDLE_OUT_OF_ORDER',
      message: 'bundle old.tar (full-x, created 2025-01-01T00:00:00.000Z) is older than bundle full-a (created 2025-01-02T00:00:00.000Z) installed for group alpine:3.20: importing it would roll the group back (--allow-downgrade does that on purpose)',
    });
    expect(checkBundleOrder(older, installed, { allowDowngrade: true })).toBe('apply');
  });

  it('refuses a delta on another base (naming the bundle needed) and one whose range does not continue its base', () => {
    const delta = { file: 'd.tar', manifest: manifest('delta', '2025-01-03T00:00:00.000Z', 10), manifestSha256: SHA_D };
    expect(refusal(() => checkBundleOrder(delta, new Map()))).toEqual({
      code: 'BUNDLE_OUT_OF_ORDER',
      message: 'bundle d.tar (delta-x) is a delta on bundle full-a, but for group alpine:3.20 no bundle is installed: import bundle full-a first (or a newer full bundle)',
    });
    const other = new Map([['alpine:3.20', { ...installedA, bundleId: 'full-b', manifestSha256: SHA_B }]]);
    expect(refusal(() => checkBundleOrder(delta, other))?.message).toContain('for group alpine:3.20 bundle full-b is installed: import bundle full-a first');
    const gap = { ...delta, manifest: manifest('delta', '2025-01-03T00:00:00.000Z', 12) };
    expect(refusal(() => checkBundleOrder(gap, new Map([['alpine:3.20', installedA]])))?.code).toBe('BUNDLE_INVALID');
  });
});
