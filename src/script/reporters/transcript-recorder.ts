import { toSpacedHex } from '../../bytes/hex.js';
import { commandCarriesSecret } from '../../channel/secret-masking.js';
import type { Script } from '../ast.js';
import type { ExchangeEvent, RunResult, ScriptReporter } from '../reporter.js';
import type { SourceLocation } from '../script-errors.js';
import { BufferedWriter } from './buffered-writer.js';
import { commandLine, responseLine } from './exchange-format.js';

export interface TranscriptOptions {
  write: (text: string) => void;
  target: string;
  now?: () => Date;
}

/**
 * `--record FILE`: a transcript that is itself a script. Each exchange is `> command` and
 * `< response SW : meaning`; `sscard run --replay FILE` sends the commands again and expects exactly
 * the recorded answers. Automatic exchanges (t0 auto) are written out, and the transcript runs in
 * raw mode, so a replay sends exactly what went over the wire. Secrets never reach the file: which
 * commands carry one is decided by the command (VERIFY, CHANGE/RELOAD PIN, EXTERNAL AUTHENTICATE, …),
 * not by how its line was written. Such a command is written as its script line when all its data
 * is `$variables` (`> 00 20 00 00 03 $pin`, replayed with --param pin=…), and with its data masked
 * (`**`) otherwise: a literal, or an expression such as `${des3_ecb(KEY, resp)}`, may be the secret.
 */
export class TranscriptRecorder implements ScriptReporter {
  private readonly out: BufferedWriter;
  private scripts = 0;

  constructor(private readonly options: TranscriptOptions) {
    this.out = new BufferedWriter(options.write);
  }

  runStart(): void {
    const now = (this.options.now ?? (() => new Date()))();
    this.out.line('# sscard transcript 1: replay with `sscard run --replay FILE`');
    this.out.line(`# recorded ${now.toISOString()} on ${this.options.target}`);
    this.out.line('t0 raw');
  }

  scriptStart(script: Script): void {
    if (this.scripts++ > 0) this.out.line('reset');
    this.out.line(`# == ${script.file}`);
  }

  sectionStart(kind: 'setup' | 'step' | 'teardown', name: string): void {
    this.out.line(kind === 'step' ? `# -- step ${name}` : `# -- ${kind}`);
  }

  exchange(e: ExchangeEvent): void {
    const c = e.command;
    const secret = c.length > 5 && commandCarriesSecret(c[0]!, c[1]!);
    if (secret && e.source && !e.automatic) this.out.line(`> ${e.source}`);
    else if (secret) this.out.line(commandLine(c));
    else this.out.line(`> ${toSpacedHex(c)}`);
    this.out.line(responseLine(e.response, e.sw));
  }

  reset(_atr: Uint8Array, kind: 'warm' | 'cold', _loc: SourceLocation): void {
    this.out.line(kind === 'cold' ? 'reset cold' : 'reset');
  }

  runEnd(_result: RunResult): void {
    this.out.flush();
  }
}
