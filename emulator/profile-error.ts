import { SscardError } from '../src/errors.js';

/** A card profile that cannot be used; the message names the file, the field path and the problem. */
export class ProfileError extends SscardError {
  /** e.g. "mf.children[0].records[2]" (empty for the document itself). */
  readonly path: string;
  constructor(source: string, path: string, problem: string) {
    super('EPROFILE', `${source}: ${path === '' ? '' : `${path}: `}${problem}`);
    this.path = path;
  }
}
