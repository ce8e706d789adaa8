import type { ReaderFunctionInputs, ReaderFunctionName } from './reader-function-call.js';
import { RETURN_CODE, ReaderFunctionError } from './return-codes.js';
import type { OpenCard } from './terminal.js';

/** What a step function does with its inputs: the output, and maybe another step to wait for. */
export type StepContinuation = (inputs: ReaderFunctionInputs) => Promise<StepOutcome>;

/** A function's result: its output line, and — for Step1/Step2 of the HSM variants — the next step. */
export interface StepOutcome {
  output: string;
  next?: NextStep;
}

export interface NextStep {
  /** The function that continues: e.g. iReadCardBas_HSM_Step2. */
  name: ReaderFunctionName;
  /** The card, powered, as the step left it (its random still current). */
  card: OpenCard;
  run: StepContinuation;
  /** Ends whatever the step left running (a suspended card flow), when the step is dropped. */
  abandon?: () => void;
}

/** How long a step waits for the next one by default: the time an HSM round trip may take. */
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;

/**
 * The one step in progress between Step1 and Step2(/3) of an HSM variant (SC fn 1.2–8.3): the card
 * stays powered in between, since its random (the process factor) lives only until power-off.
 * Any other call, or the timeout, drops the step and powers the card off; the next step then
 * answers −12 (no connection).
 */
export class PendingStep {
  private pending: { step: NextStep; timer: NodeJS.Timeout } | undefined;

  constructor(private readonly timeoutMs = DEFAULT_STEP_TIMEOUT_MS) {}

  /** The step `name` continues, taken out; any other pending step is dropped first. */
  async take(name: ReaderFunctionName): Promise<NextStep | undefined> {
    const current = this.pending;
    if (current === undefined) return undefined;
    this.pending = undefined;
    clearTimeout(current.timer);
    if (current.step.name === name) return current.step;
    await dropStep(current.step);
    return undefined;
  }

  /** Keeps `step` until its function is called or the timeout passes. */
  hold(step: NextStep): void {
    const timer = setTimeout(() => {
      if (this.pending?.step !== step) return;
      this.pending = undefined;
      void dropStep(step);
    }, this.timeoutMs);
    timer.unref();
    this.pending = { step, timer };
  }

  /** Drops the pending step (the backend closes). */
  async clear(): Promise<void> {
    const current = this.pending;
    this.pending = undefined;
    if (current === undefined) return;
    clearTimeout(current.timer);
    await dropStep(current.step);
  }
}

async function dropStep(step: NextStep): Promise<void> {
  step.abandon?.();
  await step.card.close().catch(() => {});
}

/** A Step2/Step3 called with no Step1 before it (or after the step was dropped). */
export function noPendingStep(name: ReaderFunctionName): ReaderFunctionError {
  return new ReaderFunctionError(RETURN_CODE.notConnected, `${name} 之前没有待完成的上一步（上一步已超时、被其他调用中断或未调用）`);
}
