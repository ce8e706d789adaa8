import type { RegisterCommand } from './cli-context.js';
import { registerApdu } from './commands/apdu.js';
import { registerRun } from './commands/run.js';
import { registerSw } from './commands/sw.js';
import { registerTlv } from './commands/tlv.js';

/** Every `sscard` command, in the order `--help` lists them. One file per command in ./commands. */
export const commandRegistry: RegisterCommand[] = [registerSw, registerTlv, registerApdu, registerRun];
