/** Where a CLI command writes: injectable so tests run commands in-process and read the output. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads all of standard input (for --pin-stdin and piped scripts). */
  readStdin: () => Promise<string>;
  /** True when stdout is an interactive terminal (progress bars, prompts). */
  isTty: boolean;
  env: Record<string, string | undefined>;
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
  };
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
