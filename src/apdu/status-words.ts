import { swHex } from './response-apdu.js';

export type StatusCategory = 'success' | 'warning' | 'error';

export interface StatusWordInfo {
  sw: number;
  /** e.g. "63C2" */
  hex: string;
  meaning: string;
  meaningZh: string;
  category: StatusCategory;
  /** 63Cx: PIN tries left. */
  triesLeft?: number;
  /** 61xx: bytes still available (0 = 256 or more). */
  bytesAvailable?: number;
  /** 6Cxx: the Le the card wants. */
  correctLe?: number;
}

interface ExactEntry {
  sw: number;
  en: string;
  zh: string;
  category: StatusCategory;
}

interface PatternEntry {
  /** SW1, matched with any SW2 (or SW2 high nibble for nibble patterns). */
  sw1: number;
  /** When set, SW2's high nibble must equal this. */
  sw2HighNibble?: number;
  pattern: string;
  describe: (sw2: number) => Pick<StatusWordInfo, 'meaning' | 'meaningZh' | 'triesLeft' | 'bytesAvailable' | 'correctLe'>;
  category: StatusCategory;
}

/** ISO 7816-4 plus the PBOC / social-security / e-purse codes of card-facts §9. */
const EXACT: ExactEntry[] = [
  { sw: 0x9000, en: 'success', zh: '成功', category: 'success' },
  { sw: 0x6200, en: 'warning: no information given, non-volatile memory unchanged', zh: '警告：非易失性存储器未改变', category: 'warning' },
  { sw: 0x6281, en: 'part of the returned data may be corrupted', zh: '回送的数据可能有错', category: 'warning' },
  { sw: 0x6282, en: 'end of file or record reached before reading Le bytes', zh: '读到文件末尾（不足 Le 字节）', category: 'warning' },
  { sw: 0x6283, en: 'selected file or application blocked (invalidated)', zh: '选择的文件或应用已锁定（无效）', category: 'warning' },
  { sw: 0x6284, en: 'FCI not formatted according to ISO 7816-4', zh: 'FCI 格式与 ISO 7816-4 不符', category: 'warning' },
  { sw: 0x6300, en: 'verification failed / authentication failed', zh: '认证失败', category: 'error' },
  { sw: 0x6400, en: 'execution error, non-volatile memory unchanged', zh: '执行出错，存储器未改变', category: 'error' },
  { sw: 0x6500, en: 'execution error, non-volatile memory changed', zh: '执行出错，存储器已改变', category: 'error' },
  { sw: 0x6581, en: 'memory failure', zh: '存储器故障', category: 'error' },
  { sw: 0x6700, en: 'wrong length (Lc or Le)', zh: '长度错误', category: 'error' },
  { sw: 0x6800, en: 'functions in CLA not supported', zh: '不支持 CLA 中的功能', category: 'error' },
  { sw: 0x6881, en: 'logical channel not supported', zh: '不支持逻辑通道', category: 'error' },
  { sw: 0x6882, en: 'secure messaging not supported', zh: '不支持安全报文', category: 'error' },
  { sw: 0x6900, en: 'command not allowed', zh: '不允许的命令', category: 'error' },
  { sw: 0x6981, en: 'command incompatible with file structure', zh: '命令与文件结构不相容', category: 'error' },
  { sw: 0x6982, en: 'security status not satisfied', zh: '不满足安全状态', category: 'error' },
  { sw: 0x6983, en: 'PIN blocked (authentication method blocked)', zh: '密码已锁定（认证方法锁定）', category: 'error' },
  { sw: 0x6984, en: 'reference data not usable (invalidated)', zh: '引用数据无效', category: 'error' },
  { sw: 0x6985, en: 'conditions of use not satisfied', zh: '使用条件不满足', category: 'error' },
  { sw: 0x6986, en: 'command not allowed (no current EF)', zh: '不允许的命令（无当前 EF）', category: 'error' },
  { sw: 0x6987, en: 'expected secure messaging data objects missing', zh: '安全报文数据对象丢失', category: 'error' },
  { sw: 0x6988, en: 'secure messaging data objects incorrect (MAC wrong)', zh: '安全报文数据对象不正确（MAC 错）', category: 'error' },
  { sw: 0x6a80, en: 'incorrect parameters in the data field', zh: '数据域参数不正确', category: 'error' },
  { sw: 0x6a81, en: 'function not supported (application blocked)', zh: '功能不支持（应用已锁定）', category: 'error' },
  { sw: 0x6a82, en: 'file or application not found', zh: '文件或应用未找到', category: 'error' },
  { sw: 0x6a83, en: 'record not found', zh: '记录未找到', category: 'error' },
  { sw: 0x6a84, en: 'not enough memory space in the file', zh: '文件存储空间不够', category: 'error' },
  { sw: 0x6a85, en: 'Lc inconsistent with TLV structure', zh: 'Lc与TLV结构不一致', category: 'error' },
  { sw: 0x6a86, en: 'incorrect parameters P1-P2', zh: 'P1、P2 参数不正确', category: 'error' },
  { sw: 0x6a88, en: 'referenced data (key) not found', zh: '引用数据（密钥）未找到', category: 'error' },
  { sw: 0x6b00, en: 'wrong parameters P1-P2 (offset outside the EF)', zh: '参数错误（偏移量超出 EF）', category: 'error' },
  { sw: 0x6d00, en: 'instruction code not supported', zh: '命令不存在（INS 不支持）', category: 'error' },
  { sw: 0x6e00, en: 'class not supported', zh: 'CLA 错误', category: 'error' },
  { sw: 0x6f00, en: 'no precise diagnosis (internal card error)', zh: '数据无效（卡内部错误）', category: 'error' },
  { sw: 0x9302, en: 'MAC invalid', zh: 'MAC 无效', category: 'error' },
  { sw: 0x9303, en: 'application permanently locked', zh: '应用永久锁定', category: 'error' },
  { sw: 0x9401, en: 'insufficient balance', zh: '金额不足', category: 'error' },
  { sw: 0x9402, en: 'transaction counter reached its maximum', zh: '交易计数器到达最大值', category: 'error' },
  { sw: 0x9403, en: 'key index not supported', zh: '密钥索引不支持', category: 'error' },
  { sw: 0x9406, en: 'required MAC unavailable', zh: '所需 MAC 不可用', category: 'error' },
];

