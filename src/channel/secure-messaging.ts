import { CommandApdu } from '../apdu/command-apdu.js';
import { concatBytes, constantTimeEqual } from '../bytes/bytes.js';
import type { CardDiversificationData } from '../crypto/card-key-factors.js';
import { encryptedFieldLength, SM_MAC_LENGTH } from '../crypto/card-security.js';
import { SecurityError } from '../errors.js';
import type { CardChannel } from './card-channel.js';
import type { CardAlgorithm, KeyProvider } from './key-provider.js';

/** The card a secure-messaging layer works for: its algorithm and what diversifies its keys. */
export interface SecureMessagingCard {
  algorithm: CardAlgorithm;
  diversification: CardDiversificationData;
}

/** The random length the specification's logs use for every process factor (TR1, TR2). */
const CHALLENGE_LENGTH = 8;

function getChallenge(): CommandApdu {
  return new CommandApdu({ cla: 0x00, ins: 0x84, p1: 0x00, p2: 0x00, le: CHALLENGE_LENGTH });
}

/**
 * The social security card's security layer on a channel (card-spec §5, §6.8–6.13, §8), in the
 * manner of a secure-channel processor: sessions name a key and a command; this layer fetches the
 * card's randoms and asks the KeyProvider for authentication data, MACs and encrypted fields. The
 * session never sees a key.
 */
export class SecureMessaging {
  constructor(
    private readonly channel: CardChannel,
    private readonly keys: KeyProvider,
    readonly card: SecureMessagingCard,
  ) {}

  /**
   * EXTERNAL AUTHENTICATE with a card key (P5 §6.4, the real card log's order): two GET CHALLENGEs;
   * the first random is the original data, the second — the card's current random — the session
   * key factor; sends authData ‖ original [‖ version].
   */
  async externalAuthenticate(keyName: string, keyId: number, version?: number): Promise<void> {
    // GET CHALLENGE ×2 → EXTERNAL AUTHENTICATE: the card checks against the randoms it just gave.
    return this.channel.exclusive(async () => {
      const { original, processFactor } = await externalAuthenticationChallenges(this.channel);
      const authData = await this.keys.authenticationData({ ...this.request(keyName, processFactor), original });
      await sendExternalAuthentication(this.channel, { keyName, keyId, authData, original, ...(version === undefined ? {} : { version }) });
    });
  }

  /**
   * INTERNAL AUTHENTICATE (P5 §6.7, P7 §5.4): the card proves it holds IRK. Two terminal randoms
   * (factor, original); the card's answer is compared in constant time with the provider's.
   * A card that answers wrongly is not genuine: SecurityError.
   */
  async internalAuthenticate(terminalRandom: (n: number) => Uint8Array, keyName = 'IRK'): Promise<void> {
    const factor = terminalRandom(8);
    const original = terminalRandom(8);
    const answer = await internalAuthenticationAnswer(this.channel, factor, original);
    const expected = await this.keys.authenticationData({ ...this.request(keyName, factor), original });
    if (!constantTimeEqual(answer, expected)) throw notGenuine();
  }

  /**
   * A secure-messaging command `84 INS P1 P2 Lc [data] MAC` (P4 §8): GET CHALLENGE, then the data
   * field (encrypted `plaintext` or `clearData`) and MAC from the provider under `keyName`'s session key.
   */
  async transmitProtected(
    command: { cla: number; ins: number; p1: number; p2: number },
    keyName: string,
    options: { plaintext?: Uint8Array; clearData?: Uint8Array; context: string },
  ): Promise<Uint8Array> {
    // GET CHALLENGE → the MACed command: the session key is bound to the random just given.
    return this.channel.exclusive(async () => {
      const processFactor = await challenge(this.channel);
      const fieldLength =
        options.plaintext !== undefined
          ? encryptedFieldLength(this.card.algorithm, options.plaintext.length)
          : (options.clearData?.length ?? 0);
      const header = Uint8Array.of(command.cla, command.ins, command.p1, command.p2, fieldLength + SM_MAC_LENGTH);
      const { data, mac } = await this.keys.protectCommand({
        ...this.request(keyName, processFactor),
        header,
        ...(options.plaintext !== undefined ? { plaintext: options.plaintext } : {}),
        ...(options.clearData !== undefined ? { clearData: options.clearData } : {}),
      });
      return this.channel.transmit(new CommandApdu({ ...command, data: concatBytes(data, mac) }), { context: options.context });
    });
  }

  private request(key: string, processFactor: Uint8Array) {
    return { key, algorithm: this.card.algorithm, card: this.card.diversification, processFactor };
  }
}

function challenge(channel: CardChannel): Promise<Uint8Array> {
  return channel.transmit(getChallenge(), { context: 'GET CHALLENGE' });
}

/** A card that answers INTERNAL AUTHENTICATE wrongly is not genuine. */
export function notGenuine(): SecurityError {
  return new SecurityError('the card failed internal authentication: it is not a genuine card of this issuer');
}

/**
 * INTERNAL AUTHENTICATE `00 88 00 00 10 factor ‖ original`: the card's 8-byte authentication data,
 * for the caller to compare with its key provider's (or an HSM's) answer.
 */
export async function internalAuthenticationAnswer(channel: CardChannel, factor: Uint8Array, original: Uint8Array): Promise<Uint8Array> {
  const answer = await channel.transmit(
    new CommandApdu({ cla: 0x00, ins: 0x88, p1: 0x00, p2: 0x00, data: concatBytes(factor, original), le: 256 }),
    { context: 'internal authentication' },
  );
  if (answer.length !== 8) throw notGenuine();
  return answer;
}

/**
 * The two GET CHALLENGEs before EXTERNAL AUTHENTICATE (the real card log's order): the first random
 * is the original data, the second — the card's current random — the session key's process factor.
 */
export async function externalAuthenticationChallenges(channel: CardChannel): Promise<{ original: Uint8Array; processFactor: Uint8Array }> {
  const original = await challenge(channel);
  const processFactor = await challenge(channel);
  return { original, processFactor };
}

/**
 * EXTERNAL AUTHENTICATE `00 82 00 keyId authData ‖ original [‖ version]`: valid right after
 * externalAuthenticationChallenges, while the card still holds its random.
 */
export async function sendExternalAuthentication(
  channel: CardChannel,
  proof: { keyName: string; keyId: number; authData: Uint8Array; original: Uint8Array; version?: number },
): Promise<void> {
  const version = proof.version === undefined ? new Uint8Array(0) : Uint8Array.of(proof.version);
  await channel.transmit(
    new CommandApdu({ cla: 0x00, ins: 0x82, p1: 0x00, p2: proof.keyId, data: concatBytes(proof.authData, proof.original, version) }),
    { context: `authenticating with ${proof.keyName}` },
  );
}
