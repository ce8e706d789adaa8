// The business system's side of the HSM variants (card-spec §10.5), for the tests: each Step's
// line goes to sscard's SoftwareHsm as its request, with the card data the business system adds;
// the HSM's answer is the next Step's pKey.
import { profileKeysPath } from '../../emulator/index.js';
import { SoftwareHsm } from '../../src/applications/keys/software-hsm.js';
import { cardBasFields } from './profile-facts.js';

export interface HsmAnswers {
  /** iReadCard/iWriteCard/iReloadPIN/iUnblockPIN/iDoDebit steps: the line, then the card's region and historical bytes (from iReadCardBas). */
  step(line: string): Promise<string>;
  /** iReadCardBas_HSM_Step1: the line, then the device id (none). */
  cardAuthentication(line: string): Promise<string>;
}

/** A fresh software HSM with a profile's test keys (its terminal sequence starts again at 1). */
export async function softwareHsmAnswers(profile = 'default'): Promise<HsmAnswers> {
  const hsm = await SoftwareHsm.fromFile(profileKeysPath(profile));
  const facts = cardBasFields(profile);
  return {
    step: (line) => hsm.request(`${line}${facts.region}|${facts.historical}|`),
    cardAuthentication: (line) => hsm.request(`${line}|`),
  };
}
