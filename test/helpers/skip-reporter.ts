/**
 * A Vitest reporter that ends the run with what was skipped and why, one line each:
 *
 *   skipped: test/drivers/alpine-realdata.test.ts (../shared/realdata is absent)
 *   skipped: test/bundles/format.test.ts > uses the sha256 of the raw public key as id (openssl is not installed)
 *
 * or `skipped: nothing`. The reason is the one given to skipUnless (test/helpers/skip.ts), or the
 * note of a `ctx.skip(note)`. A file, or a describe, whose tests are all skipped for one reason is one
 * line; otherwise each skipped test is. Tests skipped with no reason (a `-t` filter, `.only`,
 * `.todo`) are only counted, on a last line.
 */
import type { Reporter, TestCase, TestModule, TestSuite, Vitest } from 'vitest/node';
import './skip.ts';

export interface SkipEntry {
  /** `test/x.test.ts`, `test/x.test.ts > describe`, or `test/x.test.ts > describe > test`. */
  where: string;
  reason: string;
}

/** `string`: skipped for that reason; `null`: skipped, no reason; `undefined`: ran (or mixed). */
type Why = string | null | undefined;

function testWhy(t: TestCase): Why {
  const r = t.result();
  if (r.state !== 'skipped') return undefined;
  return t.meta().skipReason ?? r.note ?? null;
}

/** The reason every test under `node` was skipped for, when it is one and the same. */
function uniformWhy(node: TestSuite | TestModule): string | undefined {
  const own = node.type === 'suite' ? node.meta().skipReason : undefined;
  if (own !== undefined) return own;
  let reason: string | undefined;
  for (const child of node.children) {
    const why = child.type === 'test' ? testWhy(child) : uniformWhy(child);
    if (typeof why !== 'string' || (reason !== undefined && why !== reason)) return undefined;
    reason = why;
  }
  return reason;
}

/** The skipped entries of one test module, and how many skipped tests gave no reason. */
export function skippedIn(module: TestModule): { entries: SkipEntry[]; unexplained: number } {
  const entries: SkipEntry[] = [];
  let unexplained = 0;
  const walk = (node: TestSuite | TestModule, where: string): void => {
    const reason = uniformWhy(node);
    if (reason !== undefined) {
      entries.push({ where, reason });
      return;
    }
    for (const child of node.children) {
      const at = `${where} > ${child.name}`;
      if (child.type === 'suite') {
        walk(child, at);
        continue;
      }
      const why = testWhy(child);
      if (typeof why === 'string') entries.push({ where: at, reason: why });
      else if (why === null) unexplained++;
    }
  };
  walk(module, module.relativeModuleId);
  return { entries, unexplained };
}

/** The lines printed at the end of a run. */
export function skipSummary(modules: readonly TestModule[]): string[] {
  const entries: SkipEntry[] = [];
  let unexplained = 0;
  for (const m of modules) {
    const s = skippedIn(m);
    entries.push(...s.entries);
    unexplained += s.unexplained;
  }
  entries.sort((a, b) => (a.where < b.where ? -1 : a.where > b.where ? 1 : 0));
  const lines = entries.map((e) => `skipped: ${e.where} (${e.reason})`);
  if (unexplained > 0) lines.push(`skipped: ${unexplained} more test${unexplained === 1 ? '' : 's'} with no stated reason (a -t filter, .only or .todo)`);
  return lines.length > 0 ? lines : ['skipped: nothing'];
}

export default class SkipReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lines = skipSummary(testModules);
    if (this.vitest) for (const line of lines) this.vitest.logger.log(line);
    else process.stdout.write(`${lines.join('\n')}\n`);
  }
}
