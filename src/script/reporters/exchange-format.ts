import { decodeStatusWord } from '../../apdu/status-words.js';
import { toSpacedHex } from '../../bytes/hex.js';
import { maskCommandForTrace } from '../../channel/secret-masking.js';

const meanings = new Map<number, string>();

/** The status word's meaning, looked up once per distinct SW (a long run repeats a handful). */
export function swMeaning(sw: number): string {
  let m = meanings.get(sw);
  if (m === undefined) {
    m = decodeStatusWord(sw).meaning;
    meanings.set(sw, m);
  }
  return m;
}

/** `> 00 A4 …` with PINs and keys masked. */
export function commandLine(command: Uint8Array): string {
  return `> ${maskCommandForTrace(command)}`;
}

/** `< 6F 1C … 90 00 : meaning` as scriptor prints it. */
export function responseLine(response: Uint8Array, sw: number): string {
  return `< ${toSpacedHex(response)} : ${swMeaning(sw)}`;
}
