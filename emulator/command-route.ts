import type { CommandApdu } from '../src/apdu/command-apdu.js';
import type { CardContext } from './card-context.js';
import type { DedicatedFile } from './file-system.js';

/**
 * What a handler returns: response data (SW 9000), data with another SW (e.g. 6283 + FCI), or
 * nothing (9000 alone). Errors are thrown as CardStatus.
 */
export type HandlerResult = undefined | Uint8Array | { data?: Uint8Array; sw: number };

export type CommandHandler = (ctx: CardContext, apdu: CommandApdu) => HandlerResult;

/** One command a handler answers: which CLA values (logical-channel bits cleared) and INS. */
export interface CommandRoute {
  /** Name for logs, e.g. "READ RECORD". */
  name: string;
  cla: readonly number[];
  ins: number;
  handler: CommandHandler;
  /** Still answered while the current application is blocked (SELECT, GET CHALLENGE, APPLICATION UNBLOCK). */
  allowedWhenBlocked?: boolean;
}

/**
 * An application's own commands (PBOC GPO, e-purse, the medical purse's B0 commands), active while a DF whose
 * profile names this application (`"application": "<name>"`) is the current DF. They are looked
 * up before the card-wide ISO commands, so an application may also override one of those
 * (e.g. its own GET DATA).
 */
export interface CardApplication {
  readonly name: string;
  readonly commands: readonly CommandRoute[];
  /** Called after SELECT made a DF of this application current (e.g. to reset a transaction). */
  onSelect?(ctx: CardContext, df: DedicatedFile): void;
}
