import { join } from 'node:path';
import { MemoryStateStore } from '../../emulator/state-store.js';
import { toHex } from '../../src/bytes/hex.js';
import { type GeneratorName, randomCommands } from './apdu-mutators.js';
import { CardWorld, WORLDS, type WorldSpec } from './card-world.js';
import { InvariantChecker } from './invariants.js';
import { OPERATIONS, type Operation, type OperationName } from './operations.js';
import { Prng } from './prng.js';

export interface CampaignOptions {
  /** Commands to send in all (GET RESPONSEs of operations included). */
  commands: number;
  seed: number;
  worlds?: readonly WorldSpec[];
  /** A fresh card every this many commands (next world in turn). Default 20,000. */
  segment?: number;
  /** Every this many commands a second card is built from the saved state and must equal the live one. */
  reloadEvery?: number;
  /** With a directory, cards keep their state in files there (FileStateStore) instead of memory. */
  stateDir?: string;
  /** Stop after this many failures (each ends its segment). Default 5. */
  maxFailures?: number;
  /** Called every `progressEvery` commands. */
  onProgress?: (done: number, checks: number) => void;
  progressEvery?: number;
}

export interface CampaignFailure {
  seed: number;
  world: string;
  commandIndex: number;
  command: string;
  response: string;
  message: string;
  /** The last commands before the failure, for the report. */
  recent: string[];
}

export interface CampaignResult {
  commands: number;
  /** Invariant checks evaluated (several per command). */
  checks: number;
  reloads: number;
  restarts: number;
  powerCycles: number;
  operations: Partial<Record<OperationName, number>>;
  generators: Partial<Record<GeneratorName, number>>;
  /** Money moved by valid transactions: proof the valid paths really ran. */
  transactions: { medicalTransactions: number; loads: number; purchases: number; ecPurchases: number };
  /** Status words seen, by SW (hex). */
  statusWords: Record<string, number>;
  failures: CampaignFailure[];
  elapsedMs: number;
}

class SegmentEnd extends Error {}

/**
 * The fuzz campaign shared by the short vitest run and `npm run fuzz`: random and mutated APDUs
 * (every INS, bad lengths, extended forms, chaining, wrong MACs) interleaved with valid terminal
 * transactions played with the card's own keys, power cycles and process restarts; the
 * invariants (invariants.ts) after every command and a reload of the saved state every
 * `reloadEvery` commands.
 */
