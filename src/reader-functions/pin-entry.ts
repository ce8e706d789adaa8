import { PIN_MAX_DIGITS, PIN_MIN_DIGITS } from '../applications/pin-format.js';
import { ON_PIN_PAD, type PinSource } from '../applications/pin-pad.js';
import type { SocialSecuritySession } from '../applications/social-security/social-security-session.js';
import type { ReaderFunctionInputs } from './reader-function-call.js';
import { RETURN_CODE, ReaderFunctionError } from './return-codes.js';

type PinInput = 'pin' | 'newPin';

/**
 * The caller's PIN input, checked without ever quoting it: missing → −14, not digits → −41, a
 * length outside 4–12 → −33 (SC annex A; the 6-byte PIN block holds 12 digits).
 */
export function pinInput(inputs: ReaderFunctionInputs, name: PinInput): string {
  const pin = inputs[name];
  if (pin === undefined || pin === null || pin === '') throw new ReaderFunctionError(RETURN_CODE.parameter, `缺少参数 ${name}`);
  if (typeof pin !== 'string' || !/^\d+$/.test(pin)) throw new ReaderFunctionError(RETURN_CODE.illegalCharacters, `${name} 应为数字`);
  if (pin.length < PIN_MIN_DIGITS || pin.length > PIN_MAX_DIGITS) {
    throw new ReaderFunctionError(RETURN_CODE.pinLength, `${name} 应为 ${PIN_MIN_DIGITS}–${PIN_MAX_DIGITS} 位数字`);
  }
  return pin;
}

/** Whether the cardholder types on the reader's pad: the reader has one and the caller gave no `pin`. */
export function usesPad(session: SocialSecuritySession, inputs: ReaderFunctionInputs): boolean {
  return (inputs.pin === undefined || inputs.pin === null) && session.channel.transport.verifyPinOnPad !== undefined;
}

/** The cardholder's PIN for VERIFY: the pad when the reader has one and no `pin` was given, else the caller's. */
export function pinSource(session: SocialSecuritySession, inputs: ReaderFunctionInputs): PinSource {
  return usesPad(session, inputs) ? ON_PIN_PAD : pinInput(inputs, 'pin');
}

/**
 * SC fn 4.1.3 (5): VERIFY with the PIN from the reader's pad when it has one and no `pin` was
 * given, else with the caller's `pin`. Wrong → −51 with the tries left, blocked → −52.
 */
export async function verifyCardholderPin(session: SocialSecuritySession, inputs: ReaderFunctionInputs): Promise<void> {
  const pin = pinSource(session, inputs);
  await (pin === ON_PIN_PAD ? session.verifyPinOnPad() : session.verifyPin(pin));
}

/** A PIN a function takes only from the caller (the pad's VERIFY cannot change or set one): −13 on a pad reader without it. */
export function callerPin(session: SocialSecuritySession, inputs: ReaderFunctionInputs, name: PinInput): string {
  if ((inputs[name] === undefined || inputs[name] === null) && session.channel.transport.verifyPinOnPad !== undefined) {
    throw new ReaderFunctionError(RETURN_CODE.unsupported, `读卡器密码键盘只能校验 PIN：请传入 ${name}`);
  }
  return pinInput(inputs, name);
}
