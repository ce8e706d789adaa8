import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveProfilePath } from '../../emulator/index.js';
import { runCardProcess } from '../support/card-process.js';

const PSAM = resolveProfilePath('psam-default');
const SELECT_APP = '00A4040006D15600000590';
const SELECT_SEQ = ['00A40000023F00', '00A40200020019'];
/** INIT SAM FOR PURCHASE for 12.34 yuan with the default card's factor (DPK: one level). */
const INIT = '8070010024CAFEBABE0007000004D2000000C80000040A02202611300815300103991133030145A1B208';

let dir: string;
let state: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sscard-psam-tearing-'));
  state = join(dir, 'psam.state.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('tearing: the PSAM is killed (SIGKILL) in INIT SAM FOR PURCHASE', () => {
  it('after the terminal sequence was saved, before the answer: the sequence is never used twice', () => {
    const crashed = runCardProcess(PSAM, state, [SELECT_APP, INIT], { crashAt: 'psam:terminal-seq' });
    expect(crashed.signal).toBe('SIGKILL');
    expect(crashed.lines).toHaveLength(1); // INIT never answered
    const restarted = runCardProcess(PSAM, state, [...SELECT_SEQ, '00B0000004', SELECT_APP, INIT, '00C0000008']);
    expect(restarted.lines[2]).toBe('000000029000');
    expect(restarted.lines[5]!.slice(0, 8)).toBe('00000002');
  });

  it('killed between writing the temp file and the rename: nothing changed', () => {
    expect(runCardProcess(PSAM, state, [SELECT_APP]).status).toBe(0); // the state file exists
    const crashed = runCardProcess(PSAM, state, [SELECT_APP, INIT], { crashAt: 'state:temp-written' });
    expect(crashed.signal).toBe('SIGKILL');
    const restarted = runCardProcess(PSAM, state, [...SELECT_SEQ, '00B0000004']);
    expect(restarted.lines[2]).toBe('000000019000');
  });
});
