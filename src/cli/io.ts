import { InputError } from '../errors.js';
import { CancelledError } from './cancelled-error.js';

/** Where a CLI command writes: injectable so tests run commands in-process and read the output. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads all of standard input (for --pin-stdin and piped scripts). */
  readStdin: () => Promise<string>;
  /** True when stdout is an interactive terminal (progress bars, prompts). */
  isTty: boolean;
  env: Record<string, string | undefined>;
  /** Asks for a secret on the terminal without echo; undefined when there is no terminal. */
  promptSecret?: (question: string) => Promise<string>;
}

let epipeHandled = false;

export function processIo(): CliIo {
  if (!epipeHandled) {
    epipeHandled = true;
    // `sscard sw --list | head -1`: the reader of our output went away. Stop quietly, as tools do
    // on SIGPIPE, instead of an unhandled 'error' event with a stack trace.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    isTty: Boolean(process.stdout.isTTY),
    env: process.env,
    ...(process.stdin.isTTY ? { promptSecret: promptWithoutEcho } : {}),
  };
}

/**
 * Reads a line from the terminal in raw mode, echoing nothing, so a PIN never shows on screen.
 * Ctrl-C (or SIGINT) cancels: CancelledError, exit 130. Ctrl-D on an empty line is "no input":
 * an InputError, exit 2.
 */
function promptWithoutEcho(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      process.off('SIGINT', onSigint);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CancelledError());
        if (ch === '\u0004') {
          if (value === '') return done(noInput(question));
          continue;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const onEnd = () => done(noInput(question));
    const onSigint = () => done(new CancelledError());
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    process.on('SIGINT', onSigint);
  });
}

function noInput(question: string): InputError {
  return new InputError('input', `no input at the prompt "${question.replace(/[:?]?\s*$/, '')}"`);
}

/** Collects output in memory; for tests. */
export function memoryIo(stdin = ''): CliIo & { out: string[]; err: string[]; text(): string; errText(): string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    readStdin: async () => stdin,
    isTty: false,
    env: {},
    text: () => out.join(''),
    errText: () => err.join(''),
  };
}
