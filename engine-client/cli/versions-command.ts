/**
 * `airfeed-engine versions compare <scheme> [a b]`: the tool an operator reaches for when asking
 * why something matched. With two versions it prints -1, 0 or 1; with none it reads `a<TAB>b` lines
 * from stdin and answers one line each, `ERR <reason>` for a line it cannot compare, so a batch of
 * 100,000 pairs never stops at the first bad one.
 */
import readline from 'node:readline';
import type { Command } from 'commander';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { getComparator, InvalidVersionError, SCHEME_NAMES, UnknownSchemeError } from '../../drivers/_framework/versions/index.ts';

/** Compares every `a<TAB>b` line of `input`, writing one answer line each to `output`; returns the error-line count. */
export async function compareLines(scheme: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<number> {
  const cmp = getComparator(scheme);
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let errors = 0;
  let buf: string[] = [];
  const flush = async (): Promise<void> => {
    if (buf.length === 0) return;
    const text = buf.join('');
    buf = [];
    if (!output.write(text)) await new Promise<void>((resolve) => output.once('drain', resolve));
  };
  let lineNo = 0;
  for await (const line of rl) {
    lineNo++;
    const tab = line.indexOf('\t');
    if (tab === -1) {
      errors++;
      buf.push(`ERR line ${lineNo}: expected two versions separated by a TAB\n`);
    } else {
      try {
        buf.push(`${cmp.compare(line.slice(0, tab), line.slice(tab + 1))}\n`);
      } catch (err) {
        if (!(err instanceof InvalidVersionError)) throw err;
        errors++;
        buf.push(`ERR ${err.message}\n`);
      }
    }
    if (buf.length >= 4096) await flush();
  }
  await flush();
  return errors;
}

/** Registers `versions compare` on the program. */
export function registerVersions(program: Command): void {
  const versions = program.command('versions').description('version comparison with each ecosystem\'s exact rules');
  versions
    .command('compare')
    .description(
      'compare two versions: prints -1 (a < b), 0 (equal) or 1 (a > b). ' +
        'With no versions, reads "a<TAB>b" lines from stdin and prints one answer per line ' +
        '("ERR <reason>" for a line it cannot compare; the exit code is then 1).',
    )
    .argument('<scheme>', `version scheme: ${SCHEME_NAMES.join(', ')}`)
    .argument('[a]', 'first version')
    .argument('[b]', 'second version')
    .addHelpText('after', '\nExamples:\n  airfeed-engine versions compare dpkg 1:1.2-1 1.3-1     # 1 (the epoch wins)\n  airfeed-engine versions compare apk 1.2.3_rc1-r0 1.2.3-r0   # -1\n  printf "1.0\\t1.0.0\\n" | airfeed-engine versions compare maven')
    .action(async (scheme: string, a: string | undefined, b: string | undefined) => {
      try {
        if (a === undefined) {
          const errors = await compareLines(scheme, process.stdin, process.stdout);
          if (errors > 0) process.exitCode = 1;
          return;
        }
        if (b === undefined) throw new AirfeedError('INPUT_INVALID', 'give two versions, or none to read "a<TAB>b" lines from stdin');
        console.log(String(getComparator(scheme).compare(a, b)));
      } catch (err) {
        if (err instanceof InvalidVersionError || err instanceof UnknownSchemeError) throw new AirfeedError('VERSION_INVALID', err.message, { cause: err });
        throw err;
      }
    });
}
