import { authenticationRequestFields, protectRequestFields, purchaseMacFields, requestLine } from '../applications/keys/hsm-request.js';
import type { PurchaseInitRequest, PurchaseInitResult, PurchaseSecurity } from '../applications/medical/purchase-security.js';
import { bytesToUint, constantTimeEqual } from '../bytes/bytes.js';
import { fromHex, toHex } from '../bytes/hex.js';
import type { AuthenticationDataRequest, KeyProvider, ProtectCommandRequest, ProtectedCommandData } from '../channel/key-provider.js';
import { encryptedFieldLength, SM_MAC_LENGTH } from '../crypto/card-security.js';
import { hexInput, proofOf, requireText, splitFields } from './inputs.js';
import type { NextStep, StepOutcome } from './pending-step.js';
import type { ReaderFunctionInputs, ReaderFunctionName } from './reader-function-call.js';
import { RETURN_CODE, ReaderFunctionError } from './return-codes.js';
import { type FlowEvent, SuspendedFlow } from './suspended-flow.js';
import type { OpenCard } from './terminal.js';

/** What a card flow asks the HSM, through the caller (card-spec §10.5). */
export type HsmQuestion =
  | { kind: 'authentication'; request: AuthenticationDataRequest }
  | { kind: 'protect'; request: ProtectCommandRequest }
  | { kind: 'purchase'; request: PurchaseInitRequest; terminalId: Uint8Array };

type Ask = (question: HsmQuestion) => Promise<unknown>;

/** A KeyProvider whose every answer comes from the HSM one step later. */
export function hsmStepKeys(ask: Ask): KeyProvider {
  return {
    authenticationData: async (request) => (await ask({ kind: 'authentication', request })) as Uint8Array,
    protectCommand: async (request) => (await ask({ kind: 'protect', request })) as ProtectedCommandData,
  };
}

/**
 * The PurchaseSecurity of a terminal with an HSM instead of a PSAM: MAC1 comes from the HSM one
 * step later; MAC2 goes out in Step2's line for the HSM to check (the terminal cannot).
 */
export class HsmStepPurchaseSecurity implements PurchaseSecurity {
  constructor(
    private readonly ask: Ask,
    private readonly terminal: Uint8Array,
  ) {}

  async terminalId(): Promise<Uint8Array> {
    return this.terminal.slice();
  }

  async initPurchase(request: PurchaseInitRequest): Promise<PurchaseInitResult> {
    return (await this.ask({ kind: 'purchase', request, terminalId: this.terminal })) as PurchaseInitResult;
  }

  async verifyMac2(): Promise<void> {}
}

/** The step line that hands a question to the HSM: its request fields before the card's own data. */
export function questionLine(question: HsmQuestion): string {
  if (question.kind === 'authentication') return requestLine(authenticationRequestFields(question.request));
  if (question.kind === 'protect') return requestLine(protectRequestFields(question.request));
  return requestLine(purchaseMacFields({ ...question.request, terminalId: question.terminalId }));
}

/** The HSM's answer to `question`, from the next step's pKey (SC fn 2.3.2, 6.4.2, 7.4.2, 8.3.2). */
export function answerOf(question: HsmQuestion, inputs: ReaderFunctionInputs): unknown {
  const pKey = requireText(inputs, 'pKey');
  if (question.kind === 'authentication') {
    const proof = proofOf(pKey, 'pKey');
    if (!constantTimeEqual(proof.original, question.request.original)) {
      throw new ReaderFunctionError(RETURN_CODE.cardMismatch, 'pKey 的原始信息不是上一步的随机数');
    }
    return proof.authData;
  }
  if (question.kind === 'protect') return protectedData(question.request, pKey);
  return purchaseAnswer(question.request, pKey);
}

/** header ‖ encrypted field ‖ MAC (34 hex DES, 50 hex SM4 for a reload; 18 hex for an unblock). */
function protectedData(request: ProtectCommandRequest, pKey: string): ProtectedCommandData {
  const header = toHex(request.header) + (request.clearData ? toHex(request.clearData) : '');
  const field = request.plaintext ? encryptedFieldLength(request.algorithm, request.plaintext.length) : 0;
  const bytes = fromHex(hexInput(pKey, header.length / 2 + field + SM_MAC_LENGTH, 'pKey'));
  if (toHex(bytes.subarray(0, header.length / 2)) !== header) {
    throw new ReaderFunctionError(RETURN_CODE.invalidInput, `pKey 的命令头应为 ${header}`);
  }
  const data = request.plaintext ? bytes.slice(header.length / 2, header.length / 2 + field) : (request.clearData ?? new Uint8Array(0));
  return { data, mac: bytes.slice(header.length / 2 + field) };
}

/** terminal seq | time | MAC1 | — the time must be the one Step1 gave. */
function purchaseAnswer(request: PurchaseInitRequest, pKey: string): PurchaseInitResult {
  const [seq, time, mac1] = splitFields(pKey, 'pKey', 3) as [string, string, string];
  if (hexInput(time, 7, 'pKey 交易时间') !== toHex(request.time)) {
    throw new ReaderFunctionError(RETURN_CODE.cardMismatch, 'pKey 的交易时间不是步骤一的交易时间');
  }
  return { terminalSeq: bytesToUint(fromHex(hexInput(seq, 4, 'pKey 终端交易序号'))), mac1: fromHex(hexInput(mac1, 4, 'pKey MAC1')) };
}

/** How a suspended flow's steps go on: their names, inputs taken before the answer, the last line. */
export interface HsmFlowSteps<Result> {
  card: OpenCard;
  /** The functions that answer the flow's questions, in order (Step2, Step3). */
  steps: readonly ReaderFunctionName[];
  /** Inputs a step hands to the flow before its answer (a new PIN, the data to write). */
  before?: (step: ReaderFunctionName, inputs: ReaderFunctionInputs) => void;
  /** The line when the flow is done. */
  finish(result: Result): string;
  /** The line of a question (default: the HSM request fields). */
  line?: (question: HsmQuestion) => string;
}

/**
 * Step n's outcome for a flow event: the flow's question as the line and the next step waiting
 * for its answer, or — when the flow is done — its final line.
 */
export function flowOutcome<Result>(
  flow: SuspendedFlow<HsmQuestion, Result>,
  event: FlowEvent<HsmQuestion, Result>,
  plan: HsmFlowSteps<Result>,
  index = 0,
): StepOutcome {
  if (event.done) return { output: plan.finish(event.value) };
  const name = plan.steps[index];
  if (name === undefined) throw new ReaderFunctionError(RETURN_CODE.unknown, 'the card flow asked the HSM once more than the steps allow');
  const question = event.request;
  const next: NextStep = {
    name,
    card: plan.card,
    abandon: () => flow.abandon(),
    run: async (inputs) => {
      plan.before?.(name, inputs);
      return flowOutcome(flow, await flow.answer(answerOf(question, inputs)), plan, index + 1);
    },
  };
  return { output: (plan.line ?? questionLine)(question), next };
}

/** Starts a card flow whose security questions go to the HSM, and gives Step1's outcome. */
export async function startHsmFlow<Result>(run: (ask: Ask) => Promise<Result>, plan: HsmFlowSteps<Result>): Promise<StepOutcome> {
  const { flow, first } = SuspendedFlow.start<HsmQuestion, Result>(run);
  return flowOutcome(flow, await first, plan);
}
