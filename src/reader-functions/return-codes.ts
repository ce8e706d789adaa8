import { ApduError, BadResponseError, PinError } from '../apdu/apdu-error.js';
import { ApplicationNotFoundError } from '../applications/application-not-found-error.js';
import { HsmError } from '../applications/keys/hsm-request.js';
import { KeyNotFoundError } from '../applications/keys/software-key-provider.js';
import { TransactionNotDoneError } from '../applications/medical/medical-session.js';
import { PinEntryError } from '../applications/pin-format.js';
import { UnsupportedAlgorithmError } from '../applications/social-security/social-security-session.js';
import { InputError, SecurityError, SscardError } from '../errors.js';
import { TransportError, type TransportFailure } from '../transport/transport-error.js';
import type { ReaderFunctionResult } from './reader-function-call.js';

/** The fixed return codes of the reader functions (SC annex A, card-spec §10.4). */
export const RETURN_CODE = {
  ok: 0,
  cardType: -1,
  noCard: -2,
  notPowered: -3,
  noAnswer: -4,
  libraryLoad: -5,
  readerConnection: -11,
  notConnected: -12,
  unsupported: -13,
  parameter: -14,
  checksum: -15,
  identifierFormat: -20,
  internalAuthentication: -21,
  cardMismatch: -22,
  invalidInput: -23,
  psamKeyLevel: -24,
  pinCancelled: -31,
  pinTimeout: -32,
  pinLength: -33,
  newPinsDiffer: -34,
  illegalCharacters: -41,
  dataLength: -42,
  pinWrong: -51,
  pinBlocked: -52,
  noPsam: -2201,
  psamAlgorithm: -2202,
  psamNoRkssse: -2203,
  noHsmNeeded: -2204,
  /** "其他 未知错误": any other failure. */
  unknown: -99,
} as const;

/** The specification's text for each fixed code: what pOutInfo says on failure (SC annex A). */
const DESCRIPTION: Record<number, string> = {
  [-1]: '卡类型不对',
  [-2]: '无卡',
  [-3]: '有卡未上电',
  [-4]: '卡无应答',
  [-5]: '加载动态库错',
  [-11]: '读卡器连接错',
  [-12]: '未建立连接',
  [-13]: '不支持该命令',
  [-14]: '命令参数错',
  [-15]: '信息校验和出错',
  [-20]: '卡识别码格式错',
  [-21]: '内部认证失败（用户卡不合法）',
  [-22]: '传入数据与卡内不符',
  [-23]: '传入数据不合法',
  [-24]: 'PSAM卡密钥级别不够',
  [-31]: '用户取消密码输入',
  [-32]: '密码输入操作超时',
  [-33]: '输入密码长度错',
  [-34]: '两次输入密码不一致',
  [-41]: '运算数据含非法字符',
  [-42]: '运算数据长度错',
  [-52]: 'PIN锁定',
  [-2201]: '无PSAM卡',
  [-2202]: 'PSAM卡算法不支持',
  [-2203]: 'PSAM卡内没有RKSSSE密钥',
  [-2204]: '不需要加密机认证',
  [-99]: '未知错误',
};

/**
 * A reader function refused or failed with one of the specification's codes. `detail` says what
 * exactly; it never holds a PIN or a key.
 */
export class ReaderFunctionError extends SscardError {
  constructor(
    readonly returnCode: number,
    readonly detail?: string,
  ) {
    super('EREADERFUNCTION', describeCode(returnCode, detail));
  }
}

/** The failure text of a code: the specification's description, then the detail. */
export function describeCode(code: number, detail?: string): string {
  const text = DESCRIPTION[code] ?? `卡片状态字 ${(-code).toString(16).toUpperCase().padStart(4, '0')}`;
  return detail === undefined || detail === '' ? text : `${text}：${detail}`;
}

/** −51 with the tries left the card reported (SC annex A: "剩余次数 N 次"). */
export function pinWrongText(triesLeft: number): string {
  return `PIN校验失败，剩余次数${triesLeft}次`;
}

/** TransportError reasons as the reader library's codes: no card, no answer, no reader, not open. */
const TRANSPORT_CODE: Record<TransportFailure, number> = {
  'no-card': RETURN_CODE.noCard,
  'card-removed': RETURN_CODE.noCard,
  // The reader's service restarted under the call (the card is connected again, reset).
  'card-reset': RETURN_CODE.readerConnection,
  timeout: RETURN_CODE.noAnswer,
  protocol: RETURN_CODE.noAnswer,
  'no-reader': RETURN_CODE.readerConnection,
  'no-service': RETURN_CODE.readerConnection,
  'sharing-violation': RETURN_CODE.readerConnection,
  closed: RETURN_CODE.notConnected,
  'binding-missing': RETURN_CODE.libraryLoad,
  other: RETURN_CODE.readerConnection,
};

/** What the PIN pad reported: SC annex A −32 timeout, −31 cancelled, −33 length. */
const PIN_ENTRY_CODE: Record<PinEntryError['reason'], number> = {
  timeout: RETURN_CODE.pinTimeout,
  cancelled: RETURN_CODE.pinCancelled,
  length: RETURN_CODE.pinLength,
};

/** A failure result. */
export function failure(code: number, detail?: string): ReaderFunctionResult {
  return { code, pOutInfo: describeCode(code, detail) };
}

/**
 * The result for anything a function threw (card-spec §10.4): card status words as their negative
 * decimal (6A82 → −27266), a wrong PIN −51 with the tries left, a blocked one −52, transport
 * failures as the reader library's codes. Messages of unknown errors are not passed on (they might
 * hold data the caller should not see).
 */
export function resultForError(error: unknown): ReaderFunctionResult {
  if (error instanceof ReaderFunctionError) return { code: error.returnCode, pOutInfo: error.message };
  if (error instanceof PinError) {
    if (error.blocked) return failure(RETURN_CODE.pinBlocked);
    return { code: RETURN_CODE.pinWrong, pOutInfo: pinWrongText(error.triesLeft) };
  }
  if (error instanceof ApduError) return { code: -error.sw, pOutInfo: describeCode(-error.sw, error.meaning) };
  if (error instanceof TransportError) return failure(TRANSPORT_CODE[error.reason], error.message);
  if (error instanceof ApplicationNotFoundError) return failure(RETURN_CODE.cardType, error.message);
  if (error instanceof UnsupportedAlgorithmError) return failure(RETURN_CODE.psamAlgorithm, error.message);
  if (error instanceof KeyNotFoundError) return failure(-0x6a88, error.message);
  if (error instanceof SecurityError) return failure(RETURN_CODE.internalAuthentication, error.message);
  if (error instanceof TransactionNotDoneError || error instanceof BadResponseError) return failure(RETURN_CODE.noAnswer, error.message);
  if (error instanceof PinEntryError) return failure(PIN_ENTRY_CODE[error.reason], error.message);
  // §10.4 has no code for the terminal's own HSM (the specification's HSM is the caller's): "other".
  if (error instanceof HsmError) return failure(RETURN_CODE.unknown, `加密机：${error.message}`);
  // Input errors below this layer name the field, never a PIN (pin-format.ts).
  if (error instanceof InputError) return failure(error.field === 'pin' ? RETURN_CODE.pinLength : RETURN_CODE.invalidInput, error.message);
  if (error instanceof SscardError) return failure(RETURN_CODE.unknown, error.message);
  return failure(RETURN_CODE.unknown);
}