const PATTERNS: PatternEntry[] = [
  {
    sw1: 0x61,
    pattern: '61XX',
    category: 'success',
    describe: (n) => ({
      meaning: `success, ${n === 0 ? '256 or more' : n} response byte(s) available: send GET RESPONSE`,
      meaningZh: `成功，还有 ${n === 0 ? '256 以上' : n} 字节响应数据（需 GET RESPONSE）`,
      bytesAvailable: n,
    }),
  },
  {
    sw1: 0x6c,
    pattern: '6CXX',
    category: 'error',
    describe: (n) => ({
      meaning: `wrong Le: the card has ${n === 0 ? 256 : n} byte(s), re-send with Le=${n.toString(16).toUpperCase().padStart(2, '0')}`,
      meaningZh: `Le 错误，实际长度为 ${n === 0 ? 256 : n} 字节`,
      correctLe: n === 0 ? 256 : n,
    }),
  },
  {
    sw1: 0x63,
    sw2HighNibble: 0xc,
    pattern: '63CX',
    category: 'error',
    describe: (n) => {
      const left = n & 0x0f;
      return {
        meaning:
          left === 0 ? 'wrong PIN, no tries left: the PIN is now blocked' : `wrong PIN, ${left} ${left === 1 ? 'try' : 'tries'} left`,
        meaningZh: left === 0 ? '密码错误，剩余 0 次，密码已锁定' : `密码错误，还可尝试 ${left} 次`,
        triesLeft: left,
      };
    },
  },
  {
    sw1: 0x62,
    pattern: '62XX',
    category: 'warning',
    describe: () => ({ meaning: 'warning, non-volatile memory unchanged', meaningZh: '警告，存储器未改变' }),
  },
  {
    sw1: 0x63,
    pattern: '63XX',
    category: 'warning',
    describe: () => ({ meaning: 'warning, non-volatile memory changed', meaningZh: '警告，存储器已改变' }),
  },
  {
    sw1: 0x64,
    pattern: '64XX',
    category: 'error',
    describe: () => ({ meaning: 'execution error, non-volatile memory unchanged', meaningZh: '执行出错，存储器未改变' }),
  },
  {
    sw1: 0x65,
    pattern: '65XX',
    category: 'error',
    describe: () => ({ meaning: 'execution error, non-volatile memory changed', meaningZh: '执行出错，存储器已改变' }),
  },
  {
    sw1: 0x67,
    pattern: '67XX',
    category: 'error',
    describe: () => ({ meaning: 'wrong length', meaningZh: '长度错误' }),
  },
  {
    sw1: 0x68,
    pattern: '68XX',
    category: 'error',
    describe: () => ({ meaning: 'function in CLA not supported', meaningZh: 'CLA 功能不支持' }),
  },
  {
    sw1: 0x69,
    pattern: '69XX',
    category: 'error',
    describe: () => ({ meaning: 'command not allowed', meaningZh: '不允许的命令' }),
  },
  {
    sw1: 0x6a,
    pattern: '6AXX',
    category: 'error',
    describe: () => ({ meaning: 'wrong parameters P1-P2', meaningZh: '参数错误' }),
  },
];

