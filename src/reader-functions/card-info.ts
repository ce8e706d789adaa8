import type { SocialSecuritySession } from '../applications/social-security/social-security-session.js';
import { requireText, splitFields } from './inputs.js';
import type { ReaderFunctionInputs } from './reader-function-call.js';
import { RETURN_CODE, ReaderFunctionError } from './return-codes.js';

/**
 * SC fn 2.1.2 (3), 2.1.3 (5): pCardInfo = `card identifier|card number|`, checked against the card
 * in the reader before anything else: an identifier that is not 32 hex digits → −20, a card that
 * is not the one named → −22. The card number compares on its first 9 characters (SC §10.4).
 */
export async function checkCardInfo(session: SocialSecuritySession, inputs: ReaderFunctionInputs): Promise<void> {
  const [identifier, cardNumber] = splitFields(requireText(inputs, 'pCardInfo'), 'pCardInfo', 2) as [string, string];
  if (!/^[0-9A-Fa-f]{32}$/.test(identifier))
    throw new ReaderFunctionError(RETURN_CODE.identifierFormat, 'pCardInfo 的卡识别码应为 32 位十六进制');
  const card = await session.readCardData();
  if (identifier.toUpperCase() !== card.cardIdentifier.toUpperCase() || cardNumber.slice(0, 9) !== card.cardNumber.slice(0, 9)) {
    throw new ReaderFunctionError(RETURN_CODE.cardMismatch, 'pCardInfo 不是读卡器中的卡');
  }
}
