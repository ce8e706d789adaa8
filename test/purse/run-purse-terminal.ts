/**
 * Child process of the purse tearing tests: a default card from a state file, driven by a terminal
 * written with the independent reference. Ops: `load:<fen>`, `buy:<fen>`, `metro:<fen>` (compound
 * purchase with a trip record), `load-init:<fen>` / `buy-init:<fen>` (INITIALIZE only: the
 * terminal walks away). Prints one line per APDU answer, written before the next command can kill
 * the process.
 *   node --import tsx test/purse/run-purse-terminal.ts <state.json> <op>...
 */
import { writeSync } from 'node:fs';
import { openCard } from '../../emulator/open-card.js';
import { refKeys, refLoad, refPurchase, u32 } from './purse-reference-terminal.js';
import { purseKeyFile, SELECT_PURSE, TERM } from './purse-test-card.js';

const [state, ...ops] = process.argv.slice(2);
const card = openCard({ profile: 'default', state: state!, cardInterface: 'contactless' });
card.powerOn();
const send = (hex: string): string => {
  const answer = Buffer.from(card.transmit(Uint8Array.from(Buffer.from(hex, 'hex'))))
    .toString('hex')
    .toUpperCase();
  writeSync(1, `${hex.slice(0, 8)} ${answer}\n`);
  return answer;
};
send(SELECT_PURSE);
const asn8 = send('00B0950000').slice(24, 40);
const k = refKeys(purseKeyFile(), asn8, '3des');
let seq = Date.now() % 100000;
for (const op of ops) {
  const [kind, amountText] = op.split(':') as [string, string];
  const amount = Number(amountText);
  if (kind === 'load' || kind === 'load-init') {
    const l = refLoad(send, k, amount);
    if (kind === 'load' && l.credit) send(l.credit);
  } else {
    const metro = kind === 'metro';
    const p = refPurchase(send, k, amount, { seq: seq++, ...(metro ? { p1: '03' as const } : {}) });
    if (p.debit && kind !== 'buy-init') {
      if (metro) {
        const balance = Number.parseInt(p.balance!, 16);
        send(`80DC00F030${'02'}${p.atc}${u32(amount)}${TERM}20240315101530${u32(balance - amount)}0A0B0C0D${'00'.repeat(20)}`);
      }
      send(p.debit);
    }
  }
}
