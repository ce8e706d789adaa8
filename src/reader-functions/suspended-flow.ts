import { RETURN_CODE, ReaderFunctionError } from './return-codes.js';

/** What a suspended flow does next: it asks the caller something, or it is done. */
export type FlowEvent<Request, Result> = { done: false; request: Request } | { done: true; value: Result };

interface Deferred<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * A card flow (a session operation) that stops at each question to its security module and goes
 * on when the answer comes — from an HSM, through the caller, one function call later (SC fn
 * 2.2–8.3). The session's own flow runs unchanged; only its key provider (or purchase security)
 * asks through `ask`.
 */
export class SuspendedFlow<Request, Result> {
  private event: Deferred<FlowEvent<Request, Result>> | undefined;
  private reply: Deferred<unknown> | undefined;

  private constructor() {}

  /** Starts `run`; resolves at its first question or its end. */
  static start<Request, Result>(
    run: (ask: (request: Request) => Promise<unknown>) => Promise<Result>,
  ): { flow: SuspendedFlow<Request, Result>; first: Promise<FlowEvent<Request, Result>> } {
    const flow = new SuspendedFlow<Request, Result>();
    const first = flow.nextEvent();
    run((request) => flow.ask(request)).then(
      (value) => flow.event?.resolve({ done: true, value }),
      (error) => flow.event?.reject(error),
    );
    return { flow, first };
  }

  /** Answers the open question; resolves at the next question or the end. */
  answer(value: unknown): Promise<FlowEvent<Request, Result>> {
    const reply = this.reply;
    if (reply === undefined) throw new ReaderFunctionError(RETURN_CODE.notConnected, 'no question is open');
    this.reply = undefined;
    const next = this.nextEvent();
    reply.resolve(value);
    return next;
  }

  /** Ends the flow at its open question (the step was dropped). */
  abandon(): void {
    const reply = this.reply;
    this.reply = undefined;
    this.event = undefined;
    reply?.reject(new ReaderFunctionError(RETURN_CODE.notConnected, 'the step was dropped'));
  }

  private ask(request: Request): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.reply = { resolve, reject };
      const event = this.event;
      this.event = undefined;
      event?.resolve({ done: false, request });
    });
  }

  private nextEvent(): Promise<FlowEvent<Request, Result>> {
    return new Promise((resolve, reject) => {
      this.event = { resolve, reject };
    });
  }
}

/** A value the flow needs later than it starts (a PIN typed after the authentication, data to write). */
export function later<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}
