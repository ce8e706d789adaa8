import { SscardError } from '../errors.js';

/** Thrown by a command that ran fine but whose check failed (exit 1) after it printed why. */
export class CheckFailed extends SscardError {
  constructor(message: string) {
    super('ECHECK', message);
  }
}
