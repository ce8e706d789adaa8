import { ApduError } from '../../apdu/apdu-error.js';
import { fromHex, toHex } from '../../bytes/hex.js';
import { findTlv, parseTlv, type Tlv } from '../../bytes/tlv.js';
import type { CardChannel } from '../../channel/card-channel.js';
import { readRecordByNumber, selectByName } from '../iso-commands.js';
import { PBOC_AIDS, PPSE_NAME, PSE_NAME, TAG } from './pboc-constants.js';
import type { ApplicationCandidate } from './pboc-records.js';

/**
 * The applications the card's directory lists, best priority first: the PPSE's FCI on the
 * contactless interface, the PSE's record file on contact (EMV Book 1 §12.3). A card without the
 * directory (6A82) yields the known PBOC AIDs, to be tried in turn.
 */
export async function listApplications(
  channel: CardChannel,
  contactless: boolean,
): Promise<{ candidates: ApplicationCandidate[]; fromDirectory: boolean }> {
  const select = await channel.transmitRaw(selectByName(contactless ? PPSE_NAME : PSE_NAME));
  if (select.sw === 0x6a82) {
    return { candidates: Object.values(PBOC_AIDS).map((aid) => ({ aid })), fromDirectory: false };
  }
  if (select.sw !== 0x9000) throw new ApduError(select.sw, select.data, `selecting ${contactless ? 'PPSE' : 'PSE'}`);
  const fci = parseTlv(select.data);
  const entries: Tlv[] = [];
  if (contactless) {
    const bf0c = deepFind(fci, TAG.issuerDiscretionary);
    for (const child of bf0c?.children ?? []) if (child.tag === TAG.directoryEntry) entries.push(child);
  } else {
    const sfi = deepFind(fci, TAG.sfi)?.value[0] ?? 1;
    for (let n = 1; n <= 16; n++) {
      const r = await channel.transmitRaw(readRecordByNumber(n, sfi));
      if (r.sw === 0x6a83) break;
      if (r.sw !== 0x9000) throw new ApduError(r.sw, r.data, `reading PSE record ${n}`);
      const template = findTlv(parseTlv(r.data), TAG.recordTemplate);
      for (const child of template?.children ?? []) if (child.tag === TAG.directoryEntry) entries.push(child);
    }
  }
  const candidates = entries.flatMap((entry) => {
    const children = entry.children ?? [];
    const aid = findTlv(children, TAG.aid)?.value;
    if (aid === undefined) return [];
    const label = findTlv(children, TAG.label)?.value;
    const priority = findTlv(children, TAG.priority)?.value[0];
    const c: ApplicationCandidate = { aid: toHex(aid) };
    if (label !== undefined) c.label = new TextDecoder('latin1').decode(label);
    if (priority !== undefined && (priority & 0x0f) !== 0) c.priority = priority & 0x0f;
    return [c];
  });
  // Stable sort: priority 1 first, entries without a priority last, directory order otherwise.
  candidates.sort((a, b) => (a.priority ?? 16) - (b.priority ?? 16));
  return { candidates, fromDirectory: true };
}

export function deepFind(objects: Tlv[], tag: number): Tlv | undefined {
  for (const o of objects) {
    if (o.tag === tag) return o;
    const inner = o.children === undefined ? undefined : deepFind(o.children, tag);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

export function aidBytes(aid: string): Uint8Array {
  return fromHex(aid, 'AID');
}
