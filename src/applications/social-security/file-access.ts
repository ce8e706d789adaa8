/**
 * What the terminal must do to read and write each file of card-spec §2.5 (V2 T3–T8; P6 T4–T8 for
 * 1.00 cards), with the card key ids of §4.2 (and sscard's where the spec gives none:
 * emulator/README.md "Choices"). The SDK does this per file in readItems/writeItems.
 */
export type ReadRule =
  | { kind: 'free' }
  | { kind: 'pin' }
  | { kind: 'key'; key: string }
  /** "PIN or RK": either one. */
  | { kind: 'pin-or-key'; key: string }
  /** "PIN & RK": both. */
  | { kind: 'pin-and-key'; key: string };

export interface FileRule {
  structure: 'records' | 'cyclic' | 'transparent';
  /** Transparent files: the size to read. */
  size?: number;
  read: ReadRule;
  /** The UK key that writes it; undefined: written by the card's own commands only. */
  write: string | undefined;
}

/** Card key ids by specification name (8x = DF level, card-spec §4.1). */
export const FILE_KEYS: Record<string, number> = {
  UKSSSE: 0x04,
  RKSSSE: 0x0a,
  ...dfKeys('DF01', {
    UK1: 0x83,
    UK2: 0x84,
    UK3: 0x85,
    UK4: 0x86,
    UK5: 0x87,
    RK1: 0x88,
    UK6: 0x89,
    UK7: 0x8a,
    UK8: 0x8b,
    UK9: 0x8c,
    UKA: 0x8d,
    UKB: 0x8e,
  }),
  ...dfKeys('DF02', { UK1: 0x83, UK2: 0x84, UK3: 0x85, UK4: 0x86, UK5: 0x87, RK1: 0x88, UK6: 0x89 }),
  ...dfKeys('DF03', { RK1: 0x84, RK2: 0x85, UK1: 0x86, UK2: 0x87, UK3: 0x88, UK4: 0x89, UK5: 0x8a, UK6: 0x8b, UK7: 0x8c, UK8: 0x8d }),
  ...dfKeys('DF04', { RK1: 0x84, UK1: 0x85, UK2: 0x86 }),
  ...dfKeys('DF05', { UK1: 0x83 }),
  ...dfKeys('DF06', { RK1: 0x84, UK1: 0x85, UK2: 0x86 }),
  ...dfKeys('DF07', { RK1: 0x84, RK2: 0x85, RK3: 0x86, UK1: 0x87, UK2: 0x88, UK3: 0x89 }),
};

function dfKeys(df: string, ids: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(ids).map(([k, id]) => [`${k}${df}`, id]));
}

const free: ReadRule = { kind: 'free' };
const pin: ReadRule = { kind: 'pin' };
const pinOr = (key: string): ReadRule => ({ kind: 'pin-or-key', key });
const pinAnd = (key: string): ReadRule => ({ kind: 'pin-and-key', key });
const keyOnly = (key: string): ReadRule => ({ kind: 'key', key });
const records = (read: ReadRule, write: string | undefined): FileRule => ({ structure: 'records', read, write });
const cyclic = (read: ReadRule, write: string | undefined): FileRule => ({ structure: 'cyclic', read, write });
const transparent = (size: number, read: ReadRule, write: string): FileRule => ({ structure: 'transparent', size, read, write });

/** The rules of a file on a card of `specVersion`; undefined for a file the specification does not define. */
export function fileRule(application: string, ef: number, specVersion: string): FileRule | undefined {
  const v1 = specVersion.startsWith('1.');
  const v3 = specVersion.startsWith('3.');
  const id = `${application}/${(ef & 0xff).toString(16).toUpperCase().padStart(2, '0')}`;
  const rk1 = pinOr(`RK1${application}`);
  switch (id) {
    case 'SSSE/05':
      return records(free, 'UKSSSE');
    case 'SSSE/06':
      return records(v3 ? keyOnly('RKSSSE') : free, 'UKSSSE');
    case 'SSSE/07':
      return transparent(0x300, v1 ? free : keyOnly('RKSSSE'), 'UKSSSE');
    case 'SSSE/08':
      return transparent(0x1000, keyOnly('RKSSSE'), 'UKSSSE');
    case 'DF01/05':
      return records(v1 ? pin : rk1, 'UK1DF01');
    case 'DF01/06':
      return records(rk1, 'UK4DF01');
    case 'DF01/07':
      return records(v1 ? pinOr('UK2DF01') : rk1, 'UK2DF01');
    case 'DF01/08':
      return records(v1 ? pin : rk1, 'UK3DF01');
    case 'DF01/09':
      return records(v1 ? pinOr('UK2DF01') : rk1, 'UK2DF01');
    case 'DF01/0A':
      return records(v1 ? pin : rk1, 'UK5DF01');
    case 'DF01/15':
      return records(rk1, 'UK6DF01');
    case 'DF01/16':
    case 'DF01/17':
    case 'DF01/18':
    case 'DF01/19':
    case 'DF01/1A':
      return transparent(0x128, free, `UK${(7 + (ef & 0xff) - 0x16).toString(16).toUpperCase()}DF01`);
    case 'DF02/05':
      return records(rk1, 'UK1DF02');
    case 'DF02/06':
      return records(rk1, 'UK2DF02');
    case 'DF02/07':
      return cyclic(rk1, 'UK3DF02');
    case 'DF02/09':
      return records(rk1, 'UK4DF02');
    case 'DF02/15':
      return records(rk1, 'UK5DF02');
    case 'DF02/16':
      return cyclic(rk1, 'UK6DF02');
    case 'DF03/05':
      return records(v1 ? pinAnd('RK2DF03') : pinOr('RK2DF03'), 'UK1DF03');
    case 'DF03/06':
      return records(rk1, 'UK2DF03');
    case 'DF03/07':
      return records(v1 ? pinAnd('RK1DF03') : rk1, 'UK3DF03');
    case 'DF03/15':
    case 'DF03/16':
    case 'DF03/17':
    case 'DF03/18':
      return records(rk1, `UK${4 + (ef & 0xff) - 0x15}DF03`);
    case 'DF03/19':
      return records(rk1, 'UK8DF03');
    case 'DF04/05':
      return records(rk1, 'UK1DF04');
    case 'DF04/06':
      return records(pinAnd('RK1DF04'), 'UK2DF04');
    case 'DF04/08':
      return cyclic(pin, undefined);
    case 'DF04/15':
      return cyclic(rk1, 'UK2DF04');
    case 'DF05/05':
      return records(free, 'UK1DF05');
    case 'DF06/05':
      return records(keyOnly('RK1DF06'), 'UK1DF06');
    case 'DF06/06':
      return records(keyOnly('RK1DF06'), 'UK2DF06');
    case 'DF07/05':
    case 'DF07/06':
    case 'DF07/07':
      return v1 ? undefined : records(keyOnly(`RK${1 + (ef & 0xff) - 5}DF07`), `UK${1 + (ef & 0xff) - 5}DF07`);
    default:
      return undefined;
  }
}
