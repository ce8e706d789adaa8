import type { HsmConnection } from '../applications/keys/hsm-key-provider.js';
import { TcpHsmConnection, tcpHsmUrl } from '../applications/keys/tcp-hsm-connection.js';
import { InputError } from '../errors.js';

/** The terminal's HSM as `--hsm` names it. */
export type HsmTarget =
  | {
      kind: 'software';
      /** The key file; undefined: the emulated card's test keys (emulator only). */
      keyFile: string | undefined;
    }
  | { kind: 'tcp'; host: string; port: number };

/** What `--hsm` takes, for --help texts. */
export const HSM_OPTION_HELP =
  'the terminal\'s HSM, used where it has no PSAM or the PSAM lacks a key (SC §10.5): "tcp://HOST:PORT" (sscard\'s HSM gateway protocol: the request line out, one answer line back), or "software" / "software:KEYFILE" (master keys in this process: development only; "software" = the emulated card\'s test keys)';

/** Printed when a software HSM is configured. */
export const SOFTWARE_HSM_WARNING =
  'warning: --hsm software holds card master keys in this process: for development and tests only, never for real cards';

/**
 * `--hsm` parsed: `software`, `software:KEYFILE` or `tcp://HOST:PORT` (IPv6 in brackets); anything
 * else an InputError (exit 2) before a reader is opened. `software` alone needs the emulated card,
 * whose test keys it holds.
 */
export function parseHsmOption(text: string, emulated: boolean): HsmTarget {
  if (text === 'software') {
    if (!emulated)
      throw new InputError('hsm', "--hsm software holds the emulated card's test keys: with PC/SC give --hsm software:KEYFILE");
    return { kind: 'software', keyFile: undefined };
  }
  if (text.startsWith('software:')) {
    const keyFile = text.slice('software:'.length);
    if (keyFile === '') throw new InputError('hsm', '--hsm software:KEYFILE needs the key file');
    return { kind: 'software', keyFile };
  }
  const match = /^tcp:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || !(port >= 1 && port <= 65535)) {
    throw new InputError('hsm', `--hsm takes tcp://HOST:PORT, software or software:KEYFILE, got "${text.slice(0, 80)}"`);
  }
  return { kind: 'tcp', host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

/** How the start-up line names the HSM (no keys, no requests). */
export function describeHsm(target: HsmTarget): string {
  if (target.kind === 'software') return `software HSM (${target.keyFile ?? "the emulated card's test keys"})`;
  return `HSM ${tcpHsmUrl(target)}`;
}

/**
 * The connection to the HSM: a SoftwareHsm (its key file read now, so a bad one fails before a
 * reader opens; `profile` names the emulated card whose test keys `software` takes), or a
 * TcpHsmConnection (it connects per request).
 */
export async function openHsm(target: HsmTarget, profile?: string): Promise<HsmConnection> {
  if (target.kind === 'tcp') return new TcpHsmConnection({ host: target.host, port: target.port });
  const { SoftwareHsm } = await import('../applications/keys/software-hsm.js');
  const { profileKeysPath } = await import('../../emulator/profile-paths.js');
  return SoftwareHsm.fromFile(target.keyFile ?? profileKeysPath(profile));
}
