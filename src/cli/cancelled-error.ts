import { SscardError } from '../errors.js';

/** The user pressed Ctrl-C (or the process got SIGINT) at a prompt: nothing was sent (exit 130). */
export class CancelledError extends SscardError {
  constructor() {
    super('ECANCELLED', 'cancelled');
  }
}
