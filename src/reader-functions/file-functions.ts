import { type FileRule, fileRule } from '../applications/social-security/file-access.js';
import { type FileAddress, fileName, parseFileAddress } from '../applications/social-security/file-address.js';
import type { SocialSecuritySession } from '../applications/social-security/social-security-session.js';
import { checkCardInfo } from './card-info.js';
import { hsmStepKeys, startHsmFlow } from './hsm-steps.js';
import { requireText } from './inputs.js';
import { formatFiles, parseWriteData } from './item-values.js';
import type { StepOutcome } from './pending-step.js';
import { pinInput, pinSource } from './pin-entry.js';
import type { ReaderFunctionInputs } from './reader-function-call.js';
import { RETURN_CODE, ReaderFunctionError } from './return-codes.js';
import { later } from './suspended-flow.js';
import { openTerminalKeys, type Terminal, withCard, withCardAndKeys, withCardHeld } from './terminal.js';

/** SC fn 2.1.2 (2): iAuthType 1 PIN, 2 RK key, for "PIN or RK" files; default 1. */
function authType(inputs: ReaderFunctionInputs): 'pin' | 'key' {
  if (inputs.iAuthType === undefined || inputs.iAuthType === 1) return 'pin';
  if (inputs.iAuthType === 2) return 'key';
  throw new ReaderFunctionError(RETURN_CODE.parameter, 'iAuthType 为 1（PIN 校验）或 2（RK 密钥认证）');
}

/** What reading a file takes (SC fn 2.1.3 (6)): the PIN, a key, or both. */
function readNeeds(rule: FileRule, prefer: 'pin' | 'key'): { pin: boolean; key: boolean } {
  const r = rule.read;
  if (r.kind === 'pin-or-key') return { pin: prefer === 'pin', key: prefer === 'key' };
  return { pin: r.kind === 'pin' || r.kind === 'pin-and-key', key: r.kind === 'key' || r.kind === 'pin-and-key' };
}

async function rulesOf(session: SocialSecuritySession, files: FileAddress[]): Promise<FileRule[]> {
  const version = (await session.readCardData()).specVersion;
  return files.map((file) => {
    const rule = fileRule(file.application, file.ef, version);
    if (rule === undefined) throw new ReaderFunctionError(RETURN_CODE.invalidInput, `${fileName(file)} 不是规范中的文件`);
    return rule;
  });
}

/** pFileAddr parsed (a grammar error → −23 through its InputError). */
function addressOf(inputs: ReaderFunctionInputs): { text: string; files: FileAddress[] } {
  const text = requireText(inputs, 'pFileAddr');
  return { text, files: parseFileAddress(text) };
}

/** The HSM variants work on one file: the first (SC fn 2.2.2 (3), 3.2.2 (3)). */
function firstFile(inputs: ReaderFunctionInputs): { text: string; file: FileAddress } {
  const text = `${requireText(inputs, 'pFileAddr').split('$')[0]}$`;
  return { text, file: parseFileAddress(text)[0]! };
}

/**
 * iReadCard (SC fn 2.1): card checked against pCardInfo; per file its read rule — the PIN (`pin`),
 * the file's RK key from the PSAM or the HSM (openTerminalKeys, only when a file needs a key), or both; out: the address
 * mirrored with values (item-values.ts).
 */
export function readCard(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<string> {
  return withCard(terminal.readers, inputs.iType, async (card) => {
    const prefer = authType(inputs);
    const address = addressOf(inputs);
    await checkCardInfo(card.session, inputs);
    const needs = (await rulesOf(card.session, address.files)).map((rule) => readNeeds(rule, prefer));
    const pin = needs.some((n) => n.pin) ? pinSource(card.session, inputs) : undefined;
    const keys = needs.some((n) => n.key) ? await openTerminalKeys(terminal) : undefined;
    try {
      const files = await card.session.readItems(address.text, {
        ...(pin !== undefined ? { pin } : {}),
        ...(keys ? { keys: keys.keys } : {}),
        prefer,
      });
      return formatFiles(files);
    } finally {
      await keys?.close();
    }
  });
}

/**
 * iWriteCard (SC fn 3.1): card checked; per file EXTERNAL AUTHENTICATE with its UK key from the
 * PSAM (or the HSM, openTerminalKeys), then the items of pWriteData (a new record in a cyclic file, the whole transparent file);
 * files the card writes itself (the medical log) → −23. Out empty.
 */
export function writeCard(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<string> {
  return withCardAndKeys(terminal, inputs.iType, async (card, keys) => {
    const address = addressOf(inputs);
    const values = parseWriteData(address.text, requireText(inputs, 'pWriteData'));
    await checkCardInfo(card.session, inputs);
    await card.session.writeItems(address.text, values, { keys: keys.keys, ...(inputs.pin ? { pin: pinInput(inputs, 'pin') } : {}) });
    return '';
  });
}

/**
 * iReadCard_HSM_Step1 (SC fn 2.2): for a file read with a key (key only, "PIN & RK", or "PIN or
 * RK" with iAuthType 2 — the default here, as the HSM variant is for the key) the external
 * authentication's inputs `alg|key address|factor|original|`; a file read freely or with the PIN
 * alone → −2204. "PIN & RK" files take `pin` too. Step2(pKey) → the iReadCard line of that file.
 */
export function readCardStep1(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<StepOutcome> {
  return withCardHeld(terminal.readers, inputs.iType, async (card) => {
    const { text, file } = firstFile(inputs);
    await checkCardInfo(card.session, inputs);
    const [rule] = await rulesOf(card.session, [file]);
    const needs = readNeeds(rule!, inputs.iAuthType === 1 ? 'pin' : 'key');
    if (!needs.key) throw new ReaderFunctionError(RETURN_CODE.noHsmNeeded);
    const pin = needs.pin ? pinSource(card.session, inputs) : undefined;
    return startHsmFlow(
      (ask) => card.session.readItems(text, { keys: hsmStepKeys(ask), prefer: 'key', ...(pin !== undefined ? { pin } : {}) }),
      {
        card,
        steps: ['iReadCard_HSM_Step2'],
        finish: formatFiles,
      },
    );
  });
}

/**
 * iWriteCard_HSM_Step1 (SC fn 3.2): the external authentication's inputs for the file's UK key;
 * Step2(pKey, pWriteData) authenticates and writes. Out empty.
 */
export function writeCardStep1(terminal: Terminal, inputs: ReaderFunctionInputs): Promise<StepOutcome> {
  return withCardHeld(terminal.readers, inputs.iType, async (card) => {
    const { text, file } = firstFile(inputs);
    await checkCardInfo(card.session, inputs);
    const [rule] = await rulesOf(card.session, [file]);
    if (rule!.write === undefined) throw new ReaderFunctionError(RETURN_CODE.invalidInput, `${fileName(file)} 受 COS 保护，不能写入`);
    const values = later<Uint8Array[]>();
    return startHsmFlow((ask) => card.session.writeItems(text, values.promise, { keys: hsmStepKeys(ask) }), {
      card,
      steps: ['iWriteCard_HSM_Step2'],
      before: (_step, next) => values.resolve(parseWriteData(text, requireText(next, 'pWriteData'))),
      finish: () => '',
    });
  });
}
