/**
 * Names and value formats of the tags sscard meets: EMV/PBOC (financial application) and the
 * social security records of card-facts §2–3. The pretty-printer uses `format` to show values.
 */
export type TagFormat = 'b' | 'an' | 'ans' | 'cn' | 'n' | 'date' | 'amount' | 'dol' | 'tlv' | 'gbk';

export interface TagInfo {
  name: string;
  nameZh?: string;
  format: TagFormat;
}

export type TagContext = 'emv' | 'ssse' | 'medical';

const EMV: Record<string, TagInfo> = {
  '42': { name: 'Issuer Identification Number', format: 'n' },
  '4F': { name: 'Application Identifier (AID)', format: 'b' },
  '50': { name: 'Application Label', format: 'ans' },
  '56': { name: 'Track 1 Data', format: 'ans' },
  '57': { name: 'Track 2 Equivalent Data', format: 'b' },
  '5A': { name: 'Application PAN', format: 'cn' },
  '5F20': { name: 'Cardholder Name', format: 'ans' },
  '5F24': { name: 'Application Expiration Date (YYMMDD)', format: 'n' },
  '5F25': { name: 'Application Effective Date (YYMMDD)', format: 'n' },
  '5F28': { name: 'Issuer Country Code', format: 'n' },
  '5F2A': { name: 'Transaction Currency Code', format: 'n' },
  '5F2D': { name: 'Language Preference', format: 'an' },
  '5F30': { name: 'Service Code', format: 'n' },
  '5F34': { name: 'PAN Sequence Number', format: 'n' },
  '61': { name: 'Application Template', format: 'tlv' },
  '6F': { name: 'File Control Information (FCI) Template', format: 'tlv' },
  '70': { name: 'READ RECORD Response Template', format: 'tlv' },
  '77': { name: 'Response Message Template Format 2', format: 'tlv' },
  '80': { name: 'Response Message Template Format 1', format: 'b' },
  '82': { name: 'Application Interchange Profile (AIP)', format: 'b' },
  '84': { name: 'Dedicated File (DF) Name', format: 'b' },
  '87': { name: 'Application Priority Indicator', format: 'b' },
  '88': { name: 'Short File Identifier (SFI)', format: 'b' },
  '8C': { name: 'CDOL1', format: 'dol' },
  '8D': { name: 'CDOL2', format: 'dol' },
  '8E': { name: 'CVM List', format: 'b' },
  '8F': { name: 'Certification Authority Public Key Index', format: 'b' },
  '90': { name: 'Issuer Public Key Certificate', format: 'b' },
  '92': { name: 'Issuer Public Key Remainder', format: 'b' },
  '93': { name: 'Signed Static Application Data', format: 'b' },
  '94': { name: 'Application File Locator (AFL)', format: 'b' },
  '95': { name: 'Terminal Verification Results', format: 'b' },
  '9A': { name: 'Transaction Date (YYMMDD)', format: 'n' },
  '9C': { name: 'Transaction Type', format: 'n' },
  '9F02': { name: 'Amount, Authorised', format: 'amount' },
  '9F03': { name: 'Amount, Other', format: 'amount' },
  '9F07': { name: 'Application Usage Control', format: 'b' },
  '9F08': { name: 'Application Version Number', format: 'b' },
  '9F0D': { name: 'Issuer Action Code - Default', format: 'b' },
  '9F0E': { name: 'Issuer Action Code - Denial', format: 'b' },
  '9F0F': { name: 'Issuer Action Code - Online', format: 'b' },
  '9F10': { name: 'Issuer Application Data', format: 'b' },
  '9F11': { name: 'Issuer Code Table Index', format: 'n' },
  '9F12': { name: 'Application Preferred Name', format: 'ans' },
  '9F13': { name: 'Last Online ATC Register', format: 'b' },
  '9F14': { name: 'Lower Consecutive Offline Limit', format: 'b' },
  '9F17': { name: 'PIN Try Counter', format: 'b' },
  '9F1A': { name: 'Terminal Country Code', format: 'n' },
  '9F1F': { name: 'Track 1 Discretionary Data', format: 'ans' },
  '9F21': { name: 'Transaction Time (HHMMSS)', format: 'n' },
  '9F26': { name: 'Application Cryptogram', format: 'b' },
  '9F27': { name: 'Cryptogram Information Data', format: 'b' },
  '9F32': { name: 'Issuer Public Key Exponent', format: 'b' },
  '9F36': { name: 'Application Transaction Counter (ATC)', format: 'b' },
  '9F37': { name: 'Unpredictable Number', format: 'b' },
  '9F38': { name: 'Processing Options Data Object List (PDOL)', format: 'dol' },
  '9F42': { name: 'Application Currency Code', format: 'n' },
  '9F44': { name: 'Application Currency Exponent', format: 'n' },
  '9F46': { name: 'ICC Public Key Certificate', format: 'b' },
  '9F47': { name: 'ICC Public Key Exponent', format: 'b' },
  '9F48': { name: 'ICC Public Key Remainder', format: 'b' },
  '9F4A': { name: 'Static Data Authentication Tag List', format: 'b' },
  '9F4B': { name: 'Signed Dynamic Application Data', format: 'b' },
  '9F4D': { name: 'Log Entry (SFI, number of records)', format: 'b' },
  '9F4F': { name: 'Log Format', format: 'dol' },
  '9F51': { name: 'Application Currency Code (PBOC)', format: 'n' },
  '9F5D': { name: 'Available Offline Spending Amount', format: 'amount' },
  '9F63': { name: 'Card Product Identification', format: 'b' },
  '9F66': { name: 'Terminal Transaction Qualifiers (TTQ)', format: 'b' },
  '9F6C': { name: 'Card Transaction Qualifiers (CTQ)', format: 'b' },
  '9F74': { name: 'Electronic Cash Issuer Authorisation Code', format: 'ans' },
  '9F77': { name: 'Electronic Cash Balance Limit', nameZh: '电子现金余额上限', format: 'amount' },
  '9F78': { name: 'Electronic Cash Single Transaction Limit', nameZh: '电子现金单笔交易限额', format: 'amount' },
  '9F79': { name: 'Electronic Cash Balance', nameZh: '电子现金余额', format: 'amount' },
  A5: { name: 'FCI Proprietary Template', format: 'tlv' },
  BF0C: { name: 'FCI Issuer Discretionary Data', format: 'tlv' },
  DF61: { name: 'Electronic Cash Log Entry (PBOC)', format: 'b' },
};

