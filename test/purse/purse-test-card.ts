import { readFileSync } from 'node:fs';
import { STANDARD_APPLICATIONS } from '../../emulator/applications/standard-applications.js';
import { CardEmulator } from '../../emulator/card-emulator.js';
import type { CardProfile, DedicatedFileProfile } from '../../emulator/card-profile.js';
import { memoryLogger } from '../../emulator/emulator-logger.js';
import { EmulatorTransport } from '../../emulator/emulator-transport.js';
import { loadProfile } from '../../emulator/profile-loader.js';
import { profileKeysPath, resolveProfilePath } from '../../emulator/profile-paths.js';
import { MemoryStateStore } from '../../emulator/state-store.js';
import { SoftwarePurseSam } from '../../src/applications/purse/purse-keys.js';
import { CardChannel } from '../../src/channel/card-channel.js';

export const PURSE_AID = 'A000000632010105';
export const SELECT_PURSE = `00A4040008${PURSE_AID}`;
export const TERM = '112233445566';

/** The purse ADF of a loaded profile. */
export function purseDf(profile: CardProfile): DedicatedFileProfile {
  const df = profile.mf.children?.find((c): c is DedicatedFileProfile => c.kind === 'df' && c.dfName === PURSE_AID);
  if (!df) throw new Error('no purse on this card');
  return df;
}

/** A shipped profile, optionally with its purse keys switched to SM4 (the profile setting of the SM4 variant). */
export function purseProfile(name = 'default', algorithm: '3des' | 'sm4' = '3des'): CardProfile {
  const profile = loadProfile(resolveProfilePath(name));
  if (algorithm === 'sm4') for (const k of purseDf(profile).keys ?? []) k.algorithm = 'sm4';
  return profile;
}

/** The test master keys of the card's purse, as the key file holds them (algorithm switched as asked). */
export function purseKeyFile(name = 'default', algorithm: '3des' | 'sm4' = '3des') {
  const file = JSON.parse(readFileSync(profileKeysPath(name), 'utf8'));
  const purse: Record<string, { algorithm: string; master: string }> = file.purse;
  return { purse: Object.fromEntries(Object.entries(purse).map(([n, e]) => [n, { ...e, algorithm }])) };
}

export function purseSam(name = 'default', algorithm: '3des' | 'sm4' = '3des'): SoftwarePurseSam {
  return new SoftwarePurseSam(purseKeyFile(name, algorithm));
}

/** Randoms handed out in order (then zeros): the card's challenges become predictable. */
export function fixedRandom(values: string[]): (n: number) => Uint8Array {
  const queue = values.map((v) => Uint8Array.from(Buffer.from(v, 'hex')));
  return (n) => queue.shift()?.slice(0, n) ?? new Uint8Array(n);
}

export interface PurseTestCard {
  card: CardEmulator;
  store: MemoryStateStore;
  /** Sends hex, returns the whole response hex (data ‖ SW). */
  send(hex: string): string;
  sw(hex: string): string;
  balance(): number;
  channel(): Promise<CardChannel>;
}

export function purseCard(
  options: {
    profile?: string;
    algorithm?: '3des' | 'sm4';
    contactless?: boolean;
    random?: (n: number) => Uint8Array;
    store?: MemoryStateStore;
  } = {},
): PurseTestCard {
  const store = options.store ?? new MemoryStateStore();
  const card = new CardEmulator({
    profile: purseProfile(options.profile, options.algorithm),
    store,
    applications: STANDARD_APPLICATIONS,
    cardInterface: options.contactless === false ? 'contact' : 'contactless',
    logger: memoryLogger(),
    ...(options.random ? { random: options.random } : {}),
  });
  card.powerOn();
  const send = (hex: string): string =>
    Buffer.from(card.transmit(Uint8Array.from(Buffer.from(hex.replace(/\s/g, ''), 'hex'))))
      .toString('hex')
      .toUpperCase();
  return {
    card,
    store,
    send,
    sw: (hex) => send(hex).slice(-4),
    balance: () => Number.parseInt(send('805C000204').slice(0, 8), 16),
    channel: async () => {
      const t = new EmulatorTransport(card);
      await t.connect();
      return new CardChannel(t);
    },
  };
}
