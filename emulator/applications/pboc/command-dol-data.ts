import { dolLength, parseDol, splitDolData } from '../../../src/bytes/dol.js';
import { DecodeError } from '../../../src/errors.js';
import { CardStatus, SW } from '../../card-status.js';

/**
 * The DOL-related data of a command (GPO's PDOL data, GENERATE AC's CDOL1 data) as values by tag.
 * The data must have exactly the DOL's length (6700); a DOL in the profile that does not parse is
 * the card's own fault (6F00).
 */
export function commandDolData(dolBytes: Uint8Array | undefined, data: Uint8Array, what: string): Map<number, Uint8Array> {
  let dol: ReturnType<typeof parseDol>;
  try {
    dol = dolBytes === undefined ? [] : parseDol(dolBytes, `${what} in the profile`);
  } catch (error) {
    if (error instanceof DecodeError) throw new CardStatus(SW.UNKNOWN_ERROR, error.message);
    throw error;
  }
  if (data.length !== dolLength(dol))
    throw new CardStatus(SW.WRONG_LENGTH, `${what} data of ${data.length} bytes, expected ${dolLength(dol)}`);
  return splitDolData(dol, data, `${what} data`);
}
