import type { RegisterCommand } from './cli-context.js';

/** Every `sscard` command, in the order `--help` lists them. One file per command in ./commands. */
export const commandRegistry: RegisterCommand[] = [];
