/**
 * Child process of the tearing tests: one card from a profile and a state file, fixed "random"
 * (so the test can compute MACs and cryptograms ahead), the APDUs from argv; the crash point is
 * armed only for the LAST command, so the kill happens in exactly the state write under test.
 *   node tearing-runner.mjs <emulator entry module> <profile> <state> <contact|contactless> <crash point|-> <apdu>...
 * Plain JavaScript so it can run the built emulator (dist/) without a TypeScript loader: a
 * process start per crash point stays cheap.
 */
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [entry, profile, state, cardInterface, crashAt, ...apdus] = process.argv.slice(2);
const { openCard, CRASH_AT_ENV } = await import(pathToFileURL(entry).href);
delete process.env[CRASH_AT_ENV];
const random = (n) => Uint8Array.from({ length: n }, (_, i) => 0xa5 ^ i);
const card = openCard({ profile, state, cardInterface, random });
card.powerOn();
apdus.forEach((hex, i) => {
  if (i === apdus.length - 1 && crashAt !== '-') process.env[CRASH_AT_ENV] = crashAt;
  const response = card.transmit(Uint8Array.from(Buffer.from(hex, 'hex')));
  writeSync(1, `${Buffer.from(response).toString('hex').toUpperCase()}\n`);
});
