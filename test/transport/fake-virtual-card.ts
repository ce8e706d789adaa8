import type { VirtualCard } from '../../emulator/virtual-card.js';

/**
 * A minimal VirtualCard for transport tests: answers `00 A4 …` with 9000, a case-2 command
 * `80 CA 00 00 Le` with Le bytes 0..Le-1 + 9000 (Le 00 = 256, extended 00 HH LL honoured), echoes
 * the data of `80 EE` + 9000, and 6D00 otherwise. Records the control events it saw.
 */
export class FakeVirtualCard implements VirtualCard {
  readonly events: string[] = [];
  readonly commands: Uint8Array[] = [];
  powered = false;
  constructor(readonly atr: Uint8Array = new Uint8Array([0x3b, 0x02, 0x14, 0x50])) {}

  powerOn(): Uint8Array {
    this.events.push('on');
    this.powered = true;
    return this.atr;
  }
  powerOff(): void {
    this.events.push('off');
    this.powered = false;
  }
  reset(): Uint8Array {
    this.events.push('reset');
    this.powered = true;
    return this.atr;
  }
  transmit(command: Uint8Array): Uint8Array {
    this.commands.push(command);
    const ins = command[1];
    if (ins === 0xa4) return new Uint8Array([0x90, 0x00]);
    if (ins === 0xca) {
      let le = command[4] ?? 0;
      if (command.length === 5 && le === 0) le = 256;
      if (command.length === 7 && le === 0) le = (command[5]! << 8) | command[6]! || 65536;
      const out = new Uint8Array(le + 2);
      for (let i = 0; i < le; i++) out[i] = i & 0xff;
      out[le] = 0x90;
      return out;
    }
    if (ins === 0xee) {
      const extended = command[4] === 0 && command.length > 7;
      const lc = extended ? (command[5]! << 8) | command[6]! : (command[4] ?? 0);
      const start = extended ? 7 : 5;
      const out = new Uint8Array(lc + 2);
      out.set(command.subarray(start, start + lc));
      out[lc] = 0x90;
      return out;
    }
    return new Uint8Array([0x6d, 0x00]);
  }
}
