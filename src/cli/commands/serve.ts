import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import type { ReaderFunctionReader } from '../../reader-functions/reader-function-call.js';
import { requireTokenShape } from '../../serve/bearer-token.js';
import type { CardServerOptions } from '../../serve/card-server.js';
import { frontDeskPageDir } from '../../serve/front-desk-page.js';
import { loopbackBindAddress } from '../../serve/loopback-host.js';
import { normalizeOrigin } from '../../serve/origin-policy.js';
import { SERVE_DEFAULTS } from '../../serve/serve-defaults.js';
import { staticRoot } from '../../serve/static-files.js';
import type { CliContext, RegisterCommand } from '../cli-context.js';
import { describeHsm, HSM_OPTION_HELP, type HsmTarget, openHsm, parseHsmOption, SOFTWARE_HSM_WARNING } from '../hsm-target.js';
import { checkOutputPath } from '../output-paths.js';
import type { ReaderFunctionBackendSpec } from '../reader-functions-target.js';
import { waitForStop } from './wait-for-signal.js';

interface ServeOptions {
  port: string;
  host: string;
  allowOrigin?: string[];
  token?: string;
  tokenFile?: string;
  /** A folder; false with --no-static; undefined: the shipped front-desk page. */
  static?: string | false;
  emulator?: boolean;
  profile?: string;
  state?: string;
  psamProfile?: string;
  /** A PC/SC reader name; false with --no-psam. */
  psam?: string | false;
  reader?: string;
  contactlessReader?: string;
  hsm?: string;
  deviceNumber?: string;
  timeout: string;
  stepTimeout?: string;
  rate: string;
  quiet?: boolean;
  for?: string;
}

export const registerServe: RegisterCommand = (program, ctx) => {
  const command = program
    .command('serve')
    .description(
      'the local card service for browser-based hospital systems: the reader functions (iReadCardBas …) as JSON over HTTP and WebSocket on 127.0.0.1, backed by PC/SC readers or the emulated card and PSAM; Ctrl-C stops',
    );
  addServeOptions(command).action(async (opts: ServeOptions) => {
    // Every option is checked before a reader or the state file is touched.
    const spec = backendSpec(opts);
    const hsm = opts.hsm === undefined ? undefined : parseHsmOption(opts.hsm, spec.kind === 'emulator');
    const settings = await serverSettings(opts, ctx);
    const seconds = opts.for === undefined ? undefined : whole(opts.for, '--for', 1);
    const { openReaderFunctionBackend } = await import('../reader-functions-target.js');
    const { startCardServer } = await import('../../serve/card-server.js');
    // A software HSM's key file is read here, before a reader opens.
    const connection = hsm === undefined ? {} : { hsm: await openHsm(hsm, spec.kind === 'emulator' ? spec.profile : undefined) };
    if (hsm?.kind === 'software') ctx.io.stderr(`sscard serve: ${SOFTWARE_HSM_WARNING}\n`);
    const backend = await openReaderFunctionBackend({ ...spec, ...connection });
    try {
      const server = await startCardServer({ backend, ...settings });
      ctx.io.stdout(`${startLine(server.url, spec, hsm, settings.token !== undefined)}\n`);
      ctx.io.stdout(`${readersLine(await backend.readers())}\n`);
      if (settings.staticDir !== undefined) ctx.io.stdout(`${pagesLine(server.url, settings.staticDir, settings.token !== undefined)}\n`);
      await waitForStop(seconds);
      await server.close();
    } finally {
      await backend.close();
    }
    ctx.io.stdout(`sscard serve: stopped${stateNote(opts.state)}\n`);
  });
};

/** The state file is written when the card first changes: an unchanged card leaves none. */
function stateNote(state: string | undefined): string {
  if (state === undefined) return '';
  return existsSync(state) ? `; card state saved to ${state}` : `; the card did not change, so no state file was written to ${state}`;
}

/** The server's options from the command line, checked (loopback host, token shape, numbers, the --static folder). */
async function serverSettings(opts: ServeOptions, ctx: CliContext): Promise<Omit<CardServerOptions, 'backend'>> {
  const settings: Omit<CardServerOptions, 'backend'> = {
    host: opts.host,
    port: whole(opts.port, '--port', 0, 65535),
    allowOrigins: (opts.allowOrigin ?? []).map(normalizeOrigin),
    ...tokenOption(opts),
    ...staticOption(opts),
    requestTimeoutMs: whole(opts.timeout, '--timeout', 1),
    ratePerSecond: whole(opts.rate, '--rate', 1),
    ...(opts.quiet ? {} : { log: (line: string) => ctx.io.stderr(`${line}\n`) }),
  };
  loopbackBindAddress(opts.host);
  if (settings.token !== undefined) requireTokenShape(settings.token);
  if (settings.staticDir !== undefined) await staticRoot(settings.staticDir);
  return settings;
}

