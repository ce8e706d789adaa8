import { isContactlessAtr } from '../apdu/atr.js';
import type { CardTransport } from '../transport/card-transport.js';
import { TransportError } from '../transport/transport-error.js';
import { RETURN_CODE, ReaderFunctionError } from './return-codes.js';

/** The two ways a reader reaches the user card. */
export type CardInterfaceKind = 'contact' | 'contactless';

/** A card powered in a reader: its transport (connected), its ATR, and how to let it go. */
export interface ConnectedCard {
  transport: CardTransport;
  atr: Uint8Array;
  close(): Promise<void>;
}

/**
 * The terminal's readers as the reader functions use them: the user card on an interface (one
 * dual-interface reader, or a contact and a contactless reader), and the PSAM. A backend
 * (PC/SC readers, the emulated card and PSAM) implements it.
 */
export interface CardReaders {
  /** Powers the user card on `kind`; a TransportError ('no-card', 'no-reader'…) when it is not there. */
  connectCard(kind: CardInterfaceKind): Promise<ConnectedCard>;
  /** Powers the PSAM; undefined when the terminal has none (the functions answer −2201). */
  connectPsam(): Promise<ConnectedCard | undefined>;
  /** The terminal device number (终端设备号) of iReadCardBas; empty when there is none. */
  readonly deviceNumber?: string;
}

/**
 * SC §1.1.2 iType: 1 contact, 2 contactless, 3 auto with contact first, 4 auto with contactless
 * first. The interfaces to try, in order.
 */
export function interfacesFor(iType: unknown): CardInterfaceKind[] {
  switch (iType) {
    case 1:
      return ['contact'];
    case 2:
      return ['contactless'];
    case 3:
      return ['contact', 'contactless'];
    case 4:
      return ['contactless', 'contact'];
    default:
      throw new ReaderFunctionError(RETURN_CODE.parameter, 'iType 为 1 接触、2 非接触、3 自动（接触优先）或 4 自动（非接触优先）');
  }
}

/**
 * Powers the card on the first interface of `iType` that holds one. An automatic iType goes on to
 * the next interface only when there is no card (or no reader) on the first; the first interface's
 * failure is reported when neither has a card.
 */
export async function connectByType(readers: CardReaders, iType: unknown): Promise<ConnectedCard> {
  const order = interfacesFor(iType);
  let first: unknown;
  for (const kind of order) {
    try {
      return await connectOn(readers, kind);
    } catch (error) {
      if (!isAbsent(error)) throw error;
      first ??= error;
    }
  }
  throw first;
}

/** A dual-interface reader names one card for both interfaces: its ATR says which one it is on. */
async function connectOn(readers: CardReaders, kind: CardInterfaceKind): Promise<ConnectedCard> {
  const card = await readers.connectCard(kind);
  if (isContactlessAtr(card.atr) === (kind === 'contactless')) return card;
  await card.close();
  throw new TransportError('no-card', `no card on the ${kind} interface`);
}

function isAbsent(error: unknown): boolean {
  return error instanceof TransportError && (error.reason === 'no-card' || error.reason === 'no-reader' || error.reason === 'card-removed');
}
