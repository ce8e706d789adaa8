import { CommandApdu } from '../../apdu/command-apdu.js';
import { concatBytes } from '../../bytes/bytes.js';

/**
 * Issuer commands under a MAC (card-facts §4; formats in emulator/README.md): the MAC input is
 * CLA INS P1 P2 Lc ‖ data with Lc counting the 4 MAC bytes; IV = the challenge just fetched.
 */
export function macInputFor(cla: number, ins: number, p1: number, p2: number, data: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(cla, ins, p1, p2, data.length + 4), data);
}

export function withMac(cla: number, ins: number, p1: number, p2: number, data: Uint8Array, mac: Uint8Array): CommandApdu {
  return new CommandApdu({ cla, ins, p1, p2, data: concatBytes(data, mac) });
}

/** What each issuer operation sends, before its MAC. */
export const ISSUER_OPS = {
  unblockPin: { cla: 0x84, ins: 0x24, p1: 0x00, p2: 0x00, key: 'pin-unblock' },
  reloadPin: { cla: 0x84, ins: 0x5e, p1: 0x00, p2: 0x00, key: 'pin-reload' },
  blockApplication: { cla: 0x84, ins: 0x1e, p1: 0x00, p2: 0x00, key: 'app-block' },
  blockApplicationPermanently: { cla: 0x84, ins: 0x1e, p1: 0x00, p2: 0x01, key: 'app-block' },
  unblockApplication: { cla: 0x84, ins: 0x18, p1: 0x00, p2: 0x00, key: 'app-unblock' },
} as const;
