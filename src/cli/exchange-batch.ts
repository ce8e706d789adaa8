import type { ExchangeEvent } from '../script/reporter.js';

/**
 * Exchanges of a `run --jobs` worker packed for the trip to the main thread: all bytes in one
 * buffer and the numbers in one Int32Array, both transferred rather than copied; strings once
 * each. Cloning an object with two Uint8Arrays per exchange costs more than the exchange itself.
 */
export interface PackedExchanges {
  bytes: Uint8Array;
  /** Per exchange: command length, response length, sw, automatic, line, column, file, source, comments. */
  fields: Int32Array;
  strings: string[];
  comments: string[][];
}

const FIELDS = 9;

export class ExchangeBatch {
  private bytes = new Uint8Array(4096);
  private used = 0;
  private fields: number[] = [];
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  private readonly comments: string[][] = [];
  private readonly commentIds = new Map<string[], number>();

  get size(): number {
    return this.fields.length / FIELDS;
  }

  add(e: ExchangeEvent): void {
    this.append(e.command);
    this.append(e.response);
    this.fields.push(
      e.command.length,
      e.response.length,
      e.sw,
      e.automatic ? 1 : 0,
      e.loc.line,
      e.loc.column,
      this.stringId(e.loc.file),
      e.source === undefined ? -1 : this.stringId(e.source),
      e.comments === undefined ? -1 : this.commentId(e.comments),
    );
  }

  /** The packed batch and the buffers to transfer with it. */
  pack(): { packed: PackedExchanges; transfer: ArrayBuffer[] } {
    const bytes = this.bytes.slice(0, this.used);
    const fields = Int32Array.from(this.fields);
    return {
      packed: { bytes, fields, strings: this.strings, comments: this.comments },
      transfer: [bytes.buffer as ArrayBuffer, fields.buffer as ArrayBuffer],
    };
  }

  private append(b: Uint8Array): void {
    if (this.used + b.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + b.length));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    this.bytes.set(b, this.used);
    this.used += b.length;
  }

  private stringId(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.push(s) - 1;
      this.stringIds.set(s, id);
    }
    return id;
  }

  private commentId(c: string[]): number {
    let id = this.commentIds.get(c);
    if (id === undefined) {
      id = this.comments.push(c) - 1;
      this.commentIds.set(c, id);
    }
    return id;
  }
}

/** The exchanges of a packed batch, in order (byte arrays are views into the one buffer). */
export function* unpackExchanges(p: PackedExchanges): Generator<ExchangeEvent> {
  let at = 0;
  for (let i = 0; i < p.fields.length; i += FIELDS) {
    const f = p.fields;
    const commandLength = f[i]!;
    const responseLength = f[i + 1]!;
    const command = p.bytes.subarray(at, at + commandLength);
    at += commandLength;
    const response = p.bytes.subarray(at, at + responseLength);
    at += responseLength;
    yield {
      command,
      response,
      sw: f[i + 2]!,
      automatic: f[i + 3] === 1,
      loc: { file: p.strings[f[i + 6]!]!, line: f[i + 4]!, column: f[i + 5]! },
      source: f[i + 7]! < 0 ? undefined : p.strings[f[i + 7]!],
      comments: f[i + 8]! < 0 ? undefined : p.comments[f[i + 8]!],
    };
  }
}
