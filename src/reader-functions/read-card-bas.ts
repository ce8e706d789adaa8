import { decodeAtr } from '../apdu/atr.js';
import { cardAuthenticationFields, requestLine } from '../applications/keys/hsm-request.js';
import { constantTimeEqual } from '../bytes/bytes.js';
import type { AuthenticationDataRequest, KeyProvider, ProtectCommandRequest } from '../channel/key-provider.js';
import { notGenuine } from '../channel/secure-messaging.js';
import { proofOf, requireText, splitFields } from './inputs.js';
import type { StepOutcome } from './pending-step.js';
import type { ReaderFunctionInputs } from './reader-function-call.js';
import { RETURN_CODE, ReaderFunctionError } from './return-codes.js';
import { isMissingPsamKey, type OpenCard, type Terminal, terminalNumber, withCardAndKeys, withCardHeld } from './terminal.js';

/**
 * iReadCardBas (SC fn 1.1, card-spec §10.3): card and PSAM powered (no PSAM → −2201), INTERNAL
 * AUTHENTICATE with IRK, on a 3.00 card EXTERNAL AUTHENTICATE with RKSSSE (a PSAM without it →
 * −2203), then the 11-field line with the PSAM's terminal number. With an HSM configured, the
 * keys the PSAM cannot give come from it, and without a PSAM the terminal number is 12 zeros
 * (openTerminalKeys, SC §10.5).
 */
export function readCardBas(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<string> {
  return withCardAndKeys(terminal, inputs.iType, (card, keys) =>
    card.session.readCardBas({
      keys: withRkssseFallback(keys.keys),
      terminalNumber: keys.terminalNumber,
      deviceNumber: terminal.readers.deviceNumber ?? '',
    }),
  );
}

/**
 * SC §10.5: a PSAM without RKSSSE answers −2203, so the terminal turns to the HSM functions; the
 * PSAM says so with 6A88 (no such key) or the provider knows no reference for it.
 */
function withRkssseFallback(keys: KeyProvider): KeyProvider {
  const refuse = (key: string, error: unknown): never => {
    if (key === 'RKSSSE' && isMissingPsamKey(error)) throw new ReaderFunctionError(RETURN_CODE.psamNoRkssse);
    throw error;
  };
  return {
    authenticationData: (request: AuthenticationDataRequest) => keys.authenticationData(request).catch((e) => refuse(request.key, e)),
    protectCommand: (request: ProtectCommandRequest) => keys.protectCommand(request).catch((e) => refuse(request.key, e)),
  };
}

/**
 * iReadCardBas_HSM_Step1 (SC fn 1.2): INTERNAL AUTHENTICATE, and on a 3.00 card the two randoms of
 * EXTERNAL AUTHENTICATE; out: region | historical bytes | algorithm id | identifier | internal
 * factor | internal original | external factor | external original | — the HSM's card-
 * authentication request without the device id (card-spec §10.5). The card stays powered for Step2.
 */
export function readCardBasStep1(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<StepOutcome> {
  return withCardHeld(terminal.readers, inputs.iType, async (card) => {
    const session = card.session;
    const data = await session.readCardData();
    const internal = await session.internalAuthenticationChallenge();
    const external = (await session.cardholderNeedsKey()) ? await session.externalAuthenticationChallenges() : undefined;
    const output = requestLine(
      cardAuthenticationFields({
        regionCode: data.regionCode,
        historicalBytes: decodeAtr(card.connected.atr).historicalBytes,
        algorithmId: await session.algorithmId(),
        identifier: data.cardIdentifier,
        internal,
        external: external && { factor: external.processFactor, original: external.original },
      }),
    );
    const randoms = { internal, external };
    return { output, next: { name: 'iReadCardBas_HSM_Step2', card, run: (next) => readCardBasStep2(terminal, card, randoms, next) } };
  });
}

interface Step1Randoms {
  internal: { original: Uint8Array; answer: Uint8Array };
  external: { original: Uint8Array } | undefined;
}

/**
 * iReadCardBas_HSM_Step2 (SC fn 1.3): pKey = internal auth ‖ original | external auth ‖ original |.
 * The card's internal answer must match the HSM's (else −21); then EXTERNAL AUTHENTICATE with the
 * HSM's RKSSSE data, and the same 11-field line as iReadCardBas (the PSAM's terminal number when
 * the terminal has one, else 12 zeros).
 */
async function readCardBasStep2(
  terminal: Terminal,
  card: OpenCard,
  randoms: Step1Randoms,
  inputs: ReaderFunctionInputs,
): Promise<StepOutcome> {
  const [internalText, externalText] = splitFields(requireText(inputs, 'pKey'), 'pKey', 2) as [string, string];
  const internal = proofOf(internalText, 'pKey 内部认证数据');
  if (!constantTimeEqual(internal.original, randoms.internal.original) || !constantTimeEqual(internal.authData, randoms.internal.answer)) {
    throw new ReaderFunctionError(RETURN_CODE.internalAuthentication, notGenuine().message);
  }
  if (randoms.external !== undefined) {
    const external = proofOf(externalText, 'pKey 外部认证数据');
    if (!constantTimeEqual(external.original, randoms.external.original)) {
      throw new ReaderFunctionError(RETURN_CODE.cardMismatch, 'pKey 的外部认证原始信息不是步骤一的随机数');
    }
    await card.session.completeExternalAuthentication('RKSSSE', external.authData, external.original);
  }
  return {
    output: await card.session.readCardBas({
      terminalNumber: await terminalNumber(terminal.readers),
      deviceNumber: terminal.readers.deviceNumber ?? '',
    }),
  };
}
