/**
 * Alpine's installed-package database, /lib/apk/db/installed (https://wiki.alpinelinux.org/wiki/Apk_spec).
 * One record per package, records separated by a blank line, each line `X:value` with a one-letter
 * key: `P:` name, `V:` version, `o:` origin (the source package, named by Alpine's advisories),
 * `A:` arch, and many more (files `F:`/`R:`, checksums) that are read past. The file is streamed
 * line by line: it lists every installed file, so it can be large, and memory holds only the
 * current record's three fields and the packages found.
 */
import { atLine, inputError, quoteLine } from './errors.ts';
import { readLines } from './io.ts';
import type { TextInputParser } from './parser.ts';
import type { InstalledPackage, Inventory } from './types.ts';

const FIELD = /^([A-Za-z]):(.*)$/;

interface RecordState {
  start: number;
  name?: string;
  version?: string;
  origin?: string;
}

/** The inventory of an Alpine installed database `file`, streamed. */
export async function parseApkInstalled(file: string): Promise<Inventory> {
  const packages: InstalledPackage[] = [];
  let rec: RecordState | undefined;
  let last = 0;
  const finish = (endLine: number): void => {
    if (rec === undefined) return;
    const where = atLine(file, endLine);
    const details = { file, line: endLine };
    if (rec.name === undefined) throw inputError(where, `package at line ${rec.start} has no P: (name)`, undefined, details);
    if (rec.version === undefined) throw inputError(where, `package at line ${rec.start} has no V: (version)`, undefined, details);
    const pkg: InstalledPackage = { name: rec.name, version: rec.version, kind: 'apk', location: atLine(file, rec.start) };
    if (rec.origin !== undefined) pkg.source = { name: rec.origin };
    packages.push(pkg);
    rec = undefined;
  };
  for await (const [n, line] of readLines(file)) {
    last = n;
    if (line.trim() === '') {
      finish(n);
      continue;
    }
    const m = FIELD.exec(line);
    if (m?.[1] === undefined) throw inputError(atLine(file, n), `line ${quoteLine(line)} is not KEY:value`, undefined, { file, line: n });
    rec ??= { start: n };
    const value = m[2] ?? '';
    if (m[1] === 'P') {
      if (rec.name !== undefined) {
        const what = `second P: in the package at line ${rec.start} (is the blank line between packages missing?)`;
        throw inputError(atLine(file, n), what, undefined, { file, line: n });
      }
      if (value !== '') rec.name = value;
    } else if (m[1] === 'V' && value !== '') rec.version = value;
    else if (m[1] === 'o' && value !== '') rec.origin = value;
  }
  finish(last);
  return { file, format: 'apk-installed', packages };
}

/** The apk installed-database format: a first `X:value` line, and a `P:` line among the first lines. */
export const apkInstalled: TextInputParser = {
  format: 'apk-installed',
  input: 'text',
  describe: 'Alpine /lib/apk/db/installed',
  matches: (head) => head[0] !== undefined && FIELD.test(head[0]) && head.some((l) => l.startsWith('P:')),
  parse: parseApkInstalled,
};
