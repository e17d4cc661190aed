/**
 * Differential check of airfeed's version comparators against each ecosystem's own implementation.
 *
 *   node --import tsx scripts/vercmp-oracle.ts [--schemes dpkg,rpm] [--pairs 20000] [--seed 1] [--out DIR]
 *   printf '1\t٨\n' | node --import tsx scripts/vercmp-oracle.ts --schemes maven --stdin   (ask about given pairs)
 *
 * For every scheme that has an oracle installed here (scripts/vercmp-oracle/oracles.ts says how to
 * install each), it harvests real versions from ../shared, adds odd variants of them
 * (scripts/vercmp-oracle/corpus.ts), pairs them from the seed, and asks both the oracle and our
 * comparator. Two answers agree when they are the same ordering, or when both refuse the pair.
 * It prints one line per scheme and writes to DIR (default /tmp/vercmp-oracle):
 *   <scheme>.disagree.jsonl  every pair where we differ: {a, b, oracle, ours}
 *   <scheme>.odd.jsonl       pairs where either side refused or warned: {a, b, oracle, ours, warnings}
 * The exit code is 1 when any scheme disagrees.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { COMPARATORS, InvalidVersionError, isSchemeName } from '../drivers/_framework/versions/index.ts';
import { harvest, makePairs } from './vercmp-oracle/corpus.ts';
import { ORACLES } from './vercmp-oracle/oracles.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SHARED = path.resolve(ROOT, '../shared');

const { values } = parseArgs({
  options: {
    schemes: { type: 'string', default: Object.keys(ORACLES).join(',') },
    pairs: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: '/tmp/vercmp-oracle' },
    stdin: { type: 'boolean', default: false },
  },
});

// A lone surrogate (from cutting a pair like "𝟤" apart) has no UTF-8 form: no oracle can be given it.
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/** Pairs an oracle cannot be asked: not UTF-8, or (dpkg) an argument starting with "-", read as an option. */
function askable(scheme: string, a: string, b: string): boolean {
  if (LONE_SURROGATE.test(a) || LONE_SURROGATE.test(b)) return false;
  return scheme !== 'dpkg' || !(a.startsWith('-') || b.startsWith('-'));
}

/** Our answer: the ordering, or ERR with the reason; plus the warnings of both sides. */
function ours(scheme: string, a: string, b: string): { answer: string; warnings: string[] } {
  if (!isSchemeName(scheme)) throw new Error(`unknown scheme ${scheme}`);
  const cmp = COMPARATORS[scheme];
  try {
    const answer = String(cmp.compare(a, b));
    return { answer, warnings: [...cmp.warnings(a), ...cmp.warnings(b)] };
  } catch (e) {
    if (e instanceof InvalidVersionError) return { answer: `ERR ${e.message}`, warnings: [] };
    throw e;
  }
}

/** dpkg reports its parse warnings: ours must be the same messages (for both sides, in order). */
function sameWarnings(scheme: string, oracle: string, mine: { answer: string; warnings: string[] }): boolean {
  if (scheme !== 'dpkg' || oracle.startsWith('ERR')) return true;
  const theirs = oracle.split('\t')[1] ?? '';
  // The blank-version warning is airfeed's own (dpkg says nothing about an empty argument).
  return theirs === mine.warnings.filter((w) => !w.startsWith('empty version:')).join(' | ');
}

/** `a<TAB>b` lines from stdin (spaces significant). */
function stdinPairs(): [string, string][] {
  return fs
    .readFileSync(0, 'utf8')
    .split('\n')
    .filter((l) => l.includes('\t'))
    .map((l) => {
      const [a = '', b = ''] = l.split('\t');
      return [a, b];
    });
}

const agree = (oracle: string, mine: string): boolean => (oracle.startsWith('ERR') ? mine.startsWith('ERR') : oracle.split('\t')[0] === mine);

async function main(): Promise<number> {
  if (!fs.existsSync(SHARED)) {
    console.error(`vercmp-oracle: ${SHARED} is absent; the harvest needs ../shared/realdata and ../shared/vercmp`);
    return 2;
  }
  const count = Number(values.pairs);
  const seed = Number(values.seed);
  const out = values.out;
  fs.mkdirSync(out, { recursive: true });
  let failed = false;
  for (const scheme of values.schemes.split(',')) {
    const oracle = ORACLES[scheme];
    if (!oracle) {
      console.log(`${scheme}: no oracle (apk-tools and NuGet.Versioning cannot run on this machine)`);
      continue;
    }
    const why = oracle.missing();
    if (why !== null) {
      console.log(`${scheme}: skipped, ${why}`);
      continue;
    }
    const real = values.stdin ? [] : harvest(scheme, SHARED);
    const pairs = (values.stdin ? stdinPairs() : makePairs(scheme, real, count, seed)).filter(([a, b]) => askable(scheme, a, b));
    const work = fs.mkdtempSync(path.join(out, `${scheme}-work-`));
    const t0 = Date.now();
    const answers = await oracle.run(pairs, work);
    const secs = (Date.now() - t0) / 1000;
    fs.rmSync(work, { recursive: true, force: true });
    const disagree: string[] = [];
    const odd: string[] = [];
    let refused = 0;
    let warned = 0;
    pairs.forEach(([a, b], i) => {
      const o = answers[i] ?? 'ERR (no answer)';
      const m = ours(scheme, a, b);
      if (o.startsWith('ERR')) refused++;
      if (m.warnings.length > 0) warned++;
      const row = JSON.stringify({ a, b, oracle: o, ours: m.answer, warnings: m.warnings });
      if (!agree(o, m.answer) || !sameWarnings(scheme, o, m)) disagree.push(row);
      if (o.startsWith('ERR') || o.includes('\t') || m.warnings.length > 0) odd.push(row);
    });
    fs.writeFileSync(path.join(out, `${scheme}.disagree.jsonl`), disagree.map((l) => `${l}\n`).join(''));
    fs.writeFileSync(path.join(out, `${scheme}.odd.jsonl`), odd.map((l) => `${l}\n`).join(''));
    if (disagree.length > 0) failed = true;
    console.log(
      `${scheme}: ${pairs.length} pairs (${real.length} real versions) vs ${oracle.name} in ${secs.toFixed(1)}s: ` +
        `${disagree.length} disagreements, ${refused} refused by the oracle, ${warned} with our warnings`,
    );
    for (const l of values.stdin ? odd.concat(disagree) : disagree.slice(0, 5)) console.log(`  ${l}`);
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