/** Social security record tags, card-facts §2 (EF05, EF06, EF0D). */
const SSSE: Record<string, TagInfo> = {
  '01': { name: 'Card identifier', nameZh: '卡识别码', format: 'b' },
  '02': { name: 'Card type', nameZh: '卡类别', format: 'an' },
  '03': { name: 'Spec version', nameZh: '规范版本', format: 'an' },
  '04': { name: 'Initialising organisation number', nameZh: '初始化机构编号', format: 'cn' },
  '05': { name: 'Issue date', nameZh: '发卡日期', format: 'date' },
  '06': { name: 'Expiry date', nameZh: '卡有效期', format: 'date' },
  '07': { name: 'Card number', nameZh: '卡号', format: 'an' },
  '08': { name: 'Social security number', nameZh: '社会保障号码', format: 'an' },
  '09': { name: 'Name', nameZh: '姓名', format: 'gbk' },
  '0A': { name: 'Sex', nameZh: '性别', format: 'an' },
  '0B': { name: 'Ethnicity', nameZh: '民族', format: 'cn' },
  '0C': { name: 'Birthplace', nameZh: '出生地', format: 'cn' },
  '0D': { name: 'Birth date', nameZh: '出生日期', format: 'date' },
  '4E': { name: 'Name extension', nameZh: '姓名扩展', format: 'gbk' },
  EA: { name: 'Person identifier', nameZh: '个人识别码', format: 'an' },
  EB: { name: 'First-issue region', nameZh: '首次申领地', format: 'cn' },
};

/** Medical insurance DF04 (card-facts §3). The 80–8F names are the SDK's reading, see session docs. */
const MEDICAL: Record<string, TagInfo> = {
  // DF04 EF05 and EF06, V2 T9 (card-spec §3.5).
  '81': { name: 'Insurance type and flags', nameZh: '医疗保险类别', format: 'an' },
  '84': { name: 'Insured region', nameZh: '参保地', format: 'cn' },
  '87': { name: 'Health-record number', nameZh: '健康档案编号', format: 'an' },
  '8C': { name: 'Insured category', nameZh: '参保人员类别', format: 'cn' },
  '80': { name: 'Account opening date', nameZh: '开户日期', format: 'date' },
  '8B': { name: 'Personal account number', nameZh: '个人账户号', format: 'an' },
  '8A': { name: 'Medical certificate number', nameZh: '医疗证号', format: 'an' },
  '83': { name: 'Designated hospital 1', nameZh: '定点医院1', format: 'an' },
  '86': { name: 'Designated hospital 2', nameZh: '定点医院2', format: 'an' },
  '89': { name: 'Designated hospital 3', nameZh: '定点医院3', format: 'an' },
  '7D': { name: 'Work-injury hospital 1', nameZh: '工伤定点医院1', format: 'an' },
  '7E': { name: 'Work-injury hospital 2', nameZh: '工伤定点医院2', format: 'an' },
  '7F': { name: 'Work-injury hospital 3', nameZh: '工伤定点医院3', format: 'an' },
  '8D': { name: 'Maternity hospital 1', nameZh: '生育定点医院1', format: 'an' },
  '8E': { name: 'Maternity hospital 2', nameZh: '生育定点医院2', format: 'an' },
  '8F': { name: 'Card-use mode (1 online, 2 offline)', nameZh: '用卡方式', format: 'an' },
  '90': { name: 'Offline settlement allowed', nameZh: '允许临时脱机结算', format: 'an' },
  '92': { name: 'Cumulative offline settlement amount (fen)', nameZh: '临时脱机结算累计金额（分）', format: 'cn' },
  '93': { name: 'Cumulative offline settlement count', nameZh: '临时脱机结算累计次数', format: 'an' },
};

const DICTIONARIES: Record<TagContext, Record<string, TagInfo>> = {
  // Single-byte social security tags do not collide with EMV, so the EMV view shows them too.
  emv: { ...SSSE, ...EMV },
  ssse: { ...EMV, ...SSSE },
  medical: { ...EMV, ...SSSE, ...MEDICAL },
};

export function lookupTag(tagHex: string, context: TagContext = 'emv'): TagInfo | undefined {
  return DICTIONARIES[context][tagHex.toUpperCase()];
}
