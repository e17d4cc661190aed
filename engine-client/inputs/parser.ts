/**
 * The plugin contract every input format implements. A format is either JSON (the registry reads
 * and parses the document once, then asks each JSON format whether its top-level keys are theirs)
 * or text (the format is told the first lines and streams the file itself when chosen).
 */
import type { Inventory, InputFormat } from './types.ts';

/** A format read as one JSON document. */
export interface JsonInputParser {
  readonly format: InputFormat;
  readonly input: 'json';
  /** One line for `--help` and error messages: what the format is. */
  readonly describe: string;
  /** True when a JSON object's top-level keys say it is this format. */
  matches(doc: Readonly<Record<string, unknown>>): boolean;
  /** The inventory of a parsed document read from `file`; throws SCAN_INPUT_INVALID naming the JSON path. */
  fromJson(doc: unknown, file: string): Inventory;
}

/** A format read line by line. */
export interface TextInputParser {
  readonly format: InputFormat;
  readonly input: 'text';
  /** One line for `--help` and error messages: what the format is. */
  readonly describe: string;
  /** True when the first non-blank lines of a file look like this format (errors further on are the parser's to report). */
  matches(head: readonly string[]): boolean;
  /** The inventory of `file`, streamed; throws SCAN_INPUT_INVALID naming the line. */
  parse(file: string): Promise<Inventory>;
}

/** Any input format. */
export type InputParser = JsonInputParser | TextInputParser;

/** True for a JSON object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
