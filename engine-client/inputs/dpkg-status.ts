/**
 * dpkg's status database, /var/lib/dpkg/status (format: deb822, https://manpages.debian.org/deb822;
 * fields: https://www.debian.org/doc/debian-policy/ch-controlfields.html). Stanzas separated by
 * blank lines; `Field: value` lines, continuation lines starting with a space or tab. A stanza is an
 * installed package when its files are unpacked on disk: `Status: <want> <flag> <status>` with status
 * `installed`, or `triggers-pending`, `triggers-awaited` (configured, waiting for another package's
 * triggers), `half-configured` or `unpacked` (unpacked, not configured): a vulnerable library is
 * there either way. Removed packages that left config files (`deinstall ok config-files`),
 * `not-installed` and half-installed ones (unpacking started, not finished) are skipped.
 *
 * `Source: name (version)` gives the source package and its version; `Source: name` means the same
 * version as the binary except for a binNMU (`1.2-3+b1` is built from source `1.2-3`). No `Source:`
 * means the source has the binary's name. Versions are kept exactly as written, epoch included. The
 * file is streamed line by line; memory holds the current stanza's few fields and the packages.
 */
import { atLine, inputError, quoteLine } from './errors.ts';
import { readLines } from './io.ts';
import type { TextInputParser } from './parser.ts';
import { debSource, withoutBinNmu } from './source-package.ts';
import type { InstalledPackage, Inventory } from './types.ts';

const FIELD = /^([^\s:#-][^\s:]*):[ \t]*(.*)$/;
const SOURCE = /^(\S+)(?:\s+\((\S+)\))?$/;
/** dpkg package states whose files are unpacked on disk (see the module doc). */
const ON_DISK = new Set(['installed', 'triggers-pending', 'triggers-awaited', 'half-configured', 'unpacked']);
/** The fields read; the rest (Description, Conffiles, Depends, …) are only checked for shape. */
const WANTED = new Set(['package', 'status', 'version', 'source']);

/** The inventory of a dpkg status `file`, streamed. */
export async function parseDpkgStatus(file: string): Promise<Inventory> {
  const packages: InstalledPackage[] = [];
  let stanza: Map<string, string> | undefined;
  let start = 0;
  let inField = false;
  const finish = (): void => {
    if (stanza !== undefined) {
      const pkg = toPackage(file, start, stanza);
      if (pkg !== undefined) packages.push(pkg);
    }
    stanza = undefined;
    inField = false;
  };
  const err = (n: number, what: string) => inputError(atLine(file, n), what, undefined, { file, line: n });
  for await (const [n, line] of readLines(file)) {
    if (line.trim() === '') {
      finish();
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      if (!inField) throw err(n, `continuation line ${quoteLine(line)} is not inside a field`);
      continue;
    }
    const m = FIELD.exec(line);
    if (m?.[1] === undefined) throw err(n, `line ${quoteLine(line)} is not "Field: value" or a continuation line`);
    const key = m[1].toLowerCase();
    if (stanza === undefined) {
      stanza = new Map();
      start = n;
    }
    if (WANTED.has(key)) {
      if (stanza.has(key)) throw err(n, `field ${m[1]} appears twice in the stanza at line ${start}`);
      stanza.set(key, (m[2] ?? '').trim());
    }
    inField = true;
  }
  finish();
  return { file, format: 'dpkg-status', packages };
}

/** The installed package of one stanza starting at `line`; undefined when it is not installed. */
function toPackage(file: string, line: number, s: Map<string, string>): InstalledPackage | undefined {
  const fail = (what: string): never => {
    throw inputError(atLine(file, line), what, undefined, { file, line });
  };
  const name = s.get('package');
  if (name === undefined || name === '') return fail('stanza has no Package field');
  const status = s.get('status');
  if (status === undefined) return fail(`package ${name} has no Status`);
  const words = status.split(/\s+/);
  if (words.length !== 3) return fail(`package ${name} has Status ${JSON.stringify(status)}, not "<want> <flag> <status>"`);
  if (!ON_DISK.has(words[2] ?? '')) return undefined;
  const version = s.get('version');
  if (version === undefined || version === '') return fail(`package ${name} has no Version`);
  const pkg: InstalledPackage = { name, version, kind: 'deb', location: atLine(file, line) };
  const sourceField = s.get('source');
  if (sourceField !== undefined) {
    const m = SOURCE.exec(sourceField);
    if (m?.[1] === undefined) return fail(`package ${name} has Source ${JSON.stringify(sourceField)}, not "name" or "name (version)"`);
    pkg.source = debSource(m[1], m[2], version);
  } else {
    const sourceVersion = withoutBinNmu(version);
    if (sourceVersion !== undefined) pkg.source = { name, version: sourceVersion };
  }
  return pkg;
}

/** The dpkg status format: the first line is a `Package:` field. */
export const dpkgStatus: TextInputParser = {
  format: 'dpkg-status',
  input: 'text',
  describe: 'Debian/Ubuntu /var/lib/dpkg/status',
  matches: (head) => head[0] !== undefined && /^Package:[ \t]*\S/.test(head[0]),
  parse: parseDpkgStatus,
};
