/** Builders for normalized records in tests. */
import type { VulnRecord } from '../../drivers/_framework/record.ts';

/** A valid record for `group` with `id`, fixed in `pkg` at `version`. */
export function makeRecord(group: string, id: string, version = '1.0-r0', pkg = 'pkg'): VulnRecord {
  return {
    schemaVersion: 2,
    id,
    namespace: group,
    severity: 'Unknown',
    description: `test record ${id} with a \\ backslash and "quotes"\tand a tab`,
    link: null,
    aliases: [],
    cvss: [],
    fixedIn: [{ package: pkg, versionScheme: 'apk', state: 'fixed', version }],
    references: [],
    published: null,
    modified: null,
    withdrawn: null,
    metadata: {},
    provenance: { driver: 'test', source: 'test' },
  };
}

/** Turns an array into an async iterable, as parse yields records. */
export async function* iterate<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}
