import { type AuthenticationProof, parseAuthenticationProof } from '../applications/keys/hsm-request.js';
import type { ReaderFunctionInputs } from './reader-function-call.js';
import { RETURN_CODE, ReaderFunctionError } from './return-codes.js';

type TextInput = Exclude<keyof ReaderFunctionInputs, 'iType' | 'iAuthType'>;

/** A text input the function needs: missing or not a string → −14 (parameter error). Secrets are never quoted. */
export function requireText(inputs: ReaderFunctionInputs, name: TextInput): string {
  const value = inputs[name];
  if (typeof value !== 'string' || value === '') throw new ReaderFunctionError(RETURN_CODE.parameter, `缺少参数 ${name}`);
  return value;
}

/** `a|b|c|`: the fields of a `|`-separated input with its trailing `|`; a wrong count → −23. */
export function splitFields(text: string, name: TextInput, count: number): string[] {
  const fields = text.endsWith('|') ? text.slice(0, -1).split('|') : [];
  if (fields.length !== count) {
    throw new ReaderFunctionError(RETURN_CODE.invalidInput, `${name} 应为 ${count} 个以“|”结尾的数据项`);
  }
  return fields;
}

/** A hex field of `bytes` bytes in a pKey: wrong characters → −41, wrong length → −42 (SC annex A). */
export function hexInput(text: string, bytes: number, what: string): string {
  if (!/^[0-9A-Fa-f]*$/.test(text)) throw new ReaderFunctionError(RETURN_CODE.illegalCharacters, `${what} 不是十六进制`);
  if (text.length !== bytes * 2) throw new ReaderFunctionError(RETURN_CODE.dataLength, `${what} 应为 ${bytes * 2} 位十六进制`);
  return text.toUpperCase();
}

/** auth ‖ original, 32 hex digits: other characters → −41, another length → −42 (SC annex A). */
export function proofOf(text: string, what: string): AuthenticationProof {
  return parseAuthenticationProof(hexInput(text, 16, what));
}
