import { Command, CommanderError } from 'commander';
import { SscardError } from '../errors.js';
import type { CliContext, RegisterCommand } from './cli-context.js';
import { commandRegistry } from './command-registry.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { type CliIo, processIo } from './io.js';

/** Thrown by a command that ran fine but whose check failed (exit 1) after it printed why. */
export class CheckFailed extends SscardError {
  constructor(message: string) {
    super('ECHECK', message);
  }
}

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
 * The one place where errors become messages: one line on stderr, never a stack trace.
 */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const ctx: CliContext = { io };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exitCode 0; commander already printed its message.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const code = exitCodeFor(error);
    if (error instanceof SscardError) {
      io.stderr(`sscard: ${error.message}\n`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr(`sscard: internal error: ${message} (please report this; set SSCARD_DEBUG=1 for details)\n`);
      if (io.env.SSCARD_DEBUG && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    }
    return code;
  }
}
