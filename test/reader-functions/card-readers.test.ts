// iType onto a terminal with a separate contact and contactless reader (card-spec §10.3): the
// card is found on the interface the iType names first, or — automatic iTypes only — on the other.
import { describe, expect, it } from 'vitest';
import { EmulatorTransport, openCard } from '../../emulator/index.js';
import type { CardInterfaceKind, CardReaders } from '../../src/reader-functions/card-readers.js';
import { ReaderFunctions } from '../../src/reader-functions/reader-functions.js';
import { TransportError } from '../../src/transport/transport-error.js';
import { expectedCardBas } from './profile-facts.js';

/** Two readers: the card on `holding` (presented on that interface), the other empty; no PSAM. */
function twoReaders(holding: CardInterfaceKind): CardReaders {
  const card = openCard({ profile: 'default', cardInterface: holding });
  return {
    async connectCard(kind) {
      if (kind !== holding) throw new TransportError('no-card', `no card in the ${kind} reader`);
      const transport = new EmulatorTransport(card, `${kind} reader`);
      return { transport, atr: await transport.connect(), close: () => transport.close() };
    },
    async connectPsam() {
      return undefined;
    },
  };
}

describe('iType with a contact and a contactless reader', () => {
  it('1 and 2 look at their own reader only; 3 and 4 go on to the other when the first is empty', async () => {
    const contactOnly = new ReaderFunctions(twoReaders('contact'));
    const contactlessOnly = new ReaderFunctions(twoReaders('contactless'));
    const step1 = (functions: ReaderFunctions, iType: number) => functions.call('iReadCardBas_HSM_Step1', { iType });
    expect((await step1(contactOnly, 1)).code).toBe(0);
    expect((await step1(contactOnly, 2)).code).toBe(-2);
    expect((await step1(contactOnly, 4)).code).toBe(0);
    expect((await step1(contactlessOnly, 1)).code).toBe(-2);
    expect((await step1(contactlessOnly, 3)).code).toBe(0);
    // The ATS carries the contact ATR's historical bytes (the card factor): the same card data either way.
    const contactless = (await step1(contactlessOnly, 2)).pOutInfo.split('|');
    const contact = (await step1(contactOnly, 1)).pOutInfo.split('|');
    expect(contactless.slice(0, 4)).toEqual(contact.slice(0, 4));
    expect(expectedCardBas()).toContain(contact[3]);
    await contactOnly.close();
    await contactlessOnly.close();
  });
});
