import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../src/bytes/bytes.js';

/**
 * Source-level proof that the card side compares secrets in constant time: every comparison of
 * a PIN, MAC, cryptogram, TAC or PIN proof in emulator/ goes through constantTimeEqual, and the
 * few early-exit comparisons left compare public data (listed here with the reason).
 */
const EMULATOR = fileURLToPath(new URL('../../emulator', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const files = sources(EMULATOR).map((path) => ({ path: relative(EMULATOR, path), text: readFileSync(path, 'utf8') }));

/** Early-exit comparisons that are allowed: none of them involves a secret. */
const PUBLIC_COMPARISONS: Record<string, string> = {
  'commands/select.ts': 'DF names (public, sent by the terminal in clear)',
  'applications/pboc/qpboc-purchase.ts': 'transaction currency code against the application currency (public)',
  'applications/medical/medical-debit.ts': 'a retried debit command against the last one (command data, not a secret)',
};

/** Where the card checks a secret, and must use constantTimeEqual. */
const SECRET_CHECKS = [
  'card-context.ts', // secure-messaging MAC of every MAC-protected command
  'pin-object.ts', // PIN comparison
  'commands/external-authenticate.ts', // key cryptogram
  'applications/pki/verify-pin-proof.ts', // PKI PIN proof
  'applications/purse/credit-for-load.ts', // MAC2
  'applications/purse/debit-for-purchase.ts', // MAC1
];

describe('card-side secret comparisons', () => {
  it('each place that checks a PIN, MAC, cryptogram or proof uses constantTimeEqual', () => {
    for (const file of SECRET_CHECKS) {
      const source = files.find((f) => f.path === file);
      expect(source, file).toBeDefined();
      expect(source!.text, file).toMatch(/constantTimeEqual\(/);
    }
  });

  it('no early-exit comparison of bytes anywhere else in the emulator', () => {
    const earlyExit = /bytesEqual\(|\.equals\(|Buffer\.compare\(|timingSafeEqual/;
    const offenders = files.filter((f) => earlyExit.test(f.text) && !(f.path in PUBLIC_COMPARISONS)).map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('no secret is compared as a string (hex or digits) with === / !==', () => {
    const stringCompare =
      /\b\w*(mac|cryptogram|pin|proof|tac|key)\w*(Hex|Digits|String)?\s*[!=]==\s*\w*(mac|cryptogram|pin|proof|tac|key)\w*(Hex|Digits|String)\b/i;
    const offenders = files.flatMap((f) =>
      f.text
        .split('\n')
        .map((line, i) => ({ line, where: `${f.path}:${i + 1}` }))
        .filter(({ line }) => stringCompare.test(line) && !/\.(id|usage|algorithm|length|kind)\b/.test(line))
        .map(({ where, line }) => `${where}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });

  it('constantTimeEqual has no data-dependent exit: it always walks the longer input', () => {
    // Behaviour: equal/unequal/different lengths; structure: one loop, no return inside it.
    expect(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3))).toBe(true);
    expect(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4))).toBe(false);
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
    const body = constantTimeEqual.toString();
    const loops = body.split('\n').filter((l) => /\bfor\b/.test(l));
    expect(loops).toHaveLength(1);
    expect(loops[0]).not.toMatch(/\b(return|break|if)\b/);
    expect(body.match(/\breturn\b/g)).toHaveLength(1);
  });
});
