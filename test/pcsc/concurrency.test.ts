// Issue 15: two programs on one card. pyscard (each sequence inside SCardBeginTransaction) and
// `sscard run --reader` loop on the same card, and then two sscard processes do: every answer on
// either side must be the one its own commands asked for. The card makes interleaving visible: a
// SELECT answers 61 04 and leaves its FCI for the GET RESPONSE, and READ BINARY returns the
// selected file's id, so a command of the other program in between yields a wrong answer.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VirtualCard } from '../../emulator/virtual-card.js';
import { runProcess } from './child-process.js';
import { pcscTestsEnabled } from './pcscd-gate.js';
import { insertCard, SLOT0 } from './vpcd-slot.js';

const enabled = await pcscTestsEnabled('test/pcsc/concurrency.test.ts');
/** Issue 15: each pair of programs loops on the card for 30 s. */
const LOOP_SECONDS = 30;

/** Files 0001 and 0002; SELECT → 61 04 (FCI 62 02 id), GET RESPONSE → the FCI, READ BINARY → the id four times. */
class FileCard implements VirtualCard {
  readonly atr = new Uint8Array([0x3b, 0x02, 0x14, 0x50]);
  private current: number[] | undefined;
  private pending: number[] | undefined;
  powerOn(): Uint8Array {
    this.current = undefined;
    this.pending = undefined;
    return this.atr;
  }
  powerOff(): void {}
  reset(): Uint8Array {
    return this.powerOn();
  }
  transmit(c: Uint8Array): Uint8Array {
    const ins = c[1];
    if (ins === 0xa4 && c.length === 7 && c[5] === 0x00 && (c[6] === 0x01 || c[6] === 0x02)) {
      this.current = [c[5]!, c[6]!];
      this.pending = [0x62, 0x02, ...this.current];
      return new Uint8Array([0x61, 0x04]);
    }
    if (ins === 0xa4) return new Uint8Array([0x6a, 0x82]);
    if (ins === 0xc0) {
      const fci = this.pending;
      this.pending = undefined;
      return fci ? new Uint8Array([...fci, 0x90, 0x00]) : new Uint8Array([0x69, 0x85]);
    }
    this.pending = undefined;
    if (ins === 0xb0) {
      const id = this.current;
      return id ? new Uint8Array([...id, ...id, ...id, ...id, 0x90, 0x00]) : new Uint8Array([0x69, 0x86]);
    }
    return new Uint8Array([0x6d, 0x00]);
  }
}

/** One sequence per file id, as `sscard run` script lines with the answers they must get. */
function script(file: '0001' | '0002', repeat: number): string {
  const id = `${file.slice(0, 2)} ${file.slice(2)}`;
  const once = [`00 A4 00 00 02 ${id} => 61 04`, `00 C0 00 00 04 => 62 02 ${id} 90 00`, `00 B0 00 00 08 => ${id} ${id} ${id} ${id} 90 00`];
  return `${Array.from({ length: repeat }, () => once.join('\n')).join('\n')}\n`;
}

/** pyscard: the same sequence on file 0002, each inside a PC/SC transaction, for `seconds`. */
const PYSCARD_LOOP = `
import json, sys, time
from smartcard.scard import *
reader, seconds = sys.argv[1], float(sys.argv[2])
rv, context = SCardEstablishContext(SCARD_SCOPE_USER)
rv, card, protocol = SCardConnect(context, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
assert rv == 0, SCardGetErrorMessage(rv)
expect = [([0x00, 0xA4, 0x00, 0x00, 0x02, 0x00, 0x02], [0x61, 0x04]),
          ([0x00, 0xC0, 0x00, 0x00, 0x04], [0x62, 0x02, 0x00, 0x02, 0x90, 0x00]),
          ([0x00, 0xB0, 0x00, 0x00, 0x08], [0x00, 0x02] * 4 + [0x90, 0x00])]
sequences = wrong = errors = 0
end = time.time() + seconds
while time.time() < end:
    rv = SCardBeginTransaction(card)
    if rv != 0:
        errors += 1
        continue
    for command, answer in expect:
        rv, response = SCardTransmit(card, protocol, command)
        if rv != 0:
            errors += 1
        elif response != answer:
            wrong += 1
    SCardEndTransaction(card, SCARD_LEAVE_CARD)
    sequences += 1
    # A program does other work between card sequences; a waiting one (pcsc-lite retries every
    # 100 ms or so) gets its turn then.
    time.sleep(0.01)
SCardDisconnect(card, SCARD_LEAVE_CARD)
print(json.dumps({"sequences": sequences, "wrong": wrong, "errors": errors}))
`;