export function runCampaign(options: CampaignOptions): CampaignResult {
  const started = performance.now();
  const rng = new Prng(options.seed);
  const worlds = options.worlds ?? WORLDS;
  const segment = options.segment ?? 20_000;
  const reloadEvery = options.reloadEvery ?? 1000;
  const maxFailures = options.maxFailures ?? 5;
  const progressEvery = options.progressEvery ?? 100_000;
  const result: CampaignResult = {
    commands: 0,
    checks: 0,
    reloads: 0,
    restarts: 0,
    powerCycles: 0,
    operations: {},
    generators: {},
    transactions: { medicalTransactions: 0, loads: 0, purchases: 0, ecPurchases: 0 },
    statusWords: {},
    failures: [],
    elapsedMs: 0,
  };
  const corpus: Uint8Array[] = [];
  const cardRandom = (n: number) => rng.bytes(n);
  let segmentIndex = 0;

  while (result.commands < options.commands && result.failures.length < maxFailures) {
    const spec = worlds[segmentIndex % worlds.length]!;
    const name = `${spec.profile}/${spec.cardInterface}`;
    const world =
      options.stateDir === undefined
        ? CardWorld.inMemory(spec, cardRandom)
        : CardWorld.onFile(spec, join(options.stateDir, `card-${options.seed}-${segmentIndex}.state.json`), cardRandom);
    segmentIndex++;
    const checker = new InvariantChecker(world);
    const recent: string[] = [];
    const end = Math.min(options.commands, result.commands + segment);

    const fail: (command: Uint8Array, response: Uint8Array, message: string) => never = (command, response, message) => {
      result.failures.push({
        seed: options.seed,
        world: name,
        commandIndex: result.commands,
        command: toHex(command),
        response: toHex(response),
        message,
        recent: [...recent],
      });
      throw new SegmentEnd();
    };

    const send = (command: Uint8Array): Uint8Array => {
      let response: Uint8Array;
      try {
        response = world.card.transmit(command);
      } catch (error) {
        fail(command, new Uint8Array(0), `transmit threw: ${(error as Error).message}`);
      }
      result.commands++;
      const swHex = response.length >= 2 ? toHex(response.subarray(response.length - 2)) : 'none';
      result.statusWords[swHex] = (result.statusWords[swHex] ?? 0) + 1;
      if (recent.length === 8) recent.shift();
      recent.push(`${toHex(command)} → ${toHex(response)}`);
      try {
        checker.afterCommand(command, response);
      } catch (error) {
        fail(command, response, (error as Error).message);
      }
      if (result.commands % reloadEvery === 0) reload();
      if (result.commands % progressEvery === 0) options.onProgress?.(result.commands, result.checks + checker.checks);
      return response;
    };

    /** The state as saved must be the card's state: a second card built from it must agree. */
    const reload = () => {
      result.reloads++;
      const store = world.store instanceof MemoryStateStore ? new MemoryStateStore(world.store.saved) : world.store;
      let again: ReturnType<CardWorld['build']>;
      try {
        again = world.build(store);
      } catch (error) {
        fail(new Uint8Array(0), new Uint8Array(0), `saved state does not load: ${(error as Error).message}`);
      }
      const live = JSON.stringify(world.card.context.snapshot());
      const reloaded = JSON.stringify(again.context.snapshot());
      checker.checks++;
      if (live !== reloaded) fail(new Uint8Array(0), new Uint8Array(0), `saved state differs from the live card:\n${live}\n${reloaded}`);
    };

    const play = (op: Operation, injectRandom: boolean) => {
      let step = op.next();
      while (!step.done && result.commands < end) {
        const command = step.value;
        // A stray command before the next step (never between a 61xx and its GET RESPONSE, where a
        // real terminal cannot interleave either: the GET RESPONSE would fetch the stray's answer).
        const fetchesAnswer = command[0] === 0x00 && command[1] === 0xc0;
        if (injectRandom && !fetchesAnswer && rng.chance(0.03)) for (const c of randomCommands(rng, corpus).commands) send(c);
        if (corpus.length < 512) corpus.push(command);
        else corpus[rng.int(0, 511)] = command;
        step = op.next(send(command));
      }
    };

    try {
      while (result.commands < end) {
        const action = rng.weighted([
          [40, 'operation'],
          [56, 'random'],
          [3, 'power'],
          [1, 'restart'],
        ] as const);
        if (action === 'operation') {
          const [, opName, make] = rng.weighted(OPERATIONS.map((o) => [o[0], o] as const));
          result.operations[opName] = (result.operations[opName] ?? 0) + 1;
          try {
            play(make(world, rng), true);
          } catch (error) {
            if (error instanceof SegmentEnd) throw error;
            fail(new Uint8Array(0), new Uint8Array(0), `${opName}: ${(error as Error).message}`);
          }
        } else if (action === 'random') {
          const { name: gen, commands } = randomCommands(rng, corpus);
          result.generators[gen] = (result.generators[gen] ?? 0) + 1;
          for (const c of commands) send(c);
        } else if (action === 'power') {
          result.powerCycles++;
          if (rng.chance(0.5)) world.card.reset();
          else {
            world.card.powerOff();
            world.card.powerOn();
          }
        } else {
          // The process dies and comes back: a new card object over the same store.
          result.restarts++;
          try {
            world.open();
          } catch (error) {
            fail(new Uint8Array(0), new Uint8Array(0), `card does not restart from its state: ${(error as Error).message}`);
          }
          checker.rebase();
        }
      }
    } catch (error) {
      if (!(error instanceof SegmentEnd)) throw error;
    }
    result.checks += checker.checks;
    result.transactions.medicalTransactions += checker.medicalTransactions;
    result.transactions.loads += checker.loads;
    result.transactions.purchases += checker.purchases;
    result.transactions.ecPurchases += checker.ecPurchases;
  }
  result.elapsedMs = performance.now() - started;
  return result;
}
