import { BadResponseError } from '../../apdu/apdu-error.js';
import type { CardAlgorithm } from '../../channel/key-provider.js';

/** The algorithm id of the INITIALIZE answers, FCI numbering (emulator/README.md "Choices"): 01 DES/3DES, 03 SM4. */
export function purseAlgorithm(algorithmId: number): CardAlgorithm {
  if (algorithmId === 0x01) return '3des';
  if (algorithmId === 0x03) return 'sm4';
  throw new BadResponseError(`the card names purse algorithm ${algorithmId.toString(16).padStart(2, '0')}, which sscard does not know`);
}
