import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import type { CardContext } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import { binaryTarget } from './file-addressing.js';

/** UPDATE BINARY `00 D6 P1 P2 Lc data` (or `04 D6 … data ‖ MAC` where the file wants a MAC). */
export const updateBinaryCommand: CommandRoute = { name: 'UPDATE BINARY', cla: [0x00, 0x04], ins: 0xd6, handler: updateBinary };

function updateBinary(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  const { ef, offset } = binaryTarget(ctx, apdu.p1, apdu.p2);
  const data = ctx.authorize(ef, 'update', apdu);
  if (data.length === 0 || offset + data.length > ef.size) throw new CardStatus(SW.WRONG_LENGTH, 'data does not fit in the file');
  const content = ef.content.slice();
  content.set(data, offset);
  ef.content = content;
  ef.written = true;
  ctx.markDirty();
  return undefined;
}
