import { AsyncLocalStorage } from 'node:async_hooks';
import { BadResponseError, errorForStatus } from '../apdu/apdu-error.js';
import { CommandApdu } from '../apdu/command-apdu.js';
import { describeCommand } from '../apdu/command-names.js';
import { ResponseApdu, swHex } from '../apdu/response-apdu.js';
import { decodeStatusWord } from '../apdu/status-words.js';
import { concatBytes } from '../bytes/bytes.js';
import { toSpacedHex } from '../bytes/hex.js';
import type { CardTransport } from '../transport/card-transport.js';
import { AsyncMutex } from './async-mutex.js';
import { maskCommandForTrace } from './secret-masking.js';
import type { TraceEvent, TraceListener } from './trace-event.js';

export interface CardChannelOptions {
  /** Answer 61xx with GET RESPONSE until the card has given everything (default true). */
  autoGetResponse?: boolean;
  /** Re-send a command with the Le the card asked for in 6Cxx (default true). */
  autoResendOnWrongLe?: boolean;
  /** Split commands with more than 255 data bytes into a chain (CLA b5) instead of one extended APDU (default true). */
  chaining?: boolean;
  /** Data bytes per chained command (default 255). */
  chainBlockSize?: number;
  /** Called with every exchange, secrets masked. */
  trace?: TraceListener;
}

export interface TransmitOptions {
  /** Status words that count as success (default: 9000 only). Others throw ApduError/PinError. */
  expect?: number[] | ((sw: number) => boolean);
  /** Named in error messages, e.g. "reading EF05". */
  context?: string;
}

// A card that keeps answering 61xx forever must not hang the terminal.
const MAX_GET_RESPONSE_ROUNDS = 256;

/**
 * A transport that can also keep other programs off the card for a while (PC/SC
 * SCardBeginTransaction / SCardEndTransaction): `CardTransport.beginExclusive/endExclusive`,
 * optional. Named here structurally so the channel works with transports that predate them.
 */
interface ExclusiveHooks {
  beginExclusive?(): Promise<void>;
  endExclusive?(): Promise<void>;
}

/**
 * The channels whose exclusive() the running code is inside (nested across channels: a PSAM's
 * inside a card's). One storage for all channels: Node keeps every AsyncLocalStorage ever used
 * and visits each one at every promise, so one per channel made each call slower than the last.
 */
const insideChannels = new AsyncLocalStorage<ReadonlySet<CardChannel>>();

/**
 * What sits between a session and a transport: T=0 response handling, command chaining, tracing,
 * typed errors for status words the caller did not expect, and ordering: an exchange (a command
 * with its 61xx/6Cxx follow-ups, or a command chain) is never interleaved with another caller's,
 * and exclusive() holds the card for a sequence of exchanges.
 */
export class CardChannel {
  readonly transport: CardTransport;
  private readonly options: Required<Omit<CardChannelOptions, 'trace'>>;
  private readonly listeners: TraceListener[] = [];
  /** Held by exclusive() sections and by each transmit outside one. */
  private readonly session = new AsyncMutex();
  /** Held by each exchange, also inside an exclusive section (whose own calls may overlap). */
  private readonly exchanges = new AsyncMutex();

  constructor(transport: CardTransport, options: CardChannelOptions = {}) {
    this.transport = transport;
    this.options = {
      autoGetResponse: options.autoGetResponse ?? true,
      autoResendOnWrongLe: options.autoResendOnWrongLe ?? true,
      chaining: options.chaining ?? true,
      chainBlockSize: options.chainBlockSize ?? 255,
    };
    if (options.trace) this.listeners.push(options.trace);
  }

