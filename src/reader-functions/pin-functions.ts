import { checkCardInfo } from './card-info.js';
import { hsmStepKeys, startHsmFlow } from './hsm-steps.js';
import type { StepOutcome } from './pending-step.js';
import { callerPin, verifyCardholderPin } from './pin-entry.js';
import type { ReaderFunctionInputs } from './reader-function-call.js';
import { later } from './suspended-flow.js';
import { type Terminal, withCard, withCardAndKeys, withCardHeld } from './terminal.js';

/** iVerifyPIN (SC fn 4.1): VERIFY in SSSE; out empty; wrong → −51 with the tries left. */
export function verifyPin(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<string> {
  return withCard(terminal.readers, inputs.iType, async (card) => {
    await verifyCardholderPin(card.session, inputs);
    return '';
  });
}

/** iChangePIN (SC fn 5.1): the old and the new PIN from the caller (`pin`, `newPin`); out empty. */
export function changePin(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<string> {
  return withCard(terminal.readers, inputs.iType, async (card) => {
    await card.session.changePin(callerPin(card.session, inputs, 'pin'), callerPin(card.session, inputs, 'newPin'));
    return '';
  });
}

/** iReloadPIN (SC fn 6.1): card checked against pCardInfo, then PUK and STK from the PSAM (or the HSM, openTerminalKeys); out empty. */
export function reloadPin(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<string> {
  return withCardAndKeys(terminal, inputs.iType, async (card, keys) => {
    await checkCardInfo(card.session, inputs);
    await card.session.reloadPin(callerPin(card.session, inputs, 'newPin'), keys.keys);
    return '';
  });
}

/** iUnblockPIN (SC fn 7.1): card checked, then PUK and STK from the PSAM (or the HSM, openTerminalKeys); out empty. */
export function unblockPin(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<string> {
  return withCardAndKeys(terminal, inputs.iType, async (card, keys) => {
    await checkCardInfo(card.session, inputs);
    await card.session.unblockPin(keys.keys);
    return '';
  });
}

/**
 * iReloadPIN_HSM_Step1 (SC fn 6.2): the PUK external authentication's inputs `alg|0090|factor|original|`;
 * Step2(pKey, newPin) authenticates and gives the secure-messaging inputs `alg|0173|card random|
 * header|new PIN|` (the HSM encrypts the PIN: it is the one output that carries it); Step3(pKey =
 * header ‖ encrypted PIN ‖ MAC) sends the reload.
 */
export function reloadPinStep1(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<StepOutcome> {
  return withCardHeld(terminal.readers, inputs.iType, async (card) => {
    await checkCardInfo(card.session, inputs);
    const newPin = later<string>();
    return startHsmFlow((ask) => card.session.reloadPin(newPin.promise, hsmStepKeys(ask)), {
      card,
      steps: ['iReloadPIN_HSM_Step2', 'iReloadPIN_HSM_Step3'],
      before: (step, next) => {
        if (step === 'iReloadPIN_HSM_Step2') newPin.resolve(callerPin(card.session, next, 'newPin'));
      },
      finish: () => '',
    });
  });
}

/**
 * iUnblockPIN_HSM_Step1 (SC fn 7.2): as the reload's; Step2's plaintext is empty and Step3's pKey is
 * header ‖ MAC (18 hex digits).
 */
export function unblockPinStep1(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<StepOutcome> {
  return withCardHeld(terminal.readers, inputs.iType, async (card) => {
    await checkCardInfo(card.session, inputs);
    return startHsmFlow((ask) => card.session.unblockPin(hsmStepKeys(ask)), {
      card,
      steps: ['iUnblockPIN_HSM_Step2', 'iUnblockPIN_HSM_Step3'],
      finish: () => '',
    });
  });
}
