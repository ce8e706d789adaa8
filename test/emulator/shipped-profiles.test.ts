import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadProfile, resolveProfilePath, shippedProfileNames } from '../../emulator/index.js';
import { renderProfiles } from '../../scripts/profiles/build-profiles.js';

describe('shipped card profiles', () => {
  it('are exactly what scripts/profiles builds (run `npm run profiles` after changing a part)', () => {
    for (const [path, text] of renderProfiles()) expect(readFileSync(path, 'utf8'), `${path} is stale`).toBe(text);
  });
  it('all load through the validating loader', () => {
    const names = shippedProfileNames();
    expect(names).toEqual(expect.arrayContaining(['default', 'ss-2.00', 'ss-1.00', 'test-minimal']));
    for (const name of names) expect(loadProfile(resolveProfilePath(name)).name).toBe(name);
  });
});
