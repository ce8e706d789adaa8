import { randomBytes } from 'node:crypto';
import { ApduFormatError } from '../src/apdu/apdu-format-error.js';
import { CommandApdu } from '../src/apdu/command-apdu.js';
import { fromHex } from '../src/bytes/hex.js';
import { CardContext, type CardInterface } from './card-context.js';
import type { CardProfile } from './card-profile.js';
import { applyState } from './card-state.js';
import { CardStatus, SW } from './card-status.js';
import type { CardApplication, CommandRoute } from './command-route.js';
import { ISO_COMMANDS } from './commands/iso-commands.js';
import { atsHistoricalBytes, synthesizeContactlessAtr } from './contactless.js';
import { type EmulatorLogger, stderrLogger } from './emulator-logger.js';
import { buildFileSystem } from './file-system.js';
import { ProfileError } from './profile-error.js';
import { ResponseShaper, swBytes, withSw } from './response-shaper.js';
import { MemoryStateStore, type StateStore } from './state-store.js';
import type { VirtualCard } from './virtual-card.js';

export interface CardEmulatorOptions {
  /** A validated profile (loadProfile / parseProfile). */
  profile: CardProfile;
  /** Where state lives; default: in memory. A store with no state yet is initialised from the profile. */
  store?: StateStore;
  /** Contact (ATR, profile protocol) or contactless (synthesized ATR, T=CL, `FF CA` UID). Default contact. */
  cardInterface?: CardInterface;
  logger?: EmulatorLogger;
  /** Source of challenges; default node:crypto randomBytes. */
  random?: (length: number) => Uint8Array;
  /** Application handlers, bound to DFs by the profile's `application` field. */
  applications?: readonly CardApplication[];
  /** Extra card-wide commands, looked up before the built-in ISO ones. */
  commands?: readonly CommandRoute[];
}

const INS_GET_RESPONSE = 0xc0;
const CLA_PCSC_PSEUDO = 0xff;
const INS_GET_UID = 0xca;

/**
 * The software card: a profile plus its persistent state, answering APDUs like the chip would.
 * One dispatch point: handlers throw CardStatus; anything else becomes 6F00 and is logged.
 * State changes are saved (atomically, by the store) before an answer is returned.
 */
export class CardEmulator implements VirtualCard {
  readonly profile: CardProfile;
  readonly cardInterface: CardInterface;
  /** The live card, for application handlers and tests. */
  readonly context: CardContext;
  private readonly logger: EmulatorLogger;
  private readonly applications = new Map<string, CardApplication>();
  private readonly commands: readonly CommandRoute[];
  private readonly shaper = new ResponseShaper();
  private readonly atr: Uint8Array;
  private powered = false;
  private readonly store: StateStore;

  constructor(options: CardEmulatorOptions) {
    const profile = options.profile;
    this.profile = profile;
    this.cardInterface = options.cardInterface ?? 'contact';
    this.logger = options.logger ?? stderrLogger;
    this.atr = this.answerToReset();
    const mf = buildFileSystem(profile.mf, { atr: fromHex(profile.atr), pinRetryLimit: profile.settings?.pinRetryLimit ?? 6 });
    const store = options.store ?? new MemoryStateStore();
    this.store = store;
    const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
    this.context = new CardContext(profile, mf, this.cardInterface, store, random);
    for (const app of options.applications ?? []) this.applications.set(app.name, app);
    this.commands = [...(options.commands ?? []), ...ISO_COMMANDS];
    for (const df of mf.walk()) {
      if (df.application !== undefined && !this.applications.has(df.application)) {
        this.logger.warn(`DF ${df.id} names application "${df.application}", which is not registered; only ISO commands answer there`);
      }
    }
    this.context.dfSelectedListener = (df) => {
      const app = df.application === undefined ? undefined : this.applications.get(df.application);
      app?.onSelect?.(this.context, df);
    };
    const saved = store.load();
    if (saved === undefined) {
      // First use: the state file is created from the profile.
      this.context.markDirty();
      this.context.commit('state:created');
    } else {
      const data = applyState(saved, profile.name, mf, store.description);
      this.context.cardBlocked = data.cardBlocked;
      Object.assign(this.context.applicationData, data.applications);
    }
  }

  powerOn(): Uint8Array {
    this.powered = true;
    this.context.resetVolatile();
    this.shaper.clear();
    return this.atr.slice();
  }

  powerOff(): void {
    this.powered = false;
    this.context.resetVolatile();
    this.shaper.clear();
  }

  /**
   * Powers the card off and gives up its state (a state file's lock is released, so another
   * process or card may open it). The card answers 6581 to anything that would change it afterwards.
   */
  close(): void {
    this.powerOff();
    this.store.close?.();
  }

  /** Warm reset: same effect on the card as a cold one (volatile state lost, persistent kept). */
  reset(): Uint8Array {
    return this.powerOn();
  }

  /** The ATR this card answers on its interface. */
  get answerToResetBytes(): Uint8Array {
    return this.atr.slice();
  }

  transmit(command: Uint8Array): Uint8Array {
    try {
      // A card that is transmitted to is present and powered (in-process use without powerOn).
      if (!this.powered) this.powerOn();
      return this.process(command);
    } catch (error) {
      this.logger.error(`internal error on ${header(command)}`, error);
      return swBytes(SW.UNKNOWN_ERROR);
    }
  }

