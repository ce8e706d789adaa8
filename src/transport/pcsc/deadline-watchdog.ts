import { TransportError } from '../transport-error.js';

/**
 * One timer for a queue of calls, each with a deadline: it fires at the earliest deadline it was
 * armed for, and when the call in progress is not overdue yet (calls finish long before their
 * deadline as a rule), it re-arms for that call's deadline. So a fast call costs no timer
 * operation at all: no setTimeout and clearTimeout per PC/SC call. The timer never keeps the
 * process alive (what waits on the call does, while it is in progress).
 */
export class DeadlineWatchdog {
  private timer: NodeJS.Timeout | undefined;
  /** When the timer fires (performance.now() time). */
  private firesAt = 0;
  /** The deadline of the call in progress, or undefined when none is waiting for an answer. */
  private readonly pendingDeadline: () => number | undefined;
  /** Called once the call in progress is past its deadline. */
  private readonly overdue: () => void;

  constructor(pendingDeadline: () => number | undefined, overdue: () => void) {
    this.pendingDeadline = pendingDeadline;
    this.overdue = overdue;
  }

  /** Makes sure the timer fires no later than `deadline` (performance.now() time). */
  arm(deadline: number): void {
    if (this.timer && this.firesAt <= deadline) return;
    clearTimeout(this.timer);
    this.firesAt = deadline;
    this.timer = setTimeout(this.fire, Math.max(0, deadline - performance.now()));
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const deadline = this.pendingDeadline();
    if (deadline === undefined) return;
    if (performance.now() < deadline) this.arm(deadline);
    else this.overdue();
  };
}

/** What a PC/SC call past its deadline fails with. */
export function pcscCallOverdue(doing: string, timeoutMs: number): TransportError {
  return new TransportError('timeout', `${doing}: no answer within ${timeoutMs} ms (the PC/SC service or the reader is not answering)`);
}
