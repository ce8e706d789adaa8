import type { MedicalPurse } from '../../emulator/applications/medical/medical-purse.js';
import type { PbocState } from '../../emulator/applications/pboc/pboc-state.js';
import type { PurseCounters } from '../../emulator/applications/purse/purse-state.js';
import { STANDARD_APPLICATIONS } from '../../emulator/applications/standard-applications.js';
import { CardEmulator } from '../../emulator/card-emulator.js';
import type { CardKey } from '../../emulator/card-key.js';
import type { CardProfile } from '../../emulator/card-profile.js';
import { memoryLogger } from '../../emulator/emulator-logger.js';
import type { DedicatedFile } from '../../emulator/file-system.js';
import type { PinObject } from '../../emulator/pin-object.js';
import { loadProfile } from '../../emulator/profile-loader.js';
import { resolveProfilePath } from '../../emulator/profile-paths.js';
import { FileStateStore, MemoryStateStore, type StateStore } from '../../emulator/state-store.js';
import { decodeBcdNumber } from '../../src/bytes/bcd.js';
import { bytesToUint } from '../../src/bytes/bytes.js';
import { toHex } from '../../src/bytes/hex.js';

/** "sx1.sh.": the social security application's DF name starts so on every generation. */
const SSSE_NAME_PREFIX = '7378312E73682E';

/** One card the campaign drives: a shipped profile on one interface. */
export interface WorldSpec {
  profile: string;
  cardInterface: 'contact' | 'contactless';
}

export const WORLDS: readonly WorldSpec[] = [
  { profile: 'default', cardInterface: 'contact' },
  { profile: 'default', cardInterface: 'contactless' },
  { profile: 'ss-2.00', cardInterface: 'contact' },
];

/** What the invariants look at after each command, read straight from the card's memory. */
export interface Observation {
  /** Tries left per PIN, in `CardWorld.pins` order. */
  triesLeft: number[];
  /** Tries left per key with a try counter, by state key. */
  keyTries: Map<string, number>;
  medical: { balance: number; onlineSeq: number; offlineSeq: number; logRecords: number } | undefined;
  purse: PurseCounters | undefined;
  pboc: PbocState | undefined;
}

const profileCache = new Map<string, CardProfile>();

function profileNamed(name: string): CardProfile {
  let p = profileCache.get(name);
  if (p === undefined) {
    p = loadProfile(resolveProfilePath(name));
    profileCache.set(name, p);
  }
  return structuredClone(p);
}

/**
 * A card under test with white-box access: its PINs, keys and balances are read from the live
 * objects (the fuzzer knows the card's secrets so it can also send *valid* PIN, MAC and purse
 * transactions between the random ones).
 */
export class CardWorld {
  readonly profile: CardProfile;
  readonly logger = memoryLogger();
  card!: CardEmulator;
  pins: PinObject[] = [];
  ssse!: DedicatedFile;
  medicalDf: DedicatedFile | undefined;
  purseDf: DedicatedFile | undefined;
  pbocDf: DedicatedFile | undefined;
  pkiDf: DedicatedFile | undefined;
  /** The opening balance of DF04's account: the ledger starts there. */
  medicalInitial = 0;
  purseLimit = 0;
  pbocLimit = 0;
  pbocInitial = 0;
  purseInitial = 0;

  constructor(
    readonly spec: WorldSpec,
    readonly store: StateStore,
    private readonly random: (n: number) => Uint8Array,
  ) {
    this.profile = profileNamed(spec.profile);
    this.open();
    this.medicalInitial = this.observe().medical?.balance ?? 0;
    if (this.purseDf !== undefined) {
      this.purseLimit = bytesToUint(this.purseDf.dataObjects.get(0xdf40)!);
      this.purseInitial = bytesToUint(this.purseDf.dataObjects.get(0xdf41) ?? new Uint8Array(4));
    }
    if (this.pbocDf !== undefined) {
      this.pbocLimit = decodeBcdNumber(this.pbocDf.dataObjects.get(0x9f77)!);
      this.pbocInitial = decodeBcdNumber(this.pbocDf.dataObjects.get(0x9f79)!);
    }
  }

  static inMemory(spec: WorldSpec, random: (n: number) => Uint8Array): CardWorld {
    return new CardWorld(spec, new MemoryStateStore(), random);
  }

  static onFile(spec: WorldSpec, file: string, random: (n: number) => Uint8Array): CardWorld {
    return new CardWorld(spec, new FileStateStore(file), random);
  }

  /** (Re)builds the card from the profile and whatever the store holds: a power failure + restart. */
  open(): void {
    this.card = this.build(this.store);
    this.card.powerOn();
    const mf = this.card.context.mf;
    this.pins = [];
    this.medicalDf = this.purseDf = this.pbocDf = this.pkiDf = undefined;
    for (const df of mf.walk()) {
      this.pins.push(...df.pins);
      if (df.dfName !== undefined && toHex(df.dfName).startsWith(SSSE_NAME_PREFIX)) this.ssse = df;
      if (df.application === 'ssse-medical') this.medicalDf = df;
      if (df.application === 'transport-purse') this.purseDf = df;
      if (df.application === 'pboc-debit') this.pbocDf = df;
      if (df.application === 'pki-3g') this.pkiDf = df;
    }
  }

  /** A second card over the same store, as a restarted process would build it. */
  build(store: StateStore): CardEmulator {
    return new CardEmulator({
      profile: this.profile,
      store,
      cardInterface: this.spec.cardInterface,
      logger: this.logger,
      random: this.random,
      applications: STANDARD_APPLICATIONS,
    });
  }

  key(df: DedicatedFile | undefined, usage: string, id?: number): CardKey | undefined {
    for (let d = df; d !== undefined; d = d.parent) {
      const k = d.keys.find((x) => x.usage === usage && (id === undefined || x.id === id));
      if (k !== undefined) return k;
    }
    return undefined;
  }

  pin(df: DedicatedFile | undefined, id: number): PinObject | undefined {
    for (let d = df; d !== undefined; d = d.parent) {
      const p = d.pins.find((x) => x.id === id);
      if (p !== undefined) return p;
    }
    return undefined;
  }

  observe(): Observation {
    const apps = this.card.context.applicationData;
    let medical: Observation['medical'];
    if (this.medicalDf !== undefined) {
      const purse = apps['ssse-medical'] as MedicalPurse | undefined;
      const log = this.medicalDf.elementaryFiles().find((e) => e.sfi === 8)!;
      const opening = this.medicalDf.dataObjects.get(0xdf41);
      medical = {
        balance: purse?.balance ?? (opening === undefined ? 0 : bytesToUint(opening)),
        onlineSeq: purse?.onlineSeq ?? 0,
        offlineSeq: purse?.offlineSeq ?? 0,
        logRecords: log.records.length,
      };
    }
    const purse = apps['transport-purse'] as PurseCounters | undefined;
    const pboc = apps['pboc-debit'] as PbocState | undefined;
    return {
      triesLeft: this.pins.map((p) => p.triesLeft),
      keyTries: new Map(
        [...this.card.context.mf.walk()].flatMap((df) =>
          df.keys.filter((k) => k.errorsLeft !== undefined).map((k) => [k.stateKey, k.errorsLeft!] as const),
        ),
      ),
      medical,
      purse: purse === undefined ? undefined : { ...purse },
      pboc: pboc === undefined ? undefined : { ...pboc },
    };
  }

  purseBalance(o: Observation): number {
    return o.purse?.balance ?? this.purseInitial;
  }

  pbocBalance(o: Observation): number {
    return o.pboc?.ecBalance ?? this.pbocInitial;
  }
}
