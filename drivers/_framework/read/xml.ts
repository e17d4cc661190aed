/**
 * Streaming XML: the elements at given paths of a document too large to hold (Ubuntu's USN OVAL,
 * Red Hat's OVAL v2), each built as a plain object while the rest of the document is only walked.
 *
 *   for await (const { element } of xmlElements(bytes, { label, paths: [['oval_definitions', 'definitions', 'definition']] }))
 *
 * yields, for `<definition class="patch" id="oval:com.ubuntu.jammy:def:861000000" version="1">
 * <metadata><title>LSN-0086-1 -- Kernel Live Patch Security Notice</title>…`, an `XmlElement`
 * `{ name: 'definition', attrs: { class: 'patch', id: '…', version: '1' }, text: '\n\t\t\t', children:
 * [{ name: 'metadata', … }] }`. Paths use local names (`linux:dpkginfo_test` is `dpkginfo_test`;
 * `uri` keeps the namespace); a `*` segment matches any name.
 *
 * Parsing is saxes (well kept, jsdom's parser): well-formedness is checked everywhere, the five
 * predefined entities and character references are expanded, and nothing else is — no DTD, no
 * external entity is ever read, so entity bombs and XXE have nothing to work with. The bytes go
 * through the strict UTF-8 decoder; a document declaring another encoding is refused. Any error
 * is SOURCE_INVALID naming the file, line and column (a truncated file: "unclosed tag").
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { AirfeedError } from '../errors.ts';
import { type ByteSource, utf8Chunks } from './utf8.ts';

export interface XmlElement {
  /** Local name: `definition`, `dpkginfo_test`. */
  name: string;
  /** Namespace URI ('' when none). */
  uri: string;
  /** Attributes by name as written (`id`, `xsi:schemaLocation`). */
  attrs: Record<string, string>;
  /** Text and CDATA directly inside this element, concatenated. */
  text: string;
  children: XmlElement[];
}

export interface XmlMatch {
  /** Local names from the root to the element. */
  path: readonly string[];
  element: XmlElement;
}

export interface XmlOptions {
  /** Names the file in errors. */
  label: string;
  /** Paths of local names from the root element; `*` matches any one name. */
  paths: ReadonlyArray<readonly string[]>;
}

/** The first child named `name`, or undefined. */
export function xmlChild(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** Every child named `name`. */
export function xmlChildren(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The trimmed text of an element (of its child `name` when given); '' when absent. */
export function xmlText(el: XmlElement | undefined, name?: string): string {
  const target = el && name !== undefined ? xmlChild(el, name) : el;
  return target ? target.text.trim() : '';
}

const matches = (path: readonly string[], stack: readonly string[]): boolean =>
  path.length === stack.length && path.every((p, i) => p === '*' || p === stack[i]);

/** The elements at `options.paths`, in document order; see the module doc. */
export async function* xmlElements(source: ByteSource, options: XmlOptions): AsyncGenerator<XmlMatch> {
  const { label } = options;
  const parser = new SaxesParser({ xmlns: true, position: true });
  const names: string[] = [];
  /** Elements being built: the matched one and its open descendants. */
  const building: XmlElement[] = [];
  const done: XmlMatch[] = [];
  let matchedPath: string[] | null = null;

  parser.on('xmldecl', (decl) => {
    const enc = decl.encoding?.toLowerCase();
    if (enc !== undefined && enc !== 'utf-8' && enc !== 'utf8') {
      throw new AirfeedError('SOURCE_INVALID', `${label}: the XML declares encoding "${decl.encoding}"; only UTF-8 is read`);
    }
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    names.push(tag.local);
    const open = building.length > 0 || options.paths.some((p) => matches(p, names));
    if (!open) return;
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) attrs[a.name] = a.value;
    const el: XmlElement = { name: tag.local, uri: tag.uri, attrs, text: '', children: [] };
    const parent = building[building.length - 1];
    if (parent) parent.children.push(el);
    else matchedPath = [...names];
    building.push(el);
  });
  const onText = (text: string): void => {
    const el = building[building.length - 1];
    if (el) el.text += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    names.pop();
    const el = building.pop();
    if (el && building.length === 0) {
      done.push({ path: matchedPath ?? [], element: el });
      matchedPath = null;
    }
  });

  const fail = (err: unknown): AirfeedError => {
    if (err instanceof AirfeedError) return err;
    const message = (err as Error).message.replace(/^\d+:\d+: /, '');
    return new AirfeedError('SOURCE_INVALID', `${label}: malformed XML at line ${parser.line}, column ${parser.column}: ${message}`, {
      cause: err, details: { line: parser.line, column: parser.column },
    });
  };

  for await (const text of utf8Chunks(source, label)) {
    try {
      parser.write(text);
    } catch (err) {
      throw fail(err);
    }
    if (done.length > 0) {
      yield* done;
      done.length = 0;
    }
  }
  try {
    parser.close();
  } catch (err) {
    throw fail(err);
  }
  yield* done;
}
