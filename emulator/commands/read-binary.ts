import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import type { CardContext } from '../card-context.js';
import { SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import { binaryTarget } from './file-addressing.js';

/**
 * READ BINARY `00 B0 P1 P2 Le` (P1 b8=1: SFI form). Reads up to Le bytes from the offset;
 * Le=00 means "what is there, up to 256". An explicit Le that runs past the end of the file
 * gets the bytes up to the end with 6282 (T=1) — on T=0 the response shaper turns that into 6Cxx.
 */
export const readBinaryCommand: CommandRoute = { name: 'READ BINARY', cla: [0x00, 0x04], ins: 0xb0, handler: readBinary };

function readBinary(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  const { ef, offset } = binaryTarget(ctx, apdu.p1, apdu.p2);
  ctx.authorize(ef, 'read', apdu);
  const max = apdu.extended ? 65536 : 256;
  const ne = apdu.le ?? max;
  const available = ef.size - offset;
  const data = ef.content.slice(offset, offset + Math.min(ne, available));
  const short = apdu.le !== undefined && ne !== max && ne > available;
  return { data, sw: short ? SW.END_OF_FILE : SW.OK };
}
