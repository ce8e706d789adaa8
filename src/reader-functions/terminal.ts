import { ApduError } from '../apdu/apdu-error.js';
import { type HsmConnection, HsmKeyProvider } from '../applications/keys/hsm-key-provider.js';
import { HsmPurchaseSecurity } from '../applications/keys/hsm-purchase-security.js';
import { KeyNotFoundError } from '../applications/keys/software-key-provider.js';
import type { PurchaseSecurity } from '../applications/medical/purchase-security.js';
import { PsamKeyProvider } from '../applications/psam/psam-key-provider.js';
import { PsamPurchaseSecurity } from '../applications/psam/psam-purchase-security.js';
import { PsamSession } from '../applications/psam/psam-session.js';
import { SocialSecuritySession } from '../applications/social-security/social-security-session.js';
import { fromHex } from '../bytes/hex.js';
import { CardChannel } from '../channel/card-channel.js';
import type { KeyProvider } from '../channel/key-provider.js';
import { type CardReaders, type ConnectedCard, connectByType } from './card-readers.js';
import type { StepOutcome } from './pending-step.js';
import { RETURN_CODE, ReaderFunctionError } from './return-codes.js';

/** Without a PSAM the terminal number is 12 zeros (SC fn 1.3.2, 8.2.2). */
const NO_TERMINAL_NUMBER = '000000000000';

/**
 * What the functions run on: the terminal's readers, and the encryption machine it turns to where
 * the specification falls back from the PSAM (card-spec §10.3 last bullet, SC §10.5); without
 * one, those functions answer the fallback code and the caller drives the _HSM_ steps itself.
 */
export interface Terminal {
  readers: CardReaders;
  hsm?: HsmConnection | undefined;
}

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

/** SC §1.1.3 (3): power the PSAM; undefined when the terminal has none. */
async function connectPsam(readers: CardReaders): Promise<OpenPsam | undefined> {
  const connected = await readers.connectPsam();
  if (connected === undefined) return undefined;
  try {
    const session = await PsamSession.open(new CardChannel(connected.transport));
    return { session, keys: new PsamKeyProvider(session), close: () => connected.close() };
  } catch (error) {
    await connected.close();
    throw error;
  }
}

/** Where a PSAM-first function's keys come from for one call, and the terminal number that goes with them. */
export interface TerminalKeys {
  keys: KeyProvider;
  /** A medical purchase's MAC1 and MAC2 check: the PSAM's, or without one the HSM's (HsmPurchaseSecurity). */
  purchase: PurchaseSecurity;
  /** The PSAM's EF 0016; 12 zeros when there is no PSAM (SC fn 1.3.2), also with the HSM. */
  terminalNumber: string;
  close(): Promise<void>;
}

/**
 * The one place the PSAM-first functions get their keys (card-spec §10.3 last bullet, SC §10.5):
 * the PSAM first. With an HSM configured the terminal falls back to it where the specification
 * does: no PSAM (−2201) → every key from the HSM; a PSAM without the key asked for (6A88, −27272;
 * for RKSSSE −2203) → that key from the HSM. −2202 is the card's SSF33, which the HSM requests do
 * not cover either, and sscard's PSAM path has no −24: those stay. A purchase's MAC1 and MAC2
 * check come from the PSAM, or without one from the HSM (sscard's MAC2-check request).
 */
export async function openTerminalKeys(terminal: Terminal): Promise<TerminalKeys> {
  const psam = await connectPsam(terminal.readers);
  const hsm = terminal.hsm;
  if (psam === undefined) {
    if (hsm === undefined) throw new ReaderFunctionError(RETURN_CODE.noPsam);
    const purchase = new HsmPurchaseSecurity(hsm, fromHex(NO_TERMINAL_NUMBER));
    return { keys: new HsmKeyProvider(hsm), purchase, terminalNumber: NO_TERMINAL_NUMBER, close: async () => {} };
  }
  return {
    keys: hsm === undefined ? psam.keys : psamThenHsm(psam.keys, new HsmKeyProvider(hsm)),
    purchase: new PsamPurchaseSecurity(psam.session),
    terminalNumber: psam.session.info.terminalNumber,
    close: () => psam.close(),
  };
}

/** The card and the terminal's keys (openTerminalKeys), both ready for `body`. */
export async function withCardAndKeys<T>(
  terminal: Terminal,
  iType: unknown,
  body: (card: OpenCard, keys: TerminalKeys) => Promise<T>,
): Promise<T> {
  return withCard(terminal.readers, iType, async (card) => {
    const keys = await openTerminalKeys(terminal);
    try {
      return await body(card, keys);
    } finally {
      await keys.close();
    }
  });
}

/** The PSAM does not hold the key: it answered 6A88, or PsamKeyProvider knows no reference for it. */
export function isMissingPsamKey(error: unknown): boolean {
  return error instanceof KeyNotFoundError || (error instanceof ApduError && error.sw === 0x6a88);
}

/** Each key from the PSAM, or from the HSM where the PSAM lacks it (SC §10.5: −27272, −2203). */
function psamThenHsm(psam: KeyProvider, hsm: KeyProvider): KeyProvider {
  const fallback = <T>(error: unknown, fromHsm: () => Promise<T>): Promise<T> => {
    if (isMissingPsamKey(error)) return fromHsm();
    throw error;
  };
  return {
    authenticationData: (request) => psam.authenticationData(request).catch((e) => fallback(e, () => hsm.authenticationData(request))),
    protectCommand: (request) => psam.protectCommand(request).catch((e) => fallback(e, () => hsm.protectCommand(request))),
  };
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
  const psam = await connectPsam(readers).catch(() => undefined);
  if (psam === undefined) return NO_TERMINAL_NUMBER;
  try {
    return psam.session.info.terminalNumber;
  } finally {
    await psam.close();
  }
}
