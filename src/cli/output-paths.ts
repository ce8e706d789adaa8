import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../errors.js';

export interface OutputPathRule {
  /** The option, for the message: "--junit", "--state". */
  what: string;
  /**
   * An existing file at the path: 'overwrite' (a report written again), 'update' (a state file
   * read then rewritten) or 'refuse'. Missing parent directories: 'update' creates them (the
   * nearest existing one must be writable), the others need the directory to exist.
   */
  existing: 'overwrite' | 'update' | 'refuse';
  /** Files the command reads (scripts): an output must never be one of them. */
  inputs?: readonly string[];
}

/**
 * Checks, before the first command goes to a card, that a file the command will write can be
 * written: not empty, not a directory, in a writable directory, not one of its inputs. Throws an
 * InputError (exit 2) naming the option, the path and the reason.
 */
export function checkOutputPath(path: string, rule: OutputPathRule): void {
  const fail = (reason: string): never => {
    throw new InputError(rule.what.replace(/^-+/, ''), `${rule.what} ${path === '' ? '""' : path}: ${reason}`);
  };
  if (path.trim() === '') fail('the path is empty');
  const full = resolve(path);
  for (const input of rule.inputs ?? []) if (resolve(input) === full) fail('is also an input of this command; it would be overwritten');
  const st = statOrUndefined(full);
  if (st !== undefined) {
    if (st.isDirectory()) fail('is a directory');
    if (rule.existing === 'refuse') fail('exists; remove it or choose another name');
    if (!writable(full)) fail('not writable (permission denied)');
    return;
  }
  let dir = dirname(full);
  let dirSt = statOrUndefined(dir);
  if (rule.existing === 'update') {
    while (dirSt === undefined && dirname(dir) !== dir) {
      dir = dirname(dir);
      dirSt = statOrUndefined(dir);
    }
  }
  if (dirSt === undefined) fail(`directory ${dirname(full)} does not exist`);
  if (!dirSt!.isDirectory()) fail(`${dir} is not a directory`);
  if (!writable(dir)) fail(`directory ${dir} is not writable (permission denied)`);
}

/** An output directory (`pki certs --out DIR`): missing (created) or a writable directory. */
export function checkOutputDirectory(path: string, what: string): void {
  const fail = (reason: string): never => {
    throw new InputError(what.replace(/^-+/, ''), `${what} ${path === '' ? '""' : path}: ${reason}`);
  };
  if (path.trim() === '') fail('the path is empty');
  let dir = resolve(path);
  const st = statOrUndefined(dir);
  if (st !== undefined && !st.isDirectory()) fail('exists and is not a directory');
  let found = st;
  while (found === undefined && dirname(dir) !== dir) {
    dir = dirname(dir);
    found = statOrUndefined(dir);
  }
  if (found === undefined || !found.isDirectory()) fail(`${dir} is not a directory`);
  if (!writable(dir)) fail(`directory ${dir} is not writable (permission denied)`);
}

/** Reads an input file named on the command line; a missing or unreadable file is an InputError. */
export function readInputFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new InputError(what.replace(/^-+/, ''), `${what} ${path}: ${reason}`);
  }
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
