import { decodeStatusWord } from '../../apdu/status-words.js';
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

// Plain hex lines send the same Uint8Array every time: format each once.
const commandLines = new WeakMap<Uint8Array, string>();

/** `> 00 A4 …` with PINs and keys masked. */
export function commandLine(command: Uint8Array): string {
  let line = commandLines.get(command);
  if (line === undefined) {
    line = `> ${maskCommandForTrace(command)}`;
    commandLines.set(command, line);
  }
  return line;
}

const BYTE_HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** `< 6F 1C … 90 00 : meaning` as scriptor prints it. */
export function responseLine(response: Uint8Array, sw: number): string {
  let line = '<';
  for (let i = 0; i < response.length; i++) line += ` ${BYTE_HEX[response[i]!]}`;
  return `${line} : ${swMeaning(sw)}`;
}
