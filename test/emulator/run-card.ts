/**
 * Child-process runner for the tearing tests: loads a card from a profile and a state file,
 * powers it on, sends each hex APDU from argv and prints one response (hex) per line.
 *   node --import tsx test/emulator/run-card.ts <profile.json> <state.json> [--contactless] <apdu>...
 * With SSCARD_EMULATOR_CRASH_AT=<point> set, the card kills itself at that write point.
 */
import { writeSync } from 'node:fs';
import { openCard } from '../../emulator/open-card.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';

const [profile, state, ...rest] = process.argv.slice(2);
if (profile === undefined || state === undefined) {
  process.stderr.write('usage: run-card.ts <profile.json> <state.json> [--contactless] <apdu>...\n');
  process.exit(2);
}
const contactless = rest[0] === '--contactless';
const card = openCard({ profile, state, cardInterface: contactless ? 'contactless' : 'contact' });
card.powerOn();
for (const hex of contactless ? rest.slice(1) : rest) {
  // writeSync: each answer is out before the next command can kill the process.
  writeSync(1, `${toHex(card.transmit(fromHex(hex)))}\n`);
}
