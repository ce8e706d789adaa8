// Issue 8: the in-process emulator's APDU rate for SELECT, READ RECORD, VERIFY and a full
// social-security card read (card data + cardholder through the SDK), against a bare
// function-call loop doing the same number of calls (the floor: what a call costs at all).

import { memoryLogger } from '../emulator/emulator-logger.js';
import { EmulatorTransport } from '../emulator/emulator-transport.js';
import { openCard } from '../emulator/open-card.js';
import { SocialSecuritySession } from '../src/applications/social-security/social-security-session.js';
import { fromHex } from '../src/bytes/hex.js';
import { CardChannel } from '../src/channel/card-channel.js';
import { type BenchRow, measure, measureSync } from './bench-types.js';

const SELECT_SSSE = fromHex('00A404000F7378312E73682EC9E7BBE1B1A3D5CF00');
const READ_RECORD = fromHex('00B2012C00'); // EF05 record 1 by SFI
const VERIFY = fromHex('0020000003123456');
const OK = Uint8Array.of(0x90, 0x00);

export default async function (): Promise<BenchRow[]> {
  // T=1 so every command answers in one exchange (no GET RESPONSE), as the rate is per APDU.
  const card = openCard({ profile: 'default', logger: memoryLogger() });
  card.profile.protocol = 'T=1';
  card.powerOn();
  card.transmit(SELECT_SSSE);

  // The floor: a function call taking the command and returning a fresh 2-byte answer.
  const bare = (command: Uint8Array): Uint8Array => (command.length > 0 ? OK.slice() : OK);
  const floor = measureSync(() => bare(READ_RECORD), 1000, 1000);

  const select = measureSync(() => card.transmit(SELECT_SSSE), 1000, 100);
  const readRecord = measureSync(() => card.transmit(READ_RECORD), 1000, 100);
  // VERIFY writes the PIN counter twice per command (decrement, restore) into the state store.
  const verify = measureSync(() => card.transmit(VERIFY), 1000, 50);

  // A full card read through the SDK: SELECT SSSE, card data (EF05) and cardholder (EF06) records.
  const sdkCard = openCard({ profile: 'default', logger: memoryLogger() });
  const transport = new EmulatorTransport(sdkCard);
  await transport.connect();
  const channel = new CardChannel(transport);
  let apdus = 0;
  const counting = { transmit: transport.transmit.bind(transport) };
  transport.transmit = async (bytes: Uint8Array) => {
    apdus++;
    return counting.transmit(bytes);
  };
  const fullRead = async () => {
    const session = await SocialSecuritySession.open(channel);
    await session.readCardData();
    await session.readCardholder();
  };
  await fullRead();
  const perRead = apdus;
  const reads = await measure(fullRead, 1500);

  const row = (name: string, ours: number, note?: string): BenchRow => ({
    group: 'emulator',
    name,
    ours,
    reference: 'bare function call',
    referenceValue: floor,
    unit: 'APDU/s',
    ...(note === undefined ? {} : { note }),
  });
  return [
    row('SELECT by DF name', select),
    row('READ RECORD (SFI)', readRecord),
    row('VERIFY (2 state writes, in memory)', verify),
    {
      group: 'emulator',
      name: `full card read via SDK (${perRead} APDUs)`,
      ours: reads * perRead,
      reference: 'bare function call',
      referenceValue: floor,
      unit: 'APDU/s',
      note: `${Math.round(reads)} card reads/s`,
    },
  ];
}
