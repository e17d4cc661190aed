/**
 * Commander argument parsers for paths, shared by both command lines: every file or directory a
 * command takes is checked while the arguments are parsed (files.ts), so a missing file, a directory
 * where a file belongs or a file where a directory belongs is reported for that argument, before
 * the command reads anything else. Their AirfeedErrors pass through commander to the reporter.
 */
import { fileURLToPath } from 'node:url';
import { AirfeedError } from '../errors.ts';
import { checkInputDirectory, checkInputFile, checkInputPath, checkOutputDirectory, checkOutputFile } from '../files.ts';

/** An existing, readable regular file: `what` names it in messages (`bundle`, `policy`). */
export function inputFile(what: string): (value: string) => string {
  return (value) => checkInputFile(what, value);
}

/** Several of them (a variadic argument): each checked. */
export function inputFiles(what: string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => [...(previous ?? []), checkInputFile(what, value)];
}

/** A repeatable option naming files or directories (trusted keys): each checked, collected in order. */
export function inputPaths(what: string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => [...(previous ?? []), checkInputPath(what, value)];
}

/** An http(s) URL as given, or else an existing directory (a local mirror; a `file:` URL names one too). */
export function urlOrDirectory(what: string): (value: string) => string {
  return (value) => {
    if (/^https?:\/\//i.test(value)) return value;
    let dir = value;
    if (value.startsWith('file:')) {
      try {
        dir = fileURLToPath(value);
      } catch (err) {
        throw new AirfeedError('INPUT_INVALID', `${what} ${value} is not the file: URL of a directory: ${(err as Error).message}`, { cause: err });
      }
    }
    checkInputDirectory(what, dir);
    return value;
  };
}

/** A file to write, named by `flag`: its directory must exist and it must not be a directory. */
export function outputFile(flag: string, describe: string): (value: string) => string {
  return (value) => checkOutputFile(flag, value, describe);
}

/** A directory to write into, named by `flag`: absent (made later) or a directory. */
export function outputDirectory(flag: string): (value: string) => string {
  return (value) => checkOutputDirectory(flag, value);
}
