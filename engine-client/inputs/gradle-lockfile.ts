/**
 * gradle.lockfile (https://docs.gradle.org/current/userguide/dependency_locking.html#lock_state_location_and_format):
 * one locked module per line, `group:artifact:version=configuration,…`, and `empty=…` for the
 * configurations that resolve nothing:
 *
 * ```
 * # This is a Gradle generated file for dependency locking.
 * # Manual edits can break the build and are not advised.
 * # This file is expected to be part of source control.
 * com.fasterxml.jackson.core:jackson-databind:2.15.2=compileClasspath,runtimeClasspath
 * org.apache.logging.log4j:log4j-core:2.14.1=runtimeClasspath
 * empty=annotationProcessor
 * ```
 *
 * The package is `group:artifact`, as the Maven advisories name it; versions are compared as Maven
 * compares them. Per-configuration lockfiles of older Gradle (`gradle/dependency-locks/*.lockfile`)
 * have the same lines without `=…`, and are read too. Streamed line by line.
 */
import { atLine, inputError, quoteLine } from './errors.ts';
import { readLines } from './io.ts';
import { LockCollector } from './lockfile.ts';
import type { TextInputParser } from './parser.ts';
import type { Inventory } from './types.ts';

const MODULE = /^([^:\s=]+):([^:\s=]+):([^:\s=]+)(?:=(\S*))?$/;

/** The inventory of a Gradle lockfile, streamed. */
export async function parseGradleLockfile(file: string): Promise<Inventory> {
  const out = new LockCollector(file, 'maven');
  for await (const [n, raw] of readLines(file)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('empty=')) continue;
    const m = MODULE.exec(line);
    if (m === null) throw inputError(atLine(file, n), `${quoteLine(line)} is not "group:artifact:version=configurations"`, undefined, { file, line: n });
    out.add(`${m[1] ?? ''}:${m[2] ?? ''}`, m[3] ?? '', atLine(file, n));
  }
  return out.inventory('gradle-lockfile');
}

/** A Gradle lockfile: Gradle's header comment, or first lines that are all `group:artifact:version[=…]` or `empty=…`. */
export const gradleLockfile: TextInputParser = {
  format: 'gradle-lockfile',
  input: 'text',
  describe: 'gradle.lockfile',
  matches: (head) => {
    if (head.some((l) => l.startsWith('# This is a Gradle generated file for dependency locking.'))) return true;
    const lines = head.filter((l) => !l.startsWith('#')).map((l) => l.trim());
    return lines.length > 0 && lines.every((l) => MODULE.test(l) || l.startsWith('empty=')) && lines.some((l) => MODULE.test(l));
  },
  parse: parseGradleLockfile,
};
