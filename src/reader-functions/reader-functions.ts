import type { HsmConnection } from '../applications/keys/hsm-key-provider.js';
import { AsyncMutex } from '../channel/async-mutex.js';
import type { CardReaders } from './card-readers.js';
import { readCard, readCardStep1, writeCard, writeCardStep1 } from './file-functions.js';
import { doDebit, doDebitStep1, readBalance, readDebitRecords } from './medical-functions.js';
import { noPendingStep, PendingStep, type StepOutcome } from './pending-step.js';
import { changePin, reloadPin, reloadPinStep1, unblockPin, unblockPinStep1, verifyPin } from './pin-functions.js';
import { readCardBas, readCardBasStep1 } from './read-card-bas.js';
import {
  isReaderFunctionName,
  type ReaderFunctionCaller,
  type ReaderFunctionInputs,
  type ReaderFunctionName,
  type ReaderFunctionResult,
} from './reader-function-call.js';
import { failure, RETURN_CODE, resultForError } from './return-codes.js';
import type { Terminal } from './terminal.js';

/** One function: its output line, or an outcome that keeps the card for the next HSM step. */
type ReaderFunction = (terminal: Terminal, inputs: ReaderFunctionInputs) => Promise<string | StepOutcome>;

/** Step2 and Step3 of the HSM variants: they continue the step Step1 left (PendingStep). */
type ContinuingStep = Extract<ReaderFunctionName, `${string}_HSM_Step2` | `${string}_HSM_Step3`>;

/** The functions that start from the card (card-spec §10.3), by name. */
const FUNCTIONS: Record<Exclude<ReaderFunctionName, ContinuingStep>, ReaderFunction> = {
  iReadCardBas: readCardBas,
  iReadCardBas_HSM_Step1: readCardBasStep1,
  iReadCard: readCard,
  iReadCard_HSM_Step1: readCardStep1,
  iWriteCard: writeCard,
  iWriteCard_HSM_Step1: writeCardStep1,
  iVerifyPIN: verifyPin,
  iChangePIN: changePin,
  iReloadPIN: reloadPin,
  iReloadPIN_HSM_Step1: reloadPinStep1,
  iUnblockPIN: unblockPin,
  iUnblockPIN_HSM_Step1: unblockPinStep1,
  iDoDebit: doDebit,
  iDoDebit_HSM_Step1: doDebitStep1,
  iReadDebitRecord: readDebitRecords,
  iReadBalance: readBalance,
};

function isContinuingStep(name: ReaderFunctionName): name is ContinuingStep {
  return /_HSM_Step[23]$/.test(name);
}

export interface ReaderFunctionsOptions {
  /** How long Step1's card waits for Step2 (ms, default 60 s). */
  stepTimeoutMs?: number;
  /**
   * The terminal's encryption machine: where the specification falls back from the PSAM (no PSAM,
   * a PSAM without the key; card-spec §10.3 last bullet, SC §10.5) the plain functions get their
   * keys from it (HsmKeyProvider) instead of answering −2201/−2203/−27272; without a PSAM,
   * iDoDebit's MAC1 and MAC2 check too (HsmPurchaseSecurity).
   */
  hsm?: HsmConnection;
}

/**
 * The reader functions of card-spec §10.3 (SC fn 1–9) over a terminal's readers: each call powers
 * the card (and the PSAM, or asks the HSM, where the function needs keys), does the specification's flow and answers
 * `{ code, pOutInfo }` — 0 and the output line, or a negative code of §10.4 and its text. Calls
 * run one at a time; between an HSM variant's steps the card stays powered (PendingStep).
 */
export class ReaderFunctions implements ReaderFunctionCaller {
  private readonly lock = new AsyncMutex();
  private readonly step: PendingStep;
  private readonly terminal: Terminal;

  constructor(readers: CardReaders, options: ReaderFunctionsOptions = {}) {
    this.step = new PendingStep(options.stepTimeoutMs);
    this.terminal = { readers, hsm: options.hsm };
  }

  call(name: ReaderFunctionName, inputs: ReaderFunctionInputs): Promise<ReaderFunctionResult> {
    if (typeof name !== 'string' || !isReaderFunctionName(name))
      return Promise.resolve(failure(RETURN_CODE.unsupported, String(name).slice(0, 64)));
    return this.lock.run(() => this.run(name, inputs ?? {}));
  }

  /** Drops a pending step (its card is powered off). */
  close(): Promise<void> {
    return this.lock.run(() => this.step.clear());
  }

  private async run(name: ReaderFunctionName, inputs: ReaderFunctionInputs): Promise<ReaderFunctionResult> {
    const pending = await this.step.take(name);
    try {
      const outcome = pending !== undefined ? await pending.run(inputs) : await this.start(name, inputs);
      if (typeof outcome === 'string') return { code: RETURN_CODE.ok, pOutInfo: outcome };
      if (outcome.next !== undefined) this.step.hold(outcome.next);
      else if (pending !== undefined) await pending.card.close();
      return { code: RETURN_CODE.ok, pOutInfo: outcome.output };
    } catch (error) {
      if (pending !== undefined) {
        pending.abandon?.();
        await pending.card.close().catch(() => {});
      }
      return resultForError(error);
    }
  }

  private start(name: ReaderFunctionName, inputs: ReaderFunctionInputs): Promise<string | StepOutcome> {
    if (isContinuingStep(name)) throw noPendingStep(name);
    return FUNCTIONS[name](this.terminal, inputs);
  }
}