const EXACT_BY_SW = new Map(EXACT.map((e) => [e.sw, e]));

/** What a status word means, in English and Chinese, with the number it carries where it has one. */
export function decodeStatusWord(sw: number): StatusWordInfo {
  const hex = swHex(sw);
  const sw1 = sw >> 8;
  const sw2 = sw & 0xff;
  // Exact entries win over patterns except for the counting ones (61xx, 6Cxx, 63Cx).
  for (const p of PATTERNS.slice(0, 3)) {
    if (p.sw1 === sw1 && (p.sw2HighNibble === undefined || sw2 >> 4 === p.sw2HighNibble)) {
      return { sw, hex, category: p.category, ...p.describe(sw2) };
    }
  }
  const exact = EXACT_BY_SW.get(sw);
  if (exact) return { sw, hex, meaning: exact.en, meaningZh: exact.zh, category: exact.category };
  for (const p of PATTERNS.slice(3)) {
    if (p.sw1 === sw1) return { sw, hex, category: p.category, ...p.describe(sw2) };
  }
  if (sw1 === 0x90 || sw1 === 0x91)
    return { sw, hex, meaning: 'success (proprietary qualifier)', meaningZh: '成功（专有）', category: 'success' };
  return { sw, hex, meaning: 'unknown status word', meaningZh: '未知状态字', category: 'error' };
}

/** Every entry of the table, for `sscard sw --list` and the documentation. */
export function listStatusWords(): Array<{ pattern: string; meaning: string; meaningZh: string }> {
  return [
    ...EXACT.map((e) => ({ pattern: swHex(e.sw), meaning: e.en, meaningZh: e.zh })),
    ...PATTERNS.map((p) => {
      const d = p.describe(p.sw2HighNibble === undefined ? 0 : 0xc2);
      return { pattern: p.pattern, meaning: d.meaning, meaningZh: d.meaningZh };
    }),
  ];
}

/**
 * Parses a status word as people type it: "63C2", "63 C2", "0x6983". Throws InputError otherwise.
 */
export { parseStatusWord } from './parse-status-word.js';
