// The reader functions over the real PC/SC stack (issue 16's Must-show): the emulated default card
// in vpcd's slot 00, the emulated PSAM in slot 01, reached by openReaderFunctionBackend's PC/SC
// readers through pcscd. The lines are those of the emulated terminal (computed from the profiles).
// The cards are fresh in-memory emulations each run (no state file): the scenario starts from the
// profiles' data; the other tests here change nothing on them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCard } from '../../emulator/index.js';
import { openReaderFunctionBackend } from '../../src/cli/reader-functions-target.js';
import type { ReaderFunctionBackend, ReaderFunctionEvent } from '../../src/reader-functions/reader-function-call.js';
import { everyFunctionScenario } from '../reader-functions/every-function-scenario.js';
import { pcscTestsEnabled } from './pcscd-gate.js';
import { insertCard, SLOT0, SLOT1 } from './vpcd-slot.js';

const enabled = await pcscTestsEnabled('test/pcsc/reader-functions-pcsc.test.ts');

describe.skipIf(!enabled)('the reader functions through pcscd + vpcd: card in slot 00, PSAM in slot 01', () => {
  const removals: Array<() => Promise<void>> = [];
  let backend: ReaderFunctionBackend;
  beforeAll(async () => {
    removals.push((await insertCard(openCard({ profile: 'default' }), SLOT0)).remove);
    removals.push((await insertCard(openCard({ profile: 'psam-default' }), SLOT1)).remove);
    backend = await openReaderFunctionBackend({ kind: 'pcsc', cardReader: SLOT0.reader, psamReader: SLOT1.reader, timeoutMs: 5000 });
  });
  afterAll(async () => {
    await backend?.close();
    for (const remove of removals) await remove();
  });

  it('lists the two readers with their roles and cards, and tells a new listener about them', async () => {
    const events: ReaderFunctionEvent[] = [];
    const off = backend.onEvent((event) => events.push(event));
    off();
    for (const slot of [SLOT0, SLOT1]) {
      expect(events).toContainEqual({ type: 'reader-added', reader: slot.reader });
      expect(events).toContainEqual({ type: 'card-inserted', reader: slot.reader });
    }
    const readers = await backend.readers();
    expect(readers.find((r) => r.name === SLOT0.reader)).toEqual({ name: SLOT0.reader, role: 'card', cardPresent: true });
    expect(readers.find((r) => r.name === SLOT1.reader)).toEqual({ name: SLOT1.reader, role: 'psam', cardPresent: true });
  });

  it('a reader the terminal was not told to use is listed as unused', async () => {
    const cardOnly = await openReaderFunctionBackend({ kind: 'pcsc', cardReader: SLOT0.reader, timeoutMs: 5000 });
    try {
      const readers = await cardOnly.readers();
      expect(readers.find((r) => r.name === SLOT0.reader)).toMatchObject({ role: 'card' });
      expect(readers.find((r) => r.name === SLOT1.reader)).toMatchObject({ role: 'unused' });
    } finally {
      await cardOnly.close();
    }
  });

  it('iReadCardBas on iType 2: slot 00 is a contact reader, nothing on the contactless interface', async () => {
    expect(await backend.call('iReadCardBas', { iType: 2 })).toMatchObject({ code: -2 });
  });

  it('every function gives the line it gives on the emulated terminal (the every-function scenario, both ways)', async () => {
    const onPcsc = await everyFunctionScenario((name, inputs) => backend.call(name, inputs));
    const emulated = await openReaderFunctionBackend({ kind: 'emulator' });
    try {
      expect(onPcsc).toEqual(await everyFunctionScenario((name, inputs) => emulated.call(name, inputs)));
    } finally {
      await emulated.close();
    }
  });
});
