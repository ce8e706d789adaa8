import { CardError } from '../errors.js';

/** SELECT of an application answered 6A82: this card does not carry it (or hides it). */
export class ApplicationNotFoundError extends CardError {
  readonly application: string;
  constructor(application: string, sw: number) {
    super('ENOAPP', `this card has no ${application} application (SELECT answered ${sw.toString(16).toUpperCase().padStart(4, '0')})`);
    this.application = application;
  }
}
