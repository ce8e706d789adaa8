import { parseHex } from '../bytes/hex.js';
import { InputError } from '../errors.js';

export function parseStatusWord(text: string): number {
  const bytes = parseHex(text, 'status word');
  if (bytes.length !== 2) throw new InputError('status word', `status word must be 2 bytes (4 hex digits), got ${bytes.length}`);
  return (bytes[0]! << 8) | bytes[1]!;
}