  onTrace(listener: TraceListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Runs `body` with the card to itself: other callers' transmits and exclusive sections wait
   * until it ends (in the order they came). Re-entrant: transmit() and exclusive() called from
   * inside `body` run at once. Use it for sequences whose meaning depends on the card state the
   * previous command left: SELECT then READ, GET CHALLENGE then the command MACed with it.
   * When the transport offers beginExclusive/endExclusive (a PC/SC transaction), other
   * programs are kept off the card too.
   */
  async exclusive<T>(body: () => Promise<T>): Promise<T> {
    if (this.isInside()) return body();
    await this.session.lock();
    const transport = this.transport as CardTransport & ExclusiveHooks;
    try {
      // The place where a transport's card-level transaction begins (PC/SC SCardBeginTransaction).
      await transport.beginExclusive?.();
      try {
        return await insideChannels.run(new Set([...(insideChannels.getStore() ?? []), this]), body);
      } finally {
        await transport.endExclusive?.();
      }
    } finally {
      this.session.unlock();
    }
  }

  /** True while code runs inside this channel's exclusive(): its calls do not queue behind it. */
  private isInside(): boolean {
    return insideChannels.getStore()?.has(this) === true;
  }

  /** Sends a command and returns data and SW as the card finally gave them, whatever the SW. */
  async transmitRaw(command: CommandApdu | Uint8Array): Promise<ResponseApdu> {
    const apdu = command instanceof CommandApdu ? command : CommandApdu.decode(command);
    const whole = () =>
      this.exchanges.run(() =>
        this.options.chaining && apdu.data.length > this.options.chainBlockSize ? this.sendChained(apdu) : this.exchange(apdu, false),
      );
    return this.isInside() ? whole() : this.session.run(whole);
  }

  /** Sends a command and returns its data; an unexpected status word throws ApduError or PinError. */
  async transmit(command: CommandApdu | Uint8Array, options: TransmitOptions = {}): Promise<Uint8Array> {
    const response = await this.transmitRaw(command);
    const expect = options.expect ?? [0x9000];
    const ok = typeof expect === 'function' ? expect(response.sw) : expect.includes(response.sw);
    if (!ok) {
      const ins = command instanceof CommandApdu ? command.ins : (command[1] ?? 0);
      throw errorForStatus(response.sw, ins, response.data, options.context);
    }
    return response.data;
  }

  private async sendChained(apdu: CommandApdu): Promise<ResponseApdu> {
    const size = this.options.chainBlockSize;
    for (let offset = 0; offset < apdu.data.length; offset += size) {
      const last = offset + size >= apdu.data.length;
      const part = apdu.with({
        cla: last ? apdu.cla : apdu.cla | 0x10,
        data: apdu.data.subarray(offset, offset + size),
        le: last ? apdu.le : undefined,
        extended: false,
      });
      const response = await this.exchange(part, offset > 0);
      if (!last && response.sw !== 0x9000) return response;
      if (last) return response;
    }
    throw new BadResponseError('empty command chain');
  }

  /** One command with its T=0 follow-ups (6Cxx re-send, 61xx GET RESPONSE rounds). */
  private async exchange(apdu: CommandApdu, automatic: boolean): Promise<ResponseApdu> {
    let response = await this.send(apdu, automatic);
    if (this.options.autoResendOnWrongLe && response.sw1 === 0x6c) {
      response = await this.send(apdu.with({ le: response.sw2 === 0 ? 256 : response.sw2 }), true);
    }
    if (!this.options.autoGetResponse || response.sw1 !== 0x61) return response;
    const parts: Uint8Array[] = [response.data];
    // GET RESPONSE goes on the same logical channel: keep the channel bits of the CLA.
    const cla = getResponseCla(apdu.cla);
    for (let round = 0; response.sw1 === 0x61; round++) {
      if (round >= MAX_GET_RESPONSE_ROUNDS) throw new BadResponseError(`card still answering 61xx after ${round} GET RESPONSE commands`);
      const le = response.sw2 === 0 ? 256 : response.sw2;
      response = await this.send(new CommandApdu({ cla, ins: 0xc0, p1: 0, p2: 0, le }), true);
      if (response.sw1 === 0x6c && this.options.autoResendOnWrongLe) {
        response = await this.send(new CommandApdu({ cla, ins: 0xc0, p1: 0, p2: 0, le: response.sw2 === 0 ? 256 : response.sw2 }), true);
      }
      parts.push(response.data);
    }
    return new ResponseApdu(concatBytes(...parts), response.sw);
  }

  private async send(apdu: CommandApdu, automatic: boolean): Promise<ResponseApdu> {
    const bytes = apdu.encode();
    const started = performance.now();
    const response = ResponseApdu.decode(await this.transport.transmit(bytes));
    if (this.listeners.length > 0) {
      const info = decodeStatusWord(response.sw);
      const event: TraceEvent = {
        command: maskCommandForTrace(bytes),
        commandName: describeCommand(apdu.cla, apdu.ins, apdu.p1, apdu.p2),
        response: toSpacedHex(response.data),
        sw: response.sw,
        swHex: swHex(response.sw),
        meaning: info.meaning,
        automatic,
        durationMs: performance.now() - started,
      };
      for (const l of this.listeners) l(event);
    }
    return response;
  }
}

/** GET RESPONSE is an interindustry command: CLA 00 plus the logical-channel bits of the original CLA. */
export function getResponseCla(cla: number): number {
  if ((cla & 0x40) !== 0) return 0x40 | (cla & 0x0f); // further interindustry: channels 4–19
  return cla & 0x03;
}