/** `--static DIR`, `--no-static`, or by default the shipped front-desk demo page. */
function staticOption(opts: ServeOptions): { staticDir?: string } {
  if (opts.static === false) return {};
  const dir = opts.static ?? frontDeskPageDir();
  return dir === undefined ? {} : { staticDir: dir };
}

function addServeOptions(command: Command): Command {
  return command
    .option('--port <n>', 'TCP port on the loopback address; 0 picks a free one (the URL is printed)', String(SERVE_DEFAULTS.port))
    .option('--host <address>', 'loopback address to listen on: 127.0.0.1, localhost or ::1 (nothing else is accepted)', '127.0.0.1')
    .option(
      '--allow-origin <origin>',
      'a web origin (https://his.example:8443) whose pages may call the service; repeatable. Default: only the pages the service serves itself',
      (value: string, list: string[] | undefined) => [...(list ?? []), value],
    )
    .option(
      '--token <token>',
      'require this bearer token (16–256 letters, digits, ._~-); visible to other users in the process list: prefer --token-file',
    )
    .option('--token-file <file>', 'require the bearer token in this file (first line)')
    .option(
      '--static <dir>',
      'serve the files of this folder at / (GET and HEAD; index.html for folders; no listing). Default: the front-desk demo page',
    )
    .option('--no-static', 'serve no pages at all (the API only)')
    .option('--emulator', 'run on the emulated card in a dual-interface reader and the emulated PSAM, in this process (no PC/SC)')
    .option('--profile <profile>', 'emulator: the card profile, a shipped name or a .json file (default: default)')
    .option('--state <file>', 'emulator: keep the card state (PIN tries, balances, records) in this file; held while serving')
    .option('--psam-profile <profile>', 'emulator: the PSAM profile (default psam-default)')
    .option('--psam <reader>', 'PC/SC: the PSAM reader (exact name or a part of it); without it the terminal has no PSAM')
    .option(
      '--no-psam',
      'emulator: a terminal without PSAM (the functions that need one use --hsm, or answer −2201: then use their _HSM_ variants)',
    )
    .option('-r, --reader <name>', 'PC/SC: the user card reader, contact or dual interface (default: the first reader with a card)')
    .option('--contactless-reader <name>', 'PC/SC: a separate contactless reader (iType 2, and 3/4 fallback)')
    .option('--hsm <url>', HSM_OPTION_HELP)
    .option('--device-number <text>', 'the terminal device number iReadCardBas reports (its last field)')
    .option(
      '--timeout <ms>',
      'longest time from a request to its answer, waiting for the card included',
      String(SERVE_DEFAULTS.requestTimeoutMs),
    )
    .option('--step-timeout <ms>', 'how long an _HSM_Step1 keeps the card for its next step')
    .option('--rate <n>', 'requests per second per connection (bursts of twice that)', String(SERVE_DEFAULTS.ratePerSecond))
    .option('--quiet', 'no log line per request on stderr')
    .option('--for <seconds>', 'stop after this many seconds')
    .addHelpText('after', HELP_AFTER);
}

const HELP_AFTER = `
Requests (POST /api, or a WebSocket text message to /ws with an optional "id" echoed back):
  {"function": "iReadCardBas", "iType": 3}
  → {"function": "iReadCardBas", "code": 0, "success": true, "pOutInfo": "…|"}
  Errors: {"function", "code" (negative, card-spec §10.4), "success": false, "error"}; the
  connection stays open. The service itself answers −13 (unknown function), −14 (malformed, wrong
  input types, too large, too many requests) and −4 (the card did not answer within --timeout).
Also: GET /readers; events pushed on /ws: {"event": "card-inserted|card-removed|reader-added|
reader-removed", "reader"}; with --emulator, POST /emulator/card {"present": false|true} pulls
the card out and puts it back.
HSM: without a PSAM (or where the PSAM lacks a key), --hsm gives iReadCardBas, iReadCard,
iWriteCard, iReloadPIN and iUnblockPIN their keys (terminal number 12 zeros without PSAM);
without a PSAM iDoDebit gets MAC1 from it and has it check the card's MAC2 (a refusal → −37634).
Without --hsm those answer −2201:
an _HSM_Step1 answers the HSM's request, the caller asks its HSM and sends the answer as pKey to
the next step. tcp://HOST:PORT: per request one connection, the request line and "\n" out, one
answer line back within 5 s; unreachable, late or garbage → −99 (加密机：…). HSM requests and
answers are never logged.
Security: listens on loopback only; a Host header other than 127.0.0.1/localhost/[::1]:PORT gets
421, a page of an origin not allowed 403; with a token, HTTP needs "Authorization: Bearer TOKEN"
and a WebSocket the subprotocol "bearer.TOKEN" (401 otherwise). Logs never hold PINs, keys or
card data. Examples:
  sscard serve --emulator --state card.json
  sscard serve --emulator --no-psam --hsm software
  sscard serve --reader "ACS ACR39U" --psam "SAM" --allow-origin https://his.example
  sscard serve --reader "ACS ACR39U" --hsm tcp://127.0.0.1:9100
`;

