import { PsamKeyProvider } from '../applications/psam/psam-key-provider.js';
import { PsamSession } from '../applications/psam/psam-session.js';
import { SocialSecuritySession } from '../applications/social-security/social-security-session.js';
import { CardChannel } from '../channel/card-channel.js';
import { type CardReaders, type ConnectedCard, connectByType } from './card-readers.js';
import type { StepOutcome } from './pending-step.js';
import { RETURN_CODE, ReaderFunctionError } from './return-codes.js';

/** Without a PSAM the terminal number is 12 zeros (SC fn 1.3.2, 8.2.2). */
const NO_TERMINAL_NUMBER = '000000000000';

/** The user card powered on the interface iType chose, with its social security application selected. */
export interface OpenCard {
  connected: ConnectedCard;
  channel: CardChannel;
  session: SocialSecuritySession;
  close(): Promise<void>;
}

/** The PSAM powered and open: its session, and the key provider over it. */
export interface OpenPsam {
  session: PsamSession;
  keys: PsamKeyProvider;
  close(): Promise<void>;
}

/** SC §1.1.3 (3): power the card; SELECT SSSE (the algorithm comes from its FCI, SC §10.1). */
export async function openCard(readers: CardReaders, iType: unknown): Promise<OpenCard> {
  const connected = await connectByType(readers, iType);
  try {
    const channel = new CardChannel(connected.transport);
    const session = await SocialSecuritySession.open(channel, { atr: connected.atr });
    return { connected, channel, session, close: () => connected.close() };
  } catch (error) {
    await connected.close();
    throw error;
  }
}

/** Runs `body` with the card open, and powers it off afterwards whatever happens. */
export async function withCard<T>(readers: CardReaders, iType: unknown, body: (card: OpenCard) => Promise<T>): Promise<T> {
  const card = await openCard(readers, iType);
  try {
    return await body(card);
  } finally {
    await card.close();
  }
}

/** SC §1.1.3 (3): power the PSAM; none → −2201 (the caller falls back to the HSM functions, SC §10.5). */
export async function openPsam(readers: CardReaders): Promise<OpenPsam> {
  const connected = await readers.connectPsam();
  if (connected === undefined) throw new ReaderFunctionError(RETURN_CODE.noPsam);
  try {
    const session = await PsamSession.open(new CardChannel(connected.transport));
    return { session, keys: new PsamKeyProvider(session), close: () => connected.close() };
  } catch (error) {
    await connected.close();
    throw error;
  }
}

/** The card and the PSAM, both powered for `body` (the PSAM-first functions of SC §10.5). */
export async function withCardAndPsam<T>(
  readers: CardReaders,
  iType: unknown,
  body: (card: OpenCard, psam: OpenPsam) => Promise<T>,
): Promise<T> {
  return withCard(readers, iType, async (card) => {
    const psam = await openPsam(readers);
    try {
      return await body(card, psam);
    } finally {
      await psam.close();
    }
  });
}

/**
 * Step1 of an HSM variant: runs `body` with the card open and leaves it powered when the outcome
 * waits for a next step (its random must stay current); powers it off otherwise.
 */
export async function withCardHeld(
  readers: CardReaders,
  iType: unknown,
  body: (card: OpenCard) => Promise<StepOutcome>,
): Promise<StepOutcome> {
  const card = await openCard(readers, iType);
  try {
    const outcome = await body(card);
    if (outcome.next === undefined) await card.close();
    return outcome;
  } catch (error) {
    await card.close();
    throw error;
  }
}
/** The PSAM's terminal number when there is a PSAM, else 12 zeros (SC fn 1.3.2). */
export async function terminalNumber(readers: CardReaders): Promise<string> {
  const psam = await openPsam(readers).catch(() => undefined);
  if (psam === undefined) return NO_TERMINAL_NUMBER;
  try {
    return psam.session.info.terminalNumber;
  } finally {
    await psam.close();
  }
}
