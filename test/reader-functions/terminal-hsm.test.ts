// The HSM as the terminal's key provider (card-spec §10.3 last bullet, SC §10.5): without a PSAM,
// or where the PSAM lacks a key, the plain functions get their keys from the configured HSM —
// a SoftwareHsm in the process, or one behind sscard's TCP gateway protocol.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { profileKeysPath } from '../../emulator/index.js';
import type { HsmConnection } from '../../src/applications/keys/hsm-key-provider.js';
import {
  HsmError,
  PURCHASE_MAC_REQUEST_FIELDS,
  PURCHASE_MAC2_CHECK_REQUEST_FIELDS,
  requestFields,
  requestLine,
} from '../../src/applications/keys/hsm-request.js';
import { SoftwareHsm } from '../../src/applications/keys/software-hsm.js';
import { HsmUnreachableError, TcpHsmConnection } from '../../src/applications/keys/tcp-hsm-connection.js';
import { openReaderFunctionBackend, type ReaderFunctionBackendSpec } from '../../src/cli/reader-functions-target.js';
import type { ReaderFunctionBackend, ReaderFunctionInputs, ReaderFunctionName } from '../../src/reader-functions/reader-function-call.js';
import { cardKey, SAMPLE_CARDS, tac } from '../medical/medical-reference.js';
import { cardInfo, expectedCardBas, medicalRecord, psamProfileWithoutRkssse } from './profile-facts.js';

const PIN = '123456';
const NO_TERMINAL = '000000000000';
const pCardInfo = cardInfo();
const medicalFile = { iType: 1, pCardInfo, pFileAddr: 'DF04EF05|81|84|$' };
const card = SAMPLE_CARDS[0]!;
const u32 = (n: number) => n.toString(16).padStart(8, '0').toUpperCase();
const debit = (pPayInfo: string) => ({ iType: 1, pCardInfo, pPayInfo, pin: PIN });
const insured = `DF04EF05|${medicalRecord('default', 'EF05', 0x81).toString('latin1')}|${medicalRecord('default', 'EF05', 0x84).toString('hex')}|$`;

let backend: ReaderFunctionBackend | undefined;
const servers: Server[] = [];

afterEach(async () => {
  await backend?.close();
  backend = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function softwareHsm(): Promise<SoftwareHsm> {
  return SoftwareHsm.fromFile(profileKeysPath());
}

async function open(spec: Partial<Extract<ReaderFunctionBackendSpec, { kind: 'emulator' }>>): Promise<ReaderFunctionBackend> {
  backend = await openReaderFunctionBackend({ kind: 'emulator', ...spec });
  return backend;
}

async function ok(name: ReaderFunctionName, inputs: ReaderFunctionInputs): Promise<string> {
  const result = await backend!.call(name, inputs);
  expect(result, `${name}: ${result.pOutInfo}`).toMatchObject({ code: 0 });
  return result.pOutInfo;
}

/** The account balance in fen (iReadBalance). */
async function balance(): Promise<number> {
  return Math.round(Number((await ok('iReadBalance', { iType: 1, pin: PIN })).split('|')[0]) * 100);
}

/** A TCP HSM gateway: each request line gets `answer(line)` and a newline back (undefined: no answer). */
async function gateway(
  answer: (line: string) => Promise<string | undefined> | string | undefined,
): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((socket) => {
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\n');
      if (end < 0) return;
      const line = buffered.slice(0, end);
      requests.push(line);
      void Promise.resolve(answer(line)).then((reply) => {
        if (reply !== undefined) socket.end(`${reply}\n`);
      });
    });
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, requests };
}

