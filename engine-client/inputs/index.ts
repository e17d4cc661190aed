/**
 * The scanning engine's inputs: the packages installed on a system (a package database), listed
 * in an SBOM, or pinned by a language lockfile, as one Inventory the matcher reads. One module per format, in an explicit registry
 * sorted by format name. Without `--input-format` the format is told from the content, never from the
 * file name: the first bytes (`{` is JSON; gzip, XML and SPDX tag-value get a pointed error), then
 * a JSON document's top-level keys or the shape of a text file's first lines. Exactly one format
 * must claim the file, so detection cannot silently pick the wrong parser. A JSON file is parsed
 * (within the size limit) to see its keys, and parseInput reuses that parse.
 */
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { apkInstalled } from './apk-installed.ts';
import { cargoLock } from './cargo-lock.ts';
import { composerLock } from './composer-lock.ts';
import { cyclonedx } from './cyclonedx.ts';
import { dpkgStatus } from './dpkg-status.ts';
import { inputError } from './errors.ts';
import { gemfileLock } from './gemfile-lock.ts';
import { goMod } from './go-mod.ts';
import { goSum } from './go-sum.ts';
import { gradleLockfile } from './gradle-lockfile.ts';
import { MAX_JSON_BYTES, readHead, readJson, stripBom } from './io.ts';
import { npmLock } from './npm-lock.ts';
import { nugetLock } from './nuget-lock.ts';
import { isObject, type InputParser } from './parser.ts';
import { pipfileLock } from './pipfile-lock.ts';
import { pnpmLock } from './pnpm-lock.ts';
import { poetryLock } from './poetry-lock.ts';
import { requirements } from './requirements.ts';
import { rpmQa } from './rpm-qa.ts';
import { spdx } from './spdx.ts';
import { syft } from './syft.ts';
import { uvLock } from './uv-lock.ts';
import { yarnLock } from './yarn-lock.ts';
import { INPUT_FORMATS, type InputFormat, type Inventory } from './types.ts';

export { distroFrom, distroNamespace, parseDistroFlag, parseOsRelease, readOsRelease, type DistroHints } from './os-release.ts';
export { MAX_JSON_BYTES } from './io.ts';
export type { InputParser, JsonInputParser, TextInputParser } from './parser.ts';
export { parsePurl, PurlError, type Purl } from './purl.ts';
export * from './types.ts';

/** Every input parser by format name (explicit and sorted, so a missing one is a type error). */
export const PARSERS: Readonly<Record<InputFormat, InputParser>> = {
  'apk-installed': apkInstalled,
  'cargo-lock': cargoLock,
  'composer-lock': composerLock,
  cyclonedx,
  'dpkg-status': dpkgStatus,
  'gemfile-lock': gemfileLock,
  'go-mod': goMod,
  'go-sum': goSum,
  'gradle-lockfile': gradleLockfile,
  'npm-lock': npmLock,
  'nuget-lock': nugetLock,
  'pipfile-lock': pipfileLock,
  'pnpm-lock': pnpmLock,
  'poetry-lock': poetryLock,
  requirements,
  'rpm-qa': rpmQa,
  spdx,
  syft,
  'uv-lock': uvLock,
  'yarn-lock': yarnLock,
};

/** Options of parseInput. */
export interface ParseInputOptions {
  /** The format, as `--input-format` names it; detected from the content when absent. */
  format?: InputFormat;
  /** The largest JSON input read, in bytes (default MAX_JSON_BYTES, 256 MiB). */
  maxJsonBytes?: number;
}

/** How many non-blank first lines text detection looks at. */
const HEAD_LINES = 40;

/** True when `name` is a known input format. */
export function isInputFormat(name: string): name is InputFormat {
  return Object.hasOwn(PARSERS, name);
}

