import { Command, CommanderError } from 'commander';
import { SscardError } from '../errors.js';
import type { CliContext, RegisterCommand } from './cli-context.js';
import { commandRegistry } from './command-registry.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { type CliIo, processIo } from './io.js';

export function buildProgram(ctx: CliContext, registry: RegisterCommand[] = commandRegistry): Command {
  const program = new Command();
  program
    .name('sscard')
    .description("Smart-card terminal SDK and emulator for China's social security cards (社会保障卡)")
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
      outputError: (s, write) => write(s),
    });
  for (const register of registry) register(program, ctx);
  // Subcommands inherit the same output and exit behaviour.
  const inherit = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput({
        writeOut: (s) => ctx.io.stdout(s),
        writeErr: (s) => ctx.io.stderr(s),
      });
      sub.showHelpAfterError('(run with --help for usage)');
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

/**
 * Runs `sscard` with `argv` (without the node and script entries) and returns the exit code.
 * The one place where errors become messages: one line on stderr, never a stack trace; with
 * `--json`, also `{ "error": { "code", "message" } }` on stdout unless the command already
 * printed its document (which then carries the error itself).
 */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  let wroteStdout = false;
  const tracked: CliIo = {
    ...io,
    stdout: (text) => {
      wroteStdout = true;
      io.stdout(text);
    },
  };
  const ctx: CliContext = { io: tracked };
  const program = buildProgram(ctx);
  const json = wantsJson(argv);
  const jsonError = (code: string, message: string) => {
    if (json && !wroteStdout) io.stdout(`${JSON.stringify({ error: { code, message } }, null, 2)}\n`);
  };
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exitCode 0; commander already printed its message.
      if (error.exitCode === 0) return ExitCode.ok;
      jsonError('EUSAGE', error.message.replace(/^error: /, ''));
      return ExitCode.usage;
    }
    const code = exitCodeFor(error);
    if (error instanceof SscardError) {
      io.stderr(`sscard: ${error.message}\n`);
      jsonError(error.code, error.message);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr(`sscard: internal error: ${message} (please report this; set SSCARD_DEBUG=1 for details)\n`);
      if (io.env.SSCARD_DEBUG && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
      jsonError('EINTERNAL', `internal error: ${message}`);
    }
    return code;
  }
}

/** `--json` among the options (not after `--`, where it would be an argument). */
function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}