interface RunTally {
  runs: number;
  commands: number;
  failed: number;
  problems: string[];
}

/** `sscard run --reader … --json` again and again until `until` resolves; counts steps and failures. */
async function sscardLoop(scriptFile: string, until: Promise<unknown>, extra: string[] = []): Promise<RunTally> {
  let done = false;
  until.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  const tally: RunTally = { runs: 0, commands: 0, failed: 0, problems: [] };
  while (!done) {
    const r = await runProcess(
      process.execPath,
      ['bin/sscard.js', 'run', '--reader', SLOT0.reader, '--json', ...extra, scriptFile],
      30_000,
    );
    tally.runs++;
    try {
      const report = JSON.parse(r.stdout) as {
        totals: { commands: number; failed: number; errors: number };
        error?: { message: string };
      };
      tally.commands += report.totals.commands;
      tally.failed += report.totals.failed + report.totals.errors;
      // A run that could not even start (the card refused to it) is a failure too.
      if (report.error) {
        tally.failed++;
        tally.problems.push(report.error.message);
      }
    } catch {
      tally.failed++;
      tally.problems.push(`exit ${r.code}: ${r.stderr.trim()}`);
    }
  }
  return tally;
}

describe.skipIf(!enabled)('two programs on one card, each inside its PC/SC transactions', () => {
  let remove: () => Promise<void>;
  let dir: string;
  beforeAll(async () => {
    ({ remove } = await insertCard(new FileCard(), SLOT0));
    dir = mkdtempSync(join(tmpdir(), 'sscard-concurrency-'));
    writeFileSync(join(dir, 'file1.script'), script('0001', 20));
    writeFileSync(join(dir, 'file2.script'), script('0002', 20));
  });
  afterAll(async () => {
    await remove?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    `pyscard and sscard run loop for ${LOOP_SECONDS} s: no wrong answer on either side`,
    async () => {
      const pyscard = runProcess('/usr/bin/python3', ['-c', PYSCARD_LOOP, SLOT0.reader, String(LOOP_SECONDS)], (LOOP_SECONDS + 30) * 1000);
      const ours = await sscardLoop(join(dir, 'file1.script'), pyscard);
      const theirs = await pyscard;
      expect(theirs.code, theirs.stderr).toBe(0);
      const py = JSON.parse(theirs.stdout) as { sequences: number; wrong: number; errors: number };
      expect(py.sequences, JSON.stringify({ py, ours })).toBeGreaterThan(10);
      expect(ours.runs, JSON.stringify({ py, ours })).toBeGreaterThan(2);
      expect({ wrong: py.wrong, errors: py.errors }).toEqual({ wrong: 0, errors: 0 });
      expect({ failed: ours.failed, problems: ours.problems }).toEqual({ failed: 0, problems: [] });
      expect(ours.commands).toBe(ours.runs * 60);
    },
    (LOOP_SECONDS + 60) * 1000,
  );

  it(
    `two sscard processes loop on it for ${LOOP_SECONDS} s: no wrong answer in either`,
    async () => {
      let stop!: () => void;
      const timeUp = new Promise<void>((resolve) => {
        stop = resolve;
      });
      const timer = setTimeout(stop, LOOP_SECONDS * 1000);
      const [one, two] = await Promise.all([sscardLoop(join(dir, 'file1.script'), timeUp), sscardLoop(join(dir, 'file2.script'), timeUp)]);
      clearTimeout(timer);
      expect(one.runs).toBeGreaterThan(1);
      expect(two.runs).toBeGreaterThan(1);
      expect({ failed: one.failed + two.failed, problems: [...one.problems, ...two.problems] }).toEqual({ failed: 0, problems: [] });
    },
    (LOOP_SECONDS + 60) * 1000,
  );
});