/** A port nothing listens on (a server's, closed again). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a terminal without PSAM, with an HSM', () => {
  it('iReadCardBas: internal and RKSSSE external authentication through the HSM, terminal number 12 zeros', async () => {
    await open({ psamProfile: null, hsm: await softwareHsm() });
    expect(await ok('iReadCardBas', { iType: 1 })).toBe(expectedCardBas('default', NO_TERMINAL));
  });

  it('iReadCard of a key-protected file (RK1DF04) and iWriteCard (UK2DF04) with the HSM', async () => {
    await open({ psamProfile: null, hsm: await softwareHsm() });
    expect(await ok('iReadCard', { ...medicalFile, iAuthType: 2 })).toBe(insured);
    const cyclic = { iType: 1, pCardInfo, pFileAddr: 'DF04EF15|$' };
    expect(await ok('iWriteCard', { ...cyclic, pWriteData: 'DF04EF15|C0FFEE^|$' })).toBe('');
    expect(await ok('iReadCard', { ...cyclic, pin: PIN })).toBe('DF04EF15|C0FFEE^|$');
  });

  it('iReloadPIN sets the new PIN (STK secure messaging from the HSM); iUnblockPIN frees a blocked PIN', async () => {
    await open({ psamProfile: null, hsm: await softwareHsm() });
    expect(await ok('iReloadPIN', { iType: 1, pCardInfo, newPin: '864200' })).toBe('');
    expect(await ok('iVerifyPIN', { iType: 1, pin: '864200' })).toBe('');
    expect((await backend!.call('iVerifyPIN', { iType: 1, pin: PIN })).code).toBe(-51);
    for (let i = 0; i < 6; i++) await backend!.call('iVerifyPIN', { iType: 1, pin: '000000' });
    expect((await backend!.call('iVerifyPIN', { iType: 1, pin: '864200' })).code).toBe(-52);
    expect(await ok('iUnblockPIN', { iType: 1, pCardInfo })).toBe('');
    expect(await ok('iVerifyPIN', { iType: 1, pin: '864200' })).toBe('');
  });

  it('iDoDebit pays: MAC1 from the HSM, MAC2 checked by it; the balance, the TAC and the debit record show it', async () => {
    await open({ psamProfile: null, hsm: await softwareHsm() });
    const before = await balance();
    const line = await ok('iDoDebit', debit('12.34|10.00|20261130101500|'));
    // account = account + pooling, self-pay the rest; the SoftwareHsm's first terminal sequence.
    const amounts = `${u32(1000)}${u32(234)}${u32(0)}`;
    const seq = u32(1);
    const expectedTac = tac(card, cardKey(card, 'DTK'), `${amounts}02${NO_TERMINAL}${seq}20261130101500`);
    expect(line).toBe(`03|017F|${amounts}|02|${NO_TERMINAL}|${seq}|20261130101500|${expectedTac}|`);
    expect(await balance()).toBe(before - 1000);
    expect(await ok('iReadDebitRecord', { iType: 1, pin: PIN })).toBe(`0^${NO_TERMINAL}^20261130101500^12.34^10.00^|`);
  });

  it('the MAC2 check is stateless: another SoftwareHsm answers 9000 for the right MAC2 and refuses a wrong one', async () => {
    const hsm = await softwareHsm();
    const checks: string[] = [];
    const recording: HsmConnection = {
      request: (line) => {
        if (requestFields(line).length === PURCHASE_MAC2_CHECK_REQUEST_FIELDS) checks.push(line);
        return hsm.request(line);
      },
    };
    await open({ psamProfile: null, hsm: recording });
    await ok('iDoDebit', debit('1.00|1.00|20261130101500|'));
    expect(checks).toHaveLength(1);
    const check = checks[0]!;
    const restarted = await softwareHsm();
    expect(await restarted.request(check)).toBe('9000');
    const fields = requestFields(check);
    fields[9] = fields[9]!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(await restarted.request(requestLine(fields))).not.toBe('9000');
  });

  it('an HSM that refuses the MAC2: −37634, as a PSAM that refuses it (the card has debited, the purchase is not done)', async () => {
    const hsm = await softwareHsm();
    const refusing: HsmConnection = {
      request: (line) => (requestFields(line).length === PURCHASE_MAC2_CHECK_REQUEST_FIELDS ? Promise.resolve('9302') : hsm.request(line)),
    };
    await open({ psamProfile: null, hsm: refusing });
    const result = await backend!.call('iDoDebit', debit('1.00|1.00|20261130101500|'));
    expect(result.code).toBe(-37634);
  });

  it('an HSM that answers the MAC1 request with garbage: −99 加密机, nothing debited', async () => {
    const hsm = await softwareHsm();
    const garbage: HsmConnection = {
      request: (line) => (requestFields(line).length === PURCHASE_MAC_REQUEST_FIELDS ? Promise.resolve('6A88') : hsm.request(line)),
    };
    await open({ psamProfile: null, hsm: garbage });
    const before = await balance();
    const result = await backend!.call('iDoDebit', debit('1.00|1.00|20261130101500|'));
    expect(result).toEqual({
      code: -99,
      pOutInfo: '未知错误：加密机：the HSM did not answer the MAC1 request with terminal seq | time | MAC1 |',
    });
    expect(await balance()).toBe(before);
  });

  it('without an HSM the same calls answer −2201', async () => {
    await open({ psamProfile: null });
    for (const [name, inputs] of [
      ['iReadCardBas', { iType: 1 }],
      ['iReadCard', { ...medicalFile, iAuthType: 2 }],
      ['iReloadPIN', { iType: 1, pCardInfo, newPin: '864200' }],
      ['iUnblockPIN', { iType: 1, pCardInfo }],
    ] as const) {
      expect(await backend!.call(name, inputs), name).toEqual({ code: -2201, pOutInfo: '无PSAM卡' });
    }
  });

  it('with a PSAM the PSAM answers; the HSM only gives the key the PSAM lacks (RKSSSE, −2203 without it)', async () => {
    const asked: string[] = [];
    const hsm = await softwareHsm();
    const counting: HsmConnection = {
      request: (line) => {
        asked.push(line.split('|')[1]!);
        return hsm.request(line);
      },
    };
    await open({ psamProfile: psamProfileWithoutRkssse(), hsm: counting });
    // The PSAM's terminal number: the PSAM is there and did the internal authentication.
    expect(await ok('iReadCardBas', { iType: 1 })).toBe(expectedCardBas());
    expect(asked).toEqual(['004C']);
  });
});

describe('an HSM behind the TCP gateway protocol', () => {
  it('answers as the software HSM behind it, one request line per connection', async () => {
    const hsm = await softwareHsm();
    const { port, requests } = await gateway((line) => hsm.request(line));
    await open({ psamProfile: null, hsm: new TcpHsmConnection({ host: '127.0.0.1', port }) });
    expect(await ok('iReadCardBas', { iType: 1 })).toBe(expectedCardBas('default', NO_TERMINAL));
    expect(await ok('iReloadPIN', { iType: 1, pCardInfo, newPin: '864200' })).toBe('');
    expect(await ok('iVerifyPIN', { iType: 1, pin: '864200' })).toBe('');
    // IRK (internal authentication), RKSSSE (external), then PUK and STK for the reload.
    expect(requests.map((r) => r.split('|')[1])).toEqual(['0170', '004C', '0090', '0173']);
    // A purchase: the MAC1 request, then the MAC2 check (12 fields), both at DPK's address.
    expect(await ok('iDoDebit', { ...debit('1.00|1.00|20261130101500|'), pin: '864200' })).toMatch(/^03\|017F\|/);
    expect(requests.slice(4).map((r) => [r.split('|')[1], requestFields(r).length])).toEqual([
      ['017F', 10],
      ['017F', 12],
    ]);
  });

  it('an HSM that is down: HsmUnreachableError, and the function answers −99 saying so', async () => {
    const port = await closedPort();
    const connection = new TcpHsmConnection({ host: '127.0.0.1', port });
    await expect(connection.request('03|0090|00|00|')).rejects.toMatchObject({ reason: 'connect', code: 'EKEYSTORE' });
    await expect(connection.request('03|0090|00|00|')).rejects.toBeInstanceOf(HsmUnreachableError);
    await open({ psamProfile: null, hsm: connection });
    const result = await backend!.call('iReadCardBas', { iType: 1 });
    expect(result.code).toBe(-99);
    expect(result.pOutInfo).toBe(`未知错误：加密机：the HSM at tcp://127.0.0.1:${port} cannot be reached (ECONNREFUSED)`);
  });

  it('an HSM that does not answer in time: timeout', async () => {
    const { port } = await gateway(() => undefined);
    const connection = new TcpHsmConnection({ host: '127.0.0.1', port, timeoutMs: 200 });
    await expect(connection.request('03|0090|00|00|')).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('an HSM that answers garbage: HsmError (not unreachable), −99, and neither request nor answer in the text', async () => {
    const binary = await gateway(() => '\u0000\u0001\u00ff864200');
    const connection = new TcpHsmConnection({ host: '127.0.0.1', port: binary.port });
    const refused = await connection.request('03|0090|00|00|').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HsmError);
    expect(refused).not.toBeInstanceOf(HsmUnreachableError);
    // A line of text that is not the answer: the key provider refuses it without quoting it.
    const echo = await gateway((line) => line);
    await open({ psamProfile: null, hsm: new TcpHsmConnection({ host: '127.0.0.1', port: echo.port }) });
    const result = await backend!.call('iReloadPIN', { iType: 1, pCardInfo, newPin: '864200' });
    expect(result.code).toBe(-99);
    expect(result.pOutInfo).toMatch(/^未知错误：加密机：the HSM answered \d+ characters, not 16 bytes of hex$/);
    expect(result.pOutInfo).not.toContain('864200');
  });
});
