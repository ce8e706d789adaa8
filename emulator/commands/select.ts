import type { CommandApdu } from '../../src/apdu/command-apdu.js';
import { bytesEqual } from '../../src/bytes/bytes.js';
import type { CardContext } from '../card-context.js';
import { CardStatus, SW } from '../card-status.js';
import type { CommandRoute, HandlerResult } from '../command-route.js';
import { dfFci, dfFcp, efFcp } from '../fci.js';
import type { CardFile, DedicatedFile, ElementaryFile } from '../file-system.js';

const MF_FID = 0x3f00;

/**
 * SELECT `00 A4 P1 P2 [Lc data] [Le]`.
 * P1: 00 FID (MF, DF or EF: a child of the current DF, the current DF, its parent or a sibling
 * DF), 01 child DF, 02 EF of the current DF, 03 parent DF, 04 DF name (full or leading part),
 * 08 path from the MF, 09 path from the current DF.
 * P2 b2b1 (P1=04): 00 first occurrence, 10 next occurrence. P2 b4b3: 00 FCI, 04 FCP, 08 FMD
 * (answered with no data), 0C no data. An EF answers FCI requests with no data.
 * A permanently blocked application is made current but answers 9303 and no FCI (P5 §6.11 T39).
 */
export const selectCommand: CommandRoute = {
  name: 'SELECT',
  cla: [0x00],
  ins: 0xa4,
  allowedWhenBlocked: true,
  handler: select,
};

function select(ctx: CardContext, apdu: CommandApdu): HandlerResult {
  const { p1, p2, data } = apdu;
  if ((p2 & 0xf0) !== 0) throw new CardStatus(SW.WRONG_P1P2);
  const occurrence = p2 & 0x03;
  if (occurrence !== 0 && !(p1 === 0x04 && occurrence === 0x02)) throw new CardStatus(SW.WRONG_P1P2, 'only first and next occurrence');
  const target = resolve(ctx, p1, occurrence, data);
  if (target.kind === 'df') {
    ctx.selectDf(target);
    ctx.onDfSelected(target);
  } else {
    ctx.selectEf(target);
  }
  if (target.kind === 'df' && target.isBlocked()) throw new CardStatus(SW.APPLICATION_BLOCKED, 'application blocked');
  const response = p2 & 0x0c;
  let out: Uint8Array | undefined;
  if (response === 0x00 && target.kind === 'df') out = dfFci(target);
  if (response === 0x04) out = target.kind === 'df' ? dfFcp(target) : efFcp(target);
  return out ?? undefined;
}

function resolve(ctx: CardContext, p1: number, occurrence: number, data: Uint8Array): CardFile {
  switch (p1) {
    case 0x00: {
      if (data.length === 0) return ctx.mf;
      return byFid(ctx, fid(data));
    }
    case 0x01:
      return ctx.currentDf.dedicatedFiles().find((df) => df.fid === fid(data)) ?? notFound();
    case 0x02:
      return ctx.currentDf.elementaryFiles().find((ef) => ef.fid === fid(data)) ?? notFound();
    case 0x03:
      if (data.length !== 0) throw new CardStatus(SW.WRONG_LENGTH);
      return ctx.currentDf.parent ?? notFound();
    case 0x04:
      return byName(ctx, data, occurrence);
    case 0x08:
      return byPath(ctx.mf, data, true);
    case 0x09:
      return byPath(ctx.currentDf, data, false);
    default:
      throw new CardStatus(SW.WRONG_P1P2);
  }
}

function fid(data: Uint8Array): number {
  if (data.length !== 2) throw new CardStatus(SW.WRONG_LENGTH, 'a FID is 2 bytes');
  return (data[0]! << 8) | data[1]!;
}

function notFound(): never {
  throw new CardStatus(SW.FILE_NOT_FOUND);
}

function byFid(ctx: CardContext, id: number): CardFile {
  if (id === MF_FID) return ctx.mf;
  const current = ctx.currentDf;
  const child = current.children.find((c) => c.fid === id);
  if (child !== undefined) return child;
  if (current.fid === id) return current;
  const parent = current.parent;
  if (parent !== undefined) {
    if (parent.fid === id) return parent;
    const sibling = parent.dedicatedFiles().find((df) => df.fid === id);
    if (sibling !== undefined) return sibling;
  }
  return notFound();
}

/** DF names are matched over the whole card, depth-first from the MF; `data` may be a leading part. */
function byName(ctx: CardContext, name: Uint8Array, occurrence: number): DedicatedFile {
  if (name.length === 0) return ctx.mf;
  if (name.length > 16) throw new CardStatus(SW.WRONG_LENGTH);
  const matches = [...ctx.mf.walk()].filter(
    (df) => df.dfName !== undefined && df.dfName.length >= name.length && bytesEqual(df.dfName.subarray(0, name.length), name),
  );
  if (occurrence === 0x02) {
    const at = matches.indexOf(ctx.currentDf);
    if (at >= 0) return matches[at + 1] ?? notFound();
  }
  return matches[0] ?? notFound();
}

function byPath(start: DedicatedFile, path: Uint8Array, fromMf: boolean): CardFile {
  if (path.length === 0 || path.length % 2 !== 0) throw new CardStatus(SW.WRONG_LENGTH);
  let file: CardFile = start;
  for (let i = 0; i < path.length; i += 2) {
    const id = (path[i]! << 8) | path[i + 1]!;
    if (i === 0 && fromMf && id === MF_FID) continue;
    if (file.kind !== 'df') return notFound();
    const next: DedicatedFile | ElementaryFile | undefined = file.children.find((c) => c.fid === id);
    file = next ?? notFound();
  }
  return file;
}
