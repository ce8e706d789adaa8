import { ServiceRefusal } from './service-refusal.js';

export interface CardQueueOptions {
  /** How long a request may take from its arrival to its answer, waiting included. */
  timeoutMs: number;
  /** How many requests may wait at once; more are refused at once instead of queued. */
  maxWaiting: number;
}

/**
 * Runs one piece of card work at a time, in arrival order, so two clients' calls never interleave
 * their APDUs. A request whose time runs out is answered with a timeout refusal; if it was already
 * running, the next one still waits until the card is really done with it.
 */
export class CardQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(private readonly options: CardQueueOptions) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.waiting >= this.options.maxWaiting) {
      return Promise.reject(new ServiceRefusal('rate-limited', `${this.waiting} requests are already waiting for the card`));
    }
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((resolve) => {
      release = resolve;
    });
    this.waiting++;
    return new Promise<T>((resolve, reject) => {
      let started = false;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(this.timeout(started));
      }, this.options.timeoutMs);
      void previous.then(async () => {
        this.waiting--;
        // A request that timed out while waiting gives its turn away without touching the card.
        if (timedOut) return release();
        started = true;
        try {
          resolve(await work());
        } catch (error) {
          reject(error);
        } finally {
          clearTimeout(timer);
          release();
        }
      });
    });
  }

  /** Resolves when the card has finished everything queued so far (or after `ms`, whichever is first). */
  async idle(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.tail, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  private timeout(started: boolean): ServiceRefusal {
    const ms = this.options.timeoutMs;
    return new ServiceRefusal(
      'timeout',
      started ? `the card did not answer within ${ms} ms` : `the card stayed busy with earlier requests for ${ms} ms`,
    );
  }
}