/** The parser of a format name; INPUT_INVALID (listing the formats) for an unknown one. */
export function getParser(format: string): InputParser {
  if (!isInputFormat(format)) {
    throw new AirfeedError('INPUT_INVALID', `--input-format ${JSON.stringify(format)} is not a known input format; valid formats: ${INPUT_FORMATS.join(', ')}`);
  }
  return PARSERS[format];
}

/** Reads the packages of an input file, detecting its format from the content unless `options.format` says it. */
export async function parseInput(file: string, options: ParseInputOptions = {}): Promise<Inventory> {
  const maxJsonBytes = options.maxJsonBytes ?? MAX_JSON_BYTES;
  if (options.format !== undefined) {
    const parser = getParser(options.format);
    return parser.input === 'json' ? parser.fromJson(await readJson(file, maxJsonBytes), file) : parser.parse(file);
  }
  const found = await sniff(file, maxJsonBytes);
  return found.parser.input === 'json' ? found.parser.fromJson(found.doc, file) : found.parser.parse(file);
}

/** The format of an input file, told from its content; SCAN_INPUT_INVALID when no single format fits. */
export async function detectFormat(file: string, options: Pick<ParseInputOptions, 'maxJsonBytes'> = {}): Promise<InputFormat> {
  return (await sniff(file, options.maxJsonBytes ?? MAX_JSON_BYTES)).parser.format;
}

/** The one parser whose format the content matches, with the parsed document for JSON. */
async function sniff(file: string, maxJsonBytes: number): Promise<{ parser: InputParser; doc?: unknown }> {
  const { bytes, complete } = await readHead(file);
  if (bytes.length === 0) throw inputError(file, 'is empty', undefined, { file });
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw inputError(file, 'is gzip-compressed: decompress it first (gunzip)', undefined, { file });
  const head = stripBom(bytes.toString('utf8')).trimStart();
  if (head.startsWith('{') || head.startsWith('[')) {
    const doc = await readJson(file, maxJsonBytes);
    if (!isObject(doc)) throw inputError(file, 'is JSON, but its top level is not an object', undefined, { file });
    const parsers = pick((p) => p.input === 'json' && p.matches(doc));
    if (parsers.length === 1 && parsers[0] !== undefined) return { parser: parsers[0], doc };
    throw undetected(file, parsers, 'json');
  }
  if (head.startsWith('<')) {
    throw inputError(file, 'looks like XML: only JSON SBOMs are read (e.g. syft -o cyclonedx-json, or spdx-json)', undefined, { file });
  }
  if (/^SPDXVersion:/m.test(head.slice(0, 4096))) {
    throw inputError(file, 'looks like SPDX tag-value: only SPDX JSON is read (e.g. syft -o spdx-json)', undefined, { file });
  }
  let lines = head.split(/\r?\n/);
  if (!complete) lines = lines.slice(0, -1); // the last line may be cut short
  const first = lines.filter((l) => l.trim() !== '').slice(0, HEAD_LINES);
  const parsers = pick((p) => p.input === 'text' && p.matches(first));
  if (parsers.length === 1 && parsers[0] !== undefined) return { parser: parsers[0] };
  throw undetected(file, parsers, 'text');
}

/** The registered parsers that pass `test`, in format order. */
function pick(test: (p: InputParser) => boolean): InputParser[] {
  return INPUT_FORMATS.map((f) => PARSERS[f]).filter(test);
}

/** The error for content that no format (or more than one) of its kind claims. */
function undetected(file: string, matched: readonly InputParser[], kind: 'json' | 'text'): AirfeedError {
  if (matched.length > 1) {
    return inputError(file, `matches more than one format (${matched.map((p) => p.format).join(', ')}): pass --input-format`, undefined, { file });
  }
  const list = pick((p) => p.input === kind).map((p) => `${p.describe} (${p.format})`).join(', ');
  const what = kind === 'json' ? 'a JSON document, but its top-level keys are not those of' : 'a text file, but its first lines are not those of';
  return inputError(file, `cannot tell the input format: ${what} ${list}; pass --input-format if it is one of them`, undefined, { file });
}
