import { connect } from 'node:net';
import type { HsmConnection } from './hsm-key-provider.js';
import { HsmError } from './hsm-request.js';

/** How long one request may take, connecting included (ms). */
export const TCP_HSM_TIMEOUT_MS = 5000;

/** The longest answer line taken (the longest real answer, a reload's 16 + 4 bytes, is 40 hex digits). */
const MAX_ANSWER_LENGTH = 1024;

/** The HSM gateway could not be asked: nothing listens, the network is down, no answer in time, or it hung up. */
export class HsmUnreachableError extends HsmError {
  constructor(
    readonly reason: 'connect' | 'timeout' | 'closed',
    message: string,
  ) {
    super(message);
  }
}

export interface TcpHsmAddress {
  host: string;
  port: number;
  timeoutMs?: number;
}

/** `tcp://host:port` (an IPv6 host in brackets), as `--hsm` names it. */
export function tcpHsmUrl(address: TcpHsmAddress): string {
  return `tcp://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/**
 * sscard's simple HSM gateway protocol: one TCP connection per request; the request string of
 * hsm-request.ts (card-spec §10.5) and a newline out, one answer line back (printable ASCII, CR
 * before the newline allowed). A site puts a small gateway speaking it in front of its HSM or
 * card-holder library. Requests and answers are never logged nor put into error messages: the
 * reload request carries the new PIN.
 */
export class TcpHsmConnection implements HsmConnection {
  private readonly timeoutMs: number;

  constructor(private readonly address: TcpHsmAddress) {
    this.timeoutMs = address.timeoutMs ?? TCP_HSM_TIMEOUT_MS;
  }

  get url(): string {
    return tcpHsmUrl(this.address);
  }

  request(line: string): Promise<string> {
    if (/[\r\n]/.test(line)) return Promise.reject(new HsmError('an HSM request is one line'));
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.address.host, port: this.address.port });
      let received = Buffer.alloc(0);
      let settled = false;
      const settle = (error: Error | undefined, answer?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (error === undefined) resolve(answer!);
        else reject(error);
      };
      // The whole request, not the idle time: an HSM sending a byte now and then still ends in time.
      const timer = setTimeout(
        () => settle(new HsmUnreachableError('timeout', `the HSM at ${this.url} did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      socket.on('connect', () => socket.write(`${line}\n`));
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const end = received.indexOf(0x0a);
        if (end < 0) {
          if (received.length > MAX_ANSWER_LENGTH) settle(this.garbage());
          return;
        }
        const answer = received.subarray(0, end).toString('latin1').replace(/\r$/, '');
        settle(answer.length <= MAX_ANSWER_LENGTH && /^[\x20-\x7e]*$/.test(answer) ? undefined : this.garbage(), answer);
      });
      socket.on('error', (error: NodeJS.ErrnoException) =>
        settle(new HsmUnreachableError('connect', `the HSM at ${this.url} cannot be reached (${error.code ?? 'network error'})`)),
      );
      socket.on('close', () => settle(new HsmUnreachableError('closed', `the HSM at ${this.url} closed the connection without an answer`)));
    });
  }

  private garbage(): HsmError {
    return new HsmError(`the HSM at ${this.url} answered something that is not one line of text`);
  }
}
