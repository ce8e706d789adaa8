import { purchaseMacFields, requestLine } from '../applications/keys/hsm-request.js';
import type { MedicalLogRecord } from '../applications/medical/medical-records.js';
import type { MedicalPurchase, PurchaseResult } from '../applications/medical/medical-session.js';
import type { PurchaseInitRequest, PurchaseInitResult, PurchaseSecurity } from '../applications/medical/purchase-security.js';
import { formatYuan, parseYuan } from '../bytes/amount.js';
import { uintToBytes } from '../bytes/bytes.js';
import { fromHex, toHex } from '../bytes/hex.js';
import { SecurityError } from '../errors.js';
import { checkCardInfo } from './card-info.js';
import { HsmStepPurchaseSecurity, startHsmFlow } from './hsm-steps.js';
import { requireText, splitFields } from './inputs.js';
import type { StepOutcome } from './pending-step.js';
import { pinSource } from './pin-entry.js';
import type { ReaderFunctionInputs } from './reader-function-call.js';
import { RETURN_CODE, ReaderFunctionError } from './return-codes.js';
import { type Terminal, terminalNumber, withCard, withCardAndKeys, withCardHeld } from './terminal.js';

/** SC fn 8.1.2 (3): each amount is below 42949672.95 yuan (4 bytes of fen). */
const MAX_FEN = 0xffffffff;

/** pPayInfo: total | account + pooling | YYYYMMDDHHMMSS |. */
export interface PayInfo {
  totalFen: number;
  accountAndPoolingFen: number;
  /** The transaction time, local (the terminal's clock). */
  when: Date;
}

/** SC fn 8.1.2 (3), checked: malformed amounts or time → −23. */
export function parsePayInfo(inputs: ReaderFunctionInputs): PayInfo {
  const [total, accountAndPooling, time] = splitFields(requireText(inputs, 'pPayInfo'), 'pPayInfo', 3) as [string, string, string];
  const amount = (text: string, what: string) => {
    const fen = /^\d+(\.\d{1,2})?$/.test(text) ? parseYuan(text) : Number.NaN;
    if (!(fen > 0 && fen <= MAX_FEN))
      throw new ReaderFunctionError(RETURN_CODE.invalidInput, `pPayInfo 的${what}应为 0.01–42949672.95 的金额`);
    return fen;
  };
  const pay = {
    totalFen: amount(total, '消费总金额'),
    accountAndPoolingFen: amount(accountAndPooling, '个人账户与统筹基金金额'),
    when: localTime(time),
  };
  if (pay.accountAndPoolingFen > pay.totalFen)
    throw new ReaderFunctionError(RETURN_CODE.invalidInput, 'pPayInfo 的个人账户与统筹基金金额大于消费总金额');
  return pay;
}

/** YYYYMMDDHHMMSS as a local time; anything else (or a day that does not exist) → −23. */
function localTime(digits: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(digits);
  const [y, mo, d, h, mi, s] = (m?.slice(1) ?? []).map(Number) as number[];
  const date = m ? new Date(y!, mo! - 1, d!, h!, mi!, s!) : undefined;
  const exact =
    date &&
    date.getMonth() === mo! - 1 &&
    date.getDate() === d &&
    date.getHours() === h &&
    date.getMinutes() === mi &&
    date.getSeconds() === s;
  if (!exact) throw new ReaderFunctionError(RETURN_CODE.invalidInput, 'pPayInfo 的交易时间应为 YYYYMMDDHHMMSS');
  return date;
}

/**
 * The card's three amounts from the two of pPayInfo (card-spec §10.3 leaves it open) [choice]:
 * account + pooling is what the card pays (its account amount, debited), the rest of the total
 * is the self-pay amount, and the pooling amount is 0 — so iReadDebitRecord gives both back.
 */
export function cardPurchase(pay: PayInfo): MedicalPurchase {
  return { account: pay.accountAndPoolingFen, selfPay: pay.totalFen - pay.accountAndPoolingFen, pooling: 0, when: pay.when };
}

/**
 * The purchase line after the DEBIT (SC fn 8.1.2 (4)): algorithm id | DPK address | amounts |
 * type | terminal number | terminal seq | time | TAC | — amounts as the MAC1 request has them
 * (account ‖ self-pay ‖ pooling, 8 hex digits each) [choice], numbers in hex.
 */
function purchaseLine(init: PurchaseInitRequest, terminal: Uint8Array, result: PurchaseResult): string {
  const [alg, address, , , amounts, type, terminalNumber, time] = purchaseMacFields({ ...init, terminalId: terminal });
  return requestLine([
    alg!,
    address!,
    amounts!,
    type!,
    terminalNumber!,
    toHex(uintToBytes(result.terminalSeq, 4)),
    time!,
    toHex(result.tac),
  ]);
}

