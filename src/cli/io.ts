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

export function processIo(): CliIo {
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

/** Reads a line from the terminal in raw mode, echoing nothing, so a PIN never shows on screen. */
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
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
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
