/**
 * `airfeed-engine versions compare <scheme> [a b]`: the tool an operator reaches for when asking
 * why something matched. With two versions it prints -1, 0 or 1; with none it reads `a<TAB>b` lines
 * from stdin and answers one line each, `ERR <reason>` for a line it cannot compare, so a batch of
 * 100,000 pairs never stops at the first bad one. stdout stays exactly one line per pair (external
 * checkers feed it pairs); what the scheme's own tool would warn about (dpkg's `3.0!-5` "invalid
 * character in version number") goes to stderr as `line <n>: <scheme>: "<version>": <warning>`.
 */
import readline from 'node:readline';
import type { Command } from 'commander';
import { AirfeedError } from '../../drivers/_framework/errors.ts';
import { describeWarning, getComparator, InvalidVersionError, SCHEME_NAMES, UnknownSchemeError } from '../../drivers/_framework/versions/index.ts';
import type { Comparator } from '../../drivers/_framework/versions/index.ts';

/** The warnings of both versions of a pair, each as `<scheme>: "<version>": <warning>`. */
export function pairWarnings(cmp: Comparator, a: string, b: string): string[] {
  const out: string[] = [];
  for (const v of [a, b]) for (const w of cmp.warnings(v)) out.push(describeWarning(cmp.scheme, v, w));
  return out;
}

/** Writes text to a stream, waiting for 'drain' when it asks to. */
async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (text !== '' && !stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', resolve));
}

/**
 * Compares every `a<TAB>b` line of `input`, writing one answer line each to `output` and the
 * warnings, prefixed `line <n>: `, to `warnings`; returns the error-line count.
 */
export async function compareLines(scheme: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream, warnings: NodeJS.WritableStream = process.stderr): Promise<number> {
  const cmp = getComparator(scheme);
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let errors = 0;
  let buf: string[] = [];
  let warn: string[] = [];
  const flush = async (): Promise<void> => {
    const text = buf.join('');
    const wtext = warn.join('');
    buf = [];
    warn = [];
    await write(warnings, wtext);
    await write(output, text);
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
        const a = line.slice(0, tab);
        const b = line.slice(tab + 1);
        buf.push(`${cmp.compare(a, b)}\n`);
        for (const w of pairWarnings(cmp, a, b)) warn.push(`line ${lineNo}: ${w}\n`);
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
        const cmp = getComparator(scheme);
        const answer = cmp.compare(a, b);
        for (const w of pairWarnings(cmp, a, b)) console.error(`warning: ${w}`);
        console.log(String(answer));
      } catch (err) {
        if (err instanceof InvalidVersionError || err instanceof UnknownSchemeError) throw new AirfeedError('VERSION_INVALID', err.message, { cause: err });
        throw err;
      }
    });
}