/** A purchase security that remembers the MAC1 request (the line reports its algorithm, amounts and time). */
class RecordedPurchase implements PurchaseSecurity {
  request: PurchaseInitRequest | undefined;

  constructor(private readonly inner: PurchaseSecurity) {}

  terminalId(): Promise<Uint8Array> {
    return this.inner.terminalId();
  }

  initPurchase(request: PurchaseInitRequest): Promise<PurchaseInitResult> {
    this.request = request;
    return this.inner.initPurchase(request);
  }

  verifyMac2(mac2: Uint8Array): Promise<void> {
    return this.inner.verifyMac2(mac2);
  }
}

/**
 * iDoDebit (SC fn 8.1): card checked, PIN verified in DF04, INITIALIZE FOR PURCHASE, MAC1 from
 * the PSAM, DEBIT FOR PURCHASE, MAC2 checked by the PSAM — without a PSAM, by the configured HSM
 * (openTerminalKeys: sscard's MAC1 and MAC2-check requests); no PSAM and no HSM → −2201. A refused
 * MAC2 → −37634 (9302): the card has debited, but the terminal must not take the card's word.
 */
export function doDebit(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<string> {
  return withCardAndKeys(terminal, inputs.iType, async (card, keys) => {
    const pay = parsePayInfo(inputs);
    await checkCardInfo(card.session, inputs);
    const medical = await card.session.openMedical(pinSource(card.session, inputs));
    const security = new RecordedPurchase(keys.purchase);
    const result = await medical.purchase(cardPurchase(pay), security).catch((error: unknown) => {
      if (error instanceof SecurityError) throw new ReaderFunctionError(-0x9302, '安全模块拒绝了卡片的 MAC2');
      throw error;
    });
    return purchaseLine(security.request!, await keys.purchase.terminalId(), result);
  });
}

/**
 * iDoDebit_HSM_Step1 (SC fn 8.2): card checked, PIN verified, INITIALIZE FOR PURCHASE; out: the
 * MAC1 request `alg | DPK address | card random | offline seq | amounts | type | terminal number |
 * time |` (the HSM adds the card's region and historical bytes). Step2(pKey = terminal seq | time |
 * MAC1 |) sends the DEBIT: out MAC2 | the iDoDebit line.
 */
export function doDebitStep1(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<StepOutcome> {
  return withCardHeld(terminal.readers, inputs.iType, async (card) => {
    const pay = parsePayInfo(inputs);
    await checkCardInfo(card.session, inputs);
    const medical = await card.session.openMedical(pinSource(card.session, inputs));
    const terminalId = fromHex(await terminalNumber(terminal.readers));
    let security: RecordedPurchase | undefined;
    return startHsmFlow(
      (ask) => {
        security = new RecordedPurchase(new HsmStepPurchaseSecurity(ask, terminalId));
        return medical.purchase(cardPurchase(pay), security);
      },
      {
        card,
        steps: ['iDoDebit_HSM_Step2'],
        finish: (result) => `${toHex(result.mac2)}|${purchaseLine(security!.request!, terminalId, result)}`,
      },
    );
  });
}

/**
 * iReadDebitRecord (SC fn 9.1): after the PIN, the purchase records of the DF04 log, most recent
 * first: `seq^terminal number^time^total^account + pooling^|…`, amounts in yuan with two decimals.
 */
export function readDebitRecords(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<string> {
  return withCard(terminal.readers, inputs.iType, async (card) => {
    const medical = await card.session.openMedical(pinSource(card.session, inputs));
    return (await medical.readLog())
      .filter((r) => r.type === 'purchase')
      .map(debitRecordLine)
      .join('');
  });
}

function debitRecordLine(r: MedicalLogRecord): string {
  const time = r.time.replace(/[-T:]/g, '');
  const total = r.accountFen + r.selfPayFen + r.poolingFen;
  return `${[r.seq, r.terminalId, time, formatYuan(total), formatYuan(r.accountFen + r.poolingFen)].join('^')}^|`;
}

/**
 * iReadBalance, sscard's extension (not in card-spec): after the PIN, GET BALANCE of DF04 —
 * `account|self-pay total|pooling total|payment year|`, amounts in yuan with two decimals, the
 * year as the card keeps it (0 before the first purchase).
 */
export function readBalance(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<string> {
  return withCard(terminal.readers, inputs.iType, async (card) => {
    const medical = await card.session.openMedical(pinSource(card.session, inputs));
    const b = await medical.balances();
    return requestLine([formatYuan(b.accountFen), formatYuan(b.selfPayFen), formatYuan(b.poolingFen), String(b.paymentYear)]);
  });
}