/** The readers to open, from the options; PC/SC and emulator options do not mix. */
export function backendSpec(opts: ServeOptions): ReaderFunctionBackendSpec {
  const deviceNumber = opts.deviceNumber === undefined ? {} : { deviceNumber: opts.deviceNumber };
  const stepTimeoutMs = opts.stepTimeout === undefined ? {} : { stepTimeoutMs: whole(opts.stepTimeout, '--step-timeout', 1) };
  if (opts.emulator) {
    if (opts.reader !== undefined || opts.contactlessReader !== undefined || typeof opts.psam === 'string') {
      throw new InputError('emulator', '--reader, --contactless-reader and --psam READER name PC/SC readers: not with --emulator');
    }
    if (opts.state !== undefined) checkOutputPath(opts.state, { what: '--state', existing: 'update' });
    return {
      kind: 'emulator',
      ...(opts.profile === undefined ? {} : { profile: opts.profile }),
      ...(opts.state === undefined ? {} : { state: opts.state }),
      ...(opts.psam === false ? { psamProfile: null } : opts.psamProfile === undefined ? {} : { psamProfile: opts.psamProfile }),
      ...deviceNumber,
      ...stepTimeoutMs,
    };
  }
  if (opts.profile !== undefined || opts.state !== undefined || opts.psamProfile !== undefined) {
    throw new InputError('emulator', '--profile, --state and --psam-profile apply to the emulated card: add --emulator');
  }
  if (opts.psam === false) throw new InputError('psam', '--no-psam applies to --emulator: with PC/SC, leave out --psam');
  return {
    kind: 'pcsc',
    ...(opts.reader === undefined ? {} : { cardReader: opts.reader }),
    ...(opts.contactlessReader === undefined ? {} : { contactlessReader: opts.contactlessReader }),
    ...(typeof opts.psam === 'string' ? { psamReader: opts.psam } : {}),
    ...deviceNumber,
    ...stepTimeoutMs,
  };
}

/** `--token` or `--token-file` (not both). */
function tokenOption(opts: ServeOptions): { token?: string } {
  if (opts.token !== undefined && opts.tokenFile !== undefined) throw new InputError('token', 'give --token or --token-file, not both');
  if (opts.tokenFile === undefined) return opts.token === undefined ? {} : { token: opts.token };
  let text: string;
  try {
    text = readFileSync(opts.tokenFile, 'utf8');
  } catch (error) {
    throw new InputError('token-file', `--token-file ${opts.tokenFile}: ${(error as NodeJS.ErrnoException).code ?? 'cannot be read'}`);
  }
  return { token: text.split(/\r?\n/)[0]!.trim() };
}

function whole(text: string, option: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InputError(option.slice(2), `${option} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

/** The readers there at the start (more may come: the service follows reader and card events). */
function readersLine(readers: ReaderFunctionReader[]): string {
  if (readers.length === 0) return 'sscard serve: no reader yet (plug one in: the service picks it up)';
  return `sscard serve: readers now: ${readers.map((r) => `"${r.name}" (${r.role}, ${r.cardPresent ? 'card in' : 'empty'})`).join(', ')}`;
}

/** Where the served pages are: the front-desk demo page (by default) or the --static folder. */
function pagesLine(url: string, dir: string, withToken: boolean): string {
  const what = dir === frontDeskPageDir() ? 'the front-desk demo page' : `pages from ${dir}`;
  // The page reads the token from the address's #token= part, which the browser never sends.
  return `sscard serve: ${what} at ${url}${withToken ? ' (open it with #token=<your token> at the end)' : ''}`;
}

function startLine(url: string, spec: ReaderFunctionBackendSpec, hsm: HsmTarget | undefined, withToken: boolean): string {
  const readers =
    spec.kind === 'emulator'
      ? `the emulated card (${spec.profile ?? 'default'}) and ${spec.psamProfile === null ? 'no PSAM' : `PSAM (${spec.psamProfile ?? 'psam-default'})`}`
      : `PC/SC ${spec.cardReader ?? 'first reader with a card'}${spec.psamReader === undefined ? ', no PSAM' : `, PSAM in ${spec.psamReader}`}`;
  const keys = hsm === undefined ? '' : `, ${describeHsm(hsm)}`;
  return `sscard serve: ${url} (POST /api, GET /readers, WebSocket /ws) on ${readers}${keys}${withToken ? '; bearer token required' : ''}; Ctrl-C stops`;
}
