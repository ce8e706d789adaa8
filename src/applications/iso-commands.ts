import { CommandApdu } from '../apdu/command-apdu.js';

/** Builders for the ISO 7816-4 commands every application session uses. */

export function selectByName(name: Uint8Array, options: { next?: boolean; le?: number } = {}): CommandApdu {
  return new CommandApdu({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: options.next ? 0x02 : 0x00, data: name, le: options.le ?? 256 });
}

/** SELECT by file id; P1 00 (any file) or 02 (EF under the current DF), both used by real terminals. */
export function selectByFid(fid: number, p1: 0x00 | 0x01 | 0x02 = 0x00): CommandApdu {
  return new CommandApdu({ cla: 0x00, ins: 0xa4, p1, p2: 0x00, data: Uint8Array.of(fid >> 8, fid & 0xff) });
}

/** READ RECORD of record `n` in the current EF (sfi 0) or in the EF with that SFI. */
export function readRecordByNumber(n: number, sfi = 0, le = 256): CommandApdu {
  return new CommandApdu({ cla: 0x00, ins: 0xb2, p1: n, p2: (sfi << 3) | 0x04, le });
}

/** READ RECORD of the first record whose TLV tag is `tag`, in the current EF (sfi 0) or by SFI. */
export function readRecordByTag(tag: number, sfi = 0, le = 256): CommandApdu {
  return new CommandApdu({ cla: 0x00, ins: 0xb2, p1: tag, p2: sfi << 3, le });
}

export function readBinary(offset: number, le: number, sfi?: number): CommandApdu {
  if (sfi !== undefined) return new CommandApdu({ cla: 0x00, ins: 0xb0, p1: 0x80 | sfi, p2: offset & 0xff, le });
  return new CommandApdu({ cla: 0x00, ins: 0xb0, p1: (offset >> 8) & 0x7f, p2: offset & 0xff, le });
}

export function verify(pinBlock: Uint8Array, reference = 0x00, p1 = 0x00): CommandApdu {
  return new CommandApdu({ cla: 0x00, ins: 0x20, p1, p2: reference, data: pinBlock });
}

/** VERIFY without data asks for the tries left (63Cx) without spending one. */
export function verifyStatus(reference = 0x00): CommandApdu {
  return new CommandApdu({ cla: 0x00, ins: 0x20, p1: 0x00, p2: reference });
}

export function getChallenge(length: 4 | 8 | 16): CommandApdu {
  return new CommandApdu({ cla: 0x00, ins: 0x84, p1: 0x00, p2: 0x00, le: length });
}

export function externalAuthenticate(keyId: number, cryptogram: Uint8Array): CommandApdu {
  return new CommandApdu({ cla: 0x00, ins: 0x82, p1: 0x00, p2: keyId, data: cryptogram });
}

export function internalAuthenticate(keyId: number, data: Uint8Array): CommandApdu {
  return new CommandApdu({ cla: 0x00, ins: 0x88, p1: 0x00, p2: keyId, data, le: 256 });
}

export function getData(tag: number, cla = 0x80): CommandApdu {
  return new CommandApdu({ cla, ins: 0xca, p1: tag >> 8, p2: tag & 0xff, le: 256 });
}
