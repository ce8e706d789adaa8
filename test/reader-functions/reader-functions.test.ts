// The reader functions on the emulated terminal (the default card in a dual reader, the emulated
// PSAM), beyond the every-function scenario (every-function-scenario.ts, run by
// test/serve/serve-emulated-terminal.test.ts and test/pcsc/reader-functions-pcsc.test.ts): the
// contactless-only iType, and the refusals of the file functions.
import { afterEach, describe, expect, it } from 'vitest';
import { openReaderFunctionBackend } from '../../src/cli/reader-functions-target.js';
import type { ReaderFunctionBackend } from '../../src/reader-functions/reader-function-call.js';
import { cardInfo, expectedCardBas } from './profile-facts.js';

let backend: ReaderFunctionBackend;

async function open(): Promise<ReaderFunctionBackend> {
  backend = await openReaderFunctionBackend({ kind: 'emulator' });
  return backend;
}

afterEach(async () => {
  await backend?.close();
});

describe('the reader functions on the emulated terminal', () => {
  it('iReadCardBas: the same line on every iType (contact first, contactless first, either alone)', async () => {
    const b = await open();
    // The ATS carries the contact ATR's historical bytes: the contactless line is the same.
    for (const iType of [1, 2, 3, 4]) expect(await b.call('iReadCardBas', { iType })).toEqual({ code: 0, pOutInfo: expectedCardBas() });
  });

  it('iReadCard: a "PIN or RK" file with iAuthType 1 and no PIN is −14', async () => {
    const b = await open();
    expect((await b.call('iReadCard', { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF05|81|84|$', iAuthType: 1 })).code).toBe(-14);
  });

  it('iWriteCard: a file the terminal may not write, or data for another file than the address, is −23', async () => {
    const b = await open();
    const target = { iType: 1, pCardInfo: cardInfo(), pFileAddr: 'DF04EF15|$' };
    expect((await b.call('iWriteCard', { ...target, pFileAddr: 'DF04EF08|$', pWriteData: 'DF04EF08|00|$' })).code).toBe(-23);
    expect((await b.call('iWriteCard', { ...target, pWriteData: 'DF04EF06|00|$' })).code).toBe(-23);
  });
});
