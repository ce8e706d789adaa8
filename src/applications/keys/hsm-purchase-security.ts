import { bytesToUint } from '../../bytes/bytes.js';
import { toHex } from '../../bytes/hex.js';
import { SecurityError } from '../../errors.js';
import type { PurchaseInitRequest, PurchaseInitResult, PurchaseSecurity } from '../medical/purchase-security.js';
import type { HsmConnection } from './hsm-key-provider.js';
import {
  cardDataFields,
  HsmError,
  hexField,
  MAC2_RIGHT,
  type PurchaseMacRequest,
  purchaseMac2CheckFields,
  purchaseMacFields,
  requestFields,
  requestLine,
} from './hsm-request.js';

/**
 * The PurchaseSecurity of a terminal without a PSAM whose encryption machine does the PSAM's part
 * (hsm-request.ts): MAC1 from the MAC1 request, MAC2 checked by sscard's MAC2-check request.
 * `terminal` is the terminal number that goes into MAC1: 6 zero bytes without a PSAM (SC fn 8.2.2).
 */
export class HsmPurchaseSecurity implements PurchaseSecurity {
  private pending: { request: PurchaseMacRequest; card: PurchaseInitRequest['card']; terminalSeq: number } | undefined;

  constructor(
    private readonly hsm: HsmConnection,
    private readonly terminal: Uint8Array,
  ) {}

  async terminalId(): Promise<Uint8Array> {
    return this.terminal.slice();
  }

  async initPurchase(request: PurchaseInitRequest): Promise<PurchaseInitResult> {
    this.pending = undefined;
    const { card, ...init } = request;
    const macRequest = { ...init, terminalId: this.terminal };
    const answer = (await this.hsm.request(requestLine([...purchaseMacFields(macRequest), ...cardDataFields(card)]))).trim();
    const fields = answer.endsWith('|') ? requestFields(answer) : [];
    // Not quoted: the HSM's answer is whatever it sent back.
    if (fields.length !== 3) throw new HsmError('the HSM did not answer the MAC1 request with terminal seq | time | MAC1 |');
    const [seq, time, mac1] = fields as [string, string, string];
    if (toHex(hexField(time, 7)) !== toHex(request.time)) throw new HsmError('the HSM answered MAC1 for another transaction time');
    const terminalSeq = bytesToUint(hexField(seq, 4));
    this.pending = { request: macRequest, card, terminalSeq };
    return { terminalSeq, mac1: hexField(mac1, 4) };
  }

  async verifyMac2(mac2: Uint8Array): Promise<void> {
    const p = this.pending;
    this.pending = undefined;
    if (p === undefined) throw new SecurityError('MAC2 without a purchase in progress');
    const line = requestLine([...purchaseMac2CheckFields({ ...p.request, terminalSeq: p.terminalSeq, mac2 }), ...cardDataFields(p.card)]);
    if ((await this.hsm.request(line)).trim() !== MAC2_RIGHT) {
      throw new SecurityError("the HSM refused the card's MAC2: the card is not what it claims");
    }
  }
}
