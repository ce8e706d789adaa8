// Writes the shipped card profiles (emulator/profiles/*.json) and their test master keys from
// the sample cards in cards.ts and one part per application. `npm run profiles` writes them;
// `--check` fails when the committed files differ from what this would write.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CardProfile, PROFILE_FORMAT } from '../../emulator/card-profile.js';
import type { CardIdentity } from './card-identity.js';
import { SAMPLE_CARDS } from './cards.js';
import { pbocPart } from './pboc-part.js';
import { pkiPart } from './pki-part.js';
import type { ProfilePart, ProfilePartBuilder } from './profile-part.js';
import { PSAM_CARDS, psamProfile, purchaseKeyRoot } from './psam-profile.js';
import { pursePart } from './purse-part.js';
import { ssePart } from './ssse-part.js';

const PARTS: ProfilePartBuilder[] = [ssePart, pkiPart, pbocPart, pursePart];

export function buildProfile(card: CardIdentity): { profile: CardProfile; parts: ProfilePart[] } {
  const parts = PARTS.map((build) => build(card)).filter((p): p is ProfilePart => p !== undefined);
  const profile: CardProfile = {
    format: PROFILE_FORMAT,
    name: card.profileName,
    description: card.description,
    atr: card.atr,
    protocol: 'T=0',
    ...(card.contactless ? { contactless: card.contactless } : {}),
    settings: { pinRetryLimit: 6, extendedLength: true },
    mf: { kind: 'df', fid: '3F00', label: 'MF', children: parts.flatMap((p) => p.files) },
  };
  return { profile, parts };
}

/** Every file this script writes, by path relative to the repository root. */
export function renderProfiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const card of SAMPLE_CARDS) {
    const { profile, parts } = buildProfile(card);
    out.set(`emulator/profiles/${card.profileName}.json`, `${JSON.stringify(profile, null, 2)}\n`);
    const keys: Record<string, unknown> = {
      testKeys: true,
      warning: `Test master keys of the sscard sample card "${card.profileName}". Never use them for real cards.`,
    };
    for (const part of parts) {
      Object.assign(keys, part.keyFile);
      if (part.masterKeys) keys[part.name] = part.masterKeys;
    }
    out.set(`emulator/profiles/${card.profileName}.keys.json`, `${JSON.stringify(keys, null, 2)}\n`);
    if (PSAM_CARDS.includes(card.profileName)) {
      const specKeys = Object.assign({}, ...parts.map((p) => p.keyFile?.keys ?? {}));
      const psam = psamProfile(card, specKeys, purchaseKeyRoot(card, specKeys));
      out.set(`emulator/profiles/${psam.name}.json`, `${JSON.stringify(psam, null, 2)}\n`);
    }
  }
  return out;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [path, text] of renderProfiles()) {
    const file = join(root, path);
    if (check) {
      let current = '';
      try {
        current = readFileSync(file, 'utf8');
      } catch {}
      if (current !== text) {
        stale++;
        process.stderr.write(`${path} is out of date: run npm run profiles\n`);
      }
    } else {
      writeFileSync(file, text);
      process.stdout.write(`wrote ${path}\n`);
    }
  }
  process.exitCode = stale > 0 ? 1 : 0;
}
