import type { CardKey } from './card-key.js';
import type { PinObject } from './pin-object.js';

/**
 * What has been proven since the current DF was selected: verified PINs and keys that passed
 * EXTERNAL AUTHENTICATE. Cleared on selecting another DF and on every reset; never persisted.
 */
export class SecurityStatus {
  private readonly pins = new Set<string>();
  private readonly keys = new Set<string>();

  pinVerified(pin: PinObject): boolean {
    return this.pins.has(pin.stateKey);
  }
  setPinVerified(pin: PinObject, verified: boolean): void {
    if (verified) this.pins.add(pin.stateKey);
    else this.pins.delete(pin.stateKey);
  }
  keyAuthenticated(key: CardKey): boolean {
    return this.keys.has(key.stateKey);
  }
  setKeyAuthenticated(key: CardKey, authenticated: boolean): void {
    if (authenticated) this.keys.add(key.stateKey);
    else this.keys.delete(key.stateKey);
  }
  clear(): void {
    this.pins.clear();
    this.keys.clear();
  }
}
