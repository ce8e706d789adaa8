import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CardEmulator } from '../../emulator/card-emulator.js';
import type { CardKey } from '../../emulator/card-key.js';
import type { CardStateData } from '../../emulator/card-state.js';
import { memoryLogger } from '../../emulator/emulator-logger.js';
import { openCard } from '../../emulator/open-card.js';
import { resolveProfilePath } from '../../emulator/profile-paths.js';
import { fromHex, toHex } from '../../src/bytes/hex.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const RUNNER = fileURLToPath(new URL('./tearing-runner.mjs', import.meta.url));
const DIST_ENTRY = join(REPO, 'dist/emulator/index.js');
const SOURCE_ENTRY = join(REPO, 'emulator/index.ts');

/** The same fixed "random" as the runner: challenges and purse randoms are known ahead. */
export const fixedRandom = (n: number) => Uint8Array.from({ length: n }, (_, i) => 0xa5 ^ i);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The built emulator when it is up to date (`npm test` builds first; a plain node start is ~5×
 * faster than one through tsx), else the sources through tsx.
 */
function emulatorEntry(): { entry: string; nodeArgs: string[] } {
  if (existsSync(DIST_ENTRY)) {
    const built = statSync(DIST_ENTRY).mtimeMs;
    if (built >= newestMtime(join(REPO, 'emulator')) && built >= newestMtime(join(REPO, 'src'))) return { entry: DIST_ENTRY, nodeArgs: [] };
  }
  return { entry: SOURCE_ENTRY, nodeArgs: ['--import', 'tsx'] };
}
const ENTRY = emulatorEntry();

export interface Interactive {
  /** Sends hex, returns the answer as hex (61xx followed with GET RESPONSE, data joined). */
  send(hex: string): string;
  card: CardEmulator;
  key(usage: string, id?: number): CardKey;
}

export interface TearingCase {
  profile: string;
  contactless?: boolean;
  /** Commands that bring the card into the starting state (not torn). */
  setup?: (t: Interactive) => void;
  /** The transaction: the last command sent is the one torn. */
  operation: (t: Interactive) => void;
}

export interface TornRun {
  /** State before the transaction. */
  old: CardStateData;
  /** State after it completed (no crash). */
  completed: CardStateData;
  /** State found after the crash at the point. */
  torn: CardStateData;
  signal: NodeJS.Signals | null;
  /** Answers the child printed before it died. */
  answers: string[];
  /** A card restarted from the torn state (the state must load). */
  restarted: Interactive;
  /** Temp files the crash left beside the state file (its lock file, whose pid is dead, aside). */
  leftovers: string[];
  /** What is beside the state file once the restarted card holds it: stale temp files are gone. */
  afterRestart: string[];
}

/** A card over a state file, driven in-process; records every command sent. */
function interactive(profile: string, state: string, contactless: boolean, sent?: string[]): Interactive {
  const card = openCard({
    profile,
    state,
    cardInterface: contactless ? 'contactless' : 'contact',
    random: fixedRandom,
    logger: memoryLogger(),
  });
  card.powerOn();
  const transmit = (hex: string) => {
    sent?.push(hex);
    return toHex(card.transmit(fromHex(hex)));
  };
  return {
    card,
    send(hex) {
      let r = transmit(hex.replace(/\s+/g, ''));
      let data = '';
      while (r.length === 4 && r.startsWith('61')) {
        r = transmit(`00C00000${r.slice(2)}`);
        data += r.slice(0, -4);
        r = r.slice(-4);
      }
      return data + r;
    },
    key(usage, id) {
      for (const df of card.context.mf.walk()) {
        const k = df.keys.find((x) => x.usage === usage && (id === undefined || x.id === id));
        if (k !== undefined) return k;
      }
      throw new Error(`no ${usage} key`);
    },
  };
}

const readState = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as CardStateData;

/**
 * Sets the card up, records the transaction's commands (and its completed state) in-process, then
 * replays them in a child process that SIGKILLs itself at `point` during the last command, and
 * opens the card again from what the crash left.
 */
export class TearingBench {
  readonly dir = mkdtempSync(join(tmpdir(), 'sscard-tearing-'));
  private nextId = 0;
  private readonly prepared = new Map<TearingCase, { start: string; commands: string[]; completed: CardStateData }>();

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private prepare(c: TearingCase) {
    let p = this.prepared.get(c);
    if (p !== undefined) return p;
    const id = this.nextId++;
    const profile = resolveProfilePath(c.profile);
    const start = join(this.dir, `start-${id}.json`);
    const setupCard = interactive(profile, start, c.contactless === true);
    c.setup?.(setupCard);
    const done = join(this.dir, `done-${id}.json`);
    copyFileSync(start, done);
    const commands: string[] = [];
    c.operation(interactive(profile, done, c.contactless === true, commands));
    // The torn command is the transaction's last one, not the GET RESPONSE that fetched its answer.
    while (commands.length > 1 && commands[commands.length - 1]!.startsWith('00C00000')) commands.pop();
    p = { start, commands, completed: readState(done) };
    this.prepared.set(c, p);
    return p;
  }

  tear(c: TearingCase, point: string): TornRun {
    const { start, commands, completed } = this.prepare(c);
    const runDir = mkdtempSync(join(this.dir, 'run-'));
    const state = join(runDir, 'card.state.json');
    copyFileSync(start, state);
    const profile = resolveProfilePath(c.profile);
    const child = spawnSync(
      process.execPath,
      [...ENTRY.nodeArgs, RUNNER, ENTRY.entry, profile, state, c.contactless === true ? 'contactless' : 'contact', point, ...commands],
      { cwd: REPO, encoding: 'utf8' },
    );
    if (child.error) throw child.error;
    if (child.signal === null && child.status !== 0) throw new Error(`runner failed: ${child.stderr}`);
    const beside = () => readdirSync(runDir).filter((f) => f !== 'card.state.json' && f !== 'card.state.json.lock');
    const leftovers = beside();
    const torn = readState(state);
    const restarted = interactive(profile, state, c.contactless === true);
    return {
      old: readState(start),
      completed,
      torn,
      signal: child.signal,
      answers: child.stdout.trim().split('\n').filter(Boolean),
      restarted,
      leftovers,
      afterRestart: beside(),
    };
  }
}
