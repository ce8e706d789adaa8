import type { RegisterCommand } from './cli-context.js';
import { registerApdu } from './commands/apdu.js';
import { registerAtr } from './commands/atr.js';
import { registerAuth } from './commands/auth.js';
import { registerBank } from './commands/bank.js';
import { registerBlock } from './commands/block.js';
import { registerCrypto } from './commands/crypto.js';
import { registerEmulate } from './commands/emulate.js';
import { registerInfo } from './commands/info.js';
import { registerMedical } from './commands/medical.js';
import { registerPhoto } from './commands/photo.js';
import { registerPin } from './commands/pin.js';
import { registerPki } from './commands/pki.js';
import { registerPsam } from './commands/psam.js';
import { registerPurse } from './commands/purse.js';
import { registerRead } from './commands/read.js';
import { registerReaders } from './commands/readers.js';
import { registerRun } from './commands/run.js';
import { registerSend } from './commands/send.js';
import { registerServe } from './commands/serve.js';
import { registerSw } from './commands/sw.js';
import { registerTlv } from './commands/tlv.js';
import { registerWatch } from './commands/watch.js';
import { registerWrite } from './commands/write.js';

/** Every `sscard` command, in the order `--help` lists them. One file per command in ./commands. */
export const commandRegistry: RegisterCommand[] = [
  registerInfo,
  registerPin,
  registerAuth,
  registerBlock,
  registerMedical,
  registerRead,
  registerWrite,
  registerPhoto,
  registerPki,
  registerBank,
  registerPurse,
  registerPsam,
  registerSw,
  registerTlv,
  registerApdu,
  registerReaders,
  registerWatch,
  registerAtr,
  registerSend,
  registerEmulate,
  registerServe,
  registerRun,
  registerCrypto,
];
