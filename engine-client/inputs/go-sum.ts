/**
 * go.sum (https://go.dev/ref/mod#go-sum-files): the checksums of the modules a build downloaded, one
 * line each, `<module> <version>[/go.mod] <hash>`:
 *
 * ```
 * github.com/gorilla/mux v1.8.0 h1:i40aqfkR1h2SlN9hojwV5ZA91wcXFOvkdNIeFDP5koI=
 * github.com/gorilla/mux v1.8.0/go.mod h1:DVbg23sWSpFRCP0SfiEN6jmj59UnW/n46BH5rLB71So=
 * github.com/gorilla/mux v1.7.0/go.mod h1:1lud6UwP+6orDFRuTfBEV8e9/aOM/c4fVVCaMa2zaAs=
 * ```
 *
 * A `/go.mod` line only means the module's go.mod was read while selecting versions; a line without
 * it means the module's code was downloaded. A module can have code lines for several versions
 * (go.sum keeps stale ones until `go mod tidy`); the build uses the highest (minimal version
 * selection picks the highest required version), so that one is checked, compared as Go compares
 * module versions. go.mod is the better input when there is one: it names the selected versions and
 * the `replace` directives. Streamed line by line.
 */
import { getComparator } from '../../drivers/_framework/versions/index.ts';
import { atLine, inputError, quoteLine } from './errors.ts';
import { readLines } from './io.ts';
import { LockCollector } from './lockfile.ts';
import type { TextInputParser } from './parser.ts';
import type { Inventory } from './types.ts';

const LINE = /^(\S+) (\S+) (h\d+:\S+)$/;

/** The inventory of a go.sum `file`: per module, the highest version whose code it holds. */
export async function parseGoSum(file: string): Promise<Inventory> {
  const cmp = getComparator('go');
  const best = new Map<string, { version: string; parsed: unknown; line: number }>();
  for await (const [n, raw] of readLines(file)) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const m = LINE.exec(line);
    if (m === null) throw inputError(atLine(file, n), `${quoteLine(line)} is not "<module> <version> <hash>"`, undefined, { file, line: n });
    const [, module = '', version = ''] = m;
    if (version.endsWith('/go.mod')) continue;
    let parsed: unknown;
    try {
      parsed = cmp.parse(version);
    } catch (err) {
      throw inputError(atLine(file, n), `${module} ${version}: ${(err as Error).message}`, err, { file, line: n });
    }
    const held = best.get(module);
    if (held === undefined || cmp.compareParsed(parsed, held.parsed) > 0) best.set(module, { version, parsed, line: n });
  }
  const out = new LockCollector(file, 'go');
  for (const [module, b] of [...best].sort((x, y) => x[1].line - y[1].line)) out.add(module, b.version, atLine(file, b.line));
  return out.inventory('go-sum');
}

/** go.sum: every first line is `<module> <version> h1:<hash>`. */
export const goSum: TextInputParser = {
  format: 'go-sum',
  input: 'text',
  describe: 'go.sum',
  matches: (head) => head.length > 0 && head.every((l) => LINE.test(l.trimEnd())),
  parse: parseGoSum,
};
