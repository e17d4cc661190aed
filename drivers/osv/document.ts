/**
 * One OSV document from its bytes: JSON (osv.dev, GitHub, Go, RustSec) or YAML (PyPA's advisory
 * database writes `PYSEC-2020-342.yaml` with PyYAML), decoded as strict UTF-8.
 *
 * YAML is read with the YAML 1.1 schema PyYAML writes for — PyYAML quotes a string that would read
 * back as another type (`'1.0'`, `'yes'`, `'0777'`) — except that timestamps stay text: PyPA writes
 * `modified: 2023-11-07T20:24:23.946863Z` unquoted, and OSV keeps it as that string, digit for digit.
 * Duplicate keys, several documents in one file and alias bombs are errors. A plain scalar that
 * still reads as a number or boolean where OSV has a string is refused later, naming the field.
 *
 * A document is OSV when it is an object with a string `id` and `modified` (the schema's required
 * fields); anything else in a mirror (a RubySec `.yml`, a Node.js security WG `.json`) is "not OSV",
 * reported and skipped by the caller.
 */
import YAML from 'yaml';
import { AirfeedError } from '../_framework/errors.ts';
import { decodeUtf8 } from '../_framework/read/utf8.ts';

export type DocumentFormat = 'json' | 'yaml';

/** The format a file name says, or undefined for files that are not OSV documents. */
export function formatOf(name: string): DocumentFormat | undefined {
  if (/\.json$/i.test(name)) return 'json';
  if (/\.ya?ml$/i.test(name)) return 'yaml';
  return undefined;
}

const YAML_OPTIONS = {
  schema: 'yaml-1.1',
  customTags: (tags: YAML.Tags): YAML.Tags => tags.filter((t) => !(typeof t === 'object' && 'tag' in t && t.tag === 'tag:yaml.org,2002:timestamp')),
  uniqueKeys: true,
  maxAliasCount: 100,
  prettyErrors: true,
} as const satisfies YAML.ParseOptions & YAML.DocumentOptions & YAML.SchemaOptions & YAML.ToJSOptions;

/** Decodes a document; malformed bytes, JSON or YAML are SOURCE_INVALID naming `label` and where. */
export function decodeDocument(bytes: Uint8Array, format: DocumentFormat, label: string): unknown {
  const text = decodeUtf8(bytes, label);
  try {
    return format === 'json' ? JSON.parse(text) : YAML.parse(text, YAML_OPTIONS);
  } catch (err) {
    const what = format === 'json' ? 'malformed JSON (truncated or corrupt)' : 'malformed YAML';
    const message = (err as Error).message.split('\n')[0] ?? '';
    throw new AirfeedError('SOURCE_INVALID', `${label}: ${what}: ${message}`, { cause: err });
  }
}

/** What fetch and parse need to know of a document before turning it into records. */
export interface DocumentSummary {
  id: string;
  modified: string;
  withdrawn: boolean;
  /** `affected[].package.ecosystem` values, in order, each once. */
  ecosystems: string[];
  /** `affected[]` entries without a package (GIT-only entries of OSV 1.x). */
  packageless: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The summary of an OSV document, or null when `value` is not one (see the module doc). */
export function summarize(value: unknown): DocumentSummary | null {
  if (!isObject(value) || typeof value['id'] !== 'string' || typeof value['modified'] !== 'string') return null;
  const ecosystems: string[] = [];
  let packageless = 0;
  const affected = Array.isArray(value['affected']) ? (value['affected'] as unknown[]) : [];
  for (const a of affected) {
    const pkg = isObject(a) ? a['package'] : undefined;
    const eco = isObject(pkg) ? pkg['ecosystem'] : undefined;
    if (typeof eco !== 'string') packageless++;
    else if (!ecosystems.includes(eco)) ecosystems.push(eco);
  }
  return { id: value['id'], modified: value['modified'], withdrawn: value['withdrawn'] !== undefined && value['withdrawn'] !== null, ecosystems, packageless };
}
