// Writes test-vectors/epurse-transactions.json from the independent reference (no sscard code):
//   npx tsx test/purse/generate-purse-vectors.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildTranscript } from './purse-vector-steps.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const keys = JSON.parse(readFileSync(`${repo}/emulator/profiles/default.keys.json`, 'utf8')).purse;
const masters = { load: keys.load.master, purchase: keys.purchase.master, tac: keys.tac.master };
// ASN8 of the default card: the last 8 bytes of the serial number in its SFI 15 (offset 12..19).
const profile = JSON.parse(readFileSync(`${repo}/emulator/profiles/default.json`, 'utf8'));
const purse = profile.mf.children.find((c: { dfName?: string }) => c.dfName === 'A000000632010105');
const info: string = purse.children.find((c: { sfi?: number }) => c.sfi === 0x15).content;
const asn8 = info.slice(24, 40);
const common = {
  asn8,
  masters,
  openingBalance: 5000,
  randoms: ['A1B2C3D4', '0F1E2D3C', '55AA66BB'],
  terminalId: '112233445566',
  date: '20240315',
  time: '101530',
};
const out = {
  source:
    "Computed by test/purse/epurse-reference.ts, an independent implementation of the card-facts §8 formulas on plain node:crypto (no sscard code), from the default sample card (emulator/profiles/default.json: ASN8 from SFI 15, opening balance 5000 fen; test master keys from default.keys.json). The 3des transcript follows the published formulas; the sm4 one is this project's design by analogy (same card with its purse keys switched to SM4). The card draws the listed randoms in order. Regenerate with `npx tsx test/purse/generate-purse-vectors.ts`.",
  profile: 'default',
  transcripts: [buildTranscript({ algorithm: '3des', ...common }), buildTranscript({ algorithm: 'sm4', ...common })],
};
writeFileSync(`${repo}/test-vectors/epurse-transactions.json`, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write('wrote test-vectors/epurse-transactions.json\n');