  private process(bytes: Uint8Array): Uint8Array {
    let apdu: CommandApdu;
    try {
      apdu = CommandApdu.decode(bytes);
    } catch (error) {
      if (error instanceof ApduFormatError) return swBytes(SW.WRONG_LENGTH);
      throw error;
    }
    const ctx = this.context;
    if (apdu.extended && (ctx.usesT0 || this.profile.settings?.extendedLength !== true)) return swBytes(SW.WRONG_LENGTH);
    if (apdu.cla === CLA_PCSC_PSEUDO) {
      this.shaper.clear();
      return this.cardInterface === 'contactless' ? this.readerPseudoApdu(apdu) : swBytes(SW.CLA_NOT_SUPPORTED);
    }
    const app = ctx.currentDf.application === undefined ? undefined : this.applications.get(ctx.currentDf.application);
    const routes = app === undefined ? this.commands : [...app.commands, ...this.commands];
    // Proprietary classes (b7–b5 set, e.g. the medical purse's B0) only where an application names them.
    const proprietaryCla = (apdu.cla & 0x70) !== 0;
    if (proprietaryCla && !routes.some((r) => r.cla.includes(apdu.cla))) return swBytes(SW.CLA_NOT_SUPPORTED);
    if (!proprietaryCla && (apdu.cla & 0x03) !== 0) return swBytes(SW.LOGICAL_CHANNEL_NOT_SUPPORTED);
    const cla = apdu.cla;
    if (apdu.ins === INS_GET_RESPONSE && cla === 0x00) return this.run(() => this.shaper.getResponse(apdu));
    this.shaper.clear();
    if (ctx.cardBlocked) return swBytes(SW.FUNCTION_NOT_SUPPORTED);

    const route = routes.find((r) => r.ins === apdu.ins && r.cla.includes(cla));
    if (route === undefined) {
      return swBytes(routes.some((r) => r.ins === apdu.ins) ? SW.CLA_NOT_SUPPORTED : SW.INS_NOT_SUPPORTED);
    }
    // P5 §6.1.1: while a permanently blocked application is current, everything but SELECT answers 9303.
    if (ctx.currentDf.isBlocked() && route.allowedWhenBlocked !== true) return swBytes(SW.APPLICATION_BLOCKED);

    let data: Uint8Array = new Uint8Array(0);
    let sw: number = SW.OK;
    const savesBefore = ctx.saves;
    try {
      const result = route.handler(ctx, apdu);
      if (result instanceof Uint8Array) data = result;
      else if (result !== undefined) {
        data = result.data ?? data;
        sw = result.sw;
      }
    } catch (error) {
      if (error instanceof CardStatus) {
        sw = error.sw;
      } else {
        this.logger.error(`${route.name} (${header(bytes)}) failed`, error);
        sw = SW.UNKNOWN_ERROR;
      }
      data = new Uint8Array(0);
    }
    // Whatever the command changed is durable before the answer leaves the card.
    try {
      ctx.commit('response');
    } catch (error) {
      this.logger.error(`cannot save the card state after ${route.name}`, error);
      return swBytes(SW.MEMORY_FAILURE);
    }
    return this.shaper.shape(apdu, data, sw, ctx.usesT0, ctx.saves !== savesBefore);
  }

  private run(produce: () => Uint8Array): Uint8Array {
    try {
      return produce();
    } catch (error) {
      if (error instanceof CardStatus) return swBytes(error.sw);
      throw error;
    }
  }

  /**
   * What a PC/SC contactless reader answers itself (PC/SC part 3): GET DATA `FF CA 00 00 Le` → UID,
   * `FF CA 01 00 Le` → historical bytes of the ATS. Le=00: all; shorter → 6Cxx; longer → 6282.
   */
  private readerPseudoApdu(apdu: CommandApdu): Uint8Array {
    if (apdu.ins !== INS_GET_UID) return swBytes(SW.INS_NOT_SUPPORTED);
    if (apdu.p2 !== 0 || apdu.p1 > 1) return swBytes(SW.WRONG_P1P2);
    const cl = this.profile.contactless!;
    const value = apdu.p1 === 0 ? fromHex(cl.uid) : atsHistoricalBytes(fromHex(cl.ats ?? ''));
    const le = apdu.le ?? 256;
    if (le === 256) return withSw(value, SW.OK);
    if (le < value.length) return swBytes(0x6c00 | value.length);
    return withSw(value, le > value.length ? SW.END_OF_FILE : SW.OK);
  }

  private answerToReset(): Uint8Array {
    if (this.cardInterface === 'contact') return fromHex(this.profile.atr);
    const cl = this.profile.contactless;
    if (cl === undefined)
      throw new ProfileError(this.profile.name, 'contactless', 'is required to use the card on the contactless interface');
    if (cl.atr !== undefined) return fromHex(cl.atr);
    return synthesizeContactlessAtr(atsHistoricalBytes(fromHex(cl.ats ?? '')));
  }
}

/** CLA INS P1 P2 only: command data may hold PINs or keys and is never logged. */
function header(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4), (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}
