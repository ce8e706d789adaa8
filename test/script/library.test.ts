import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shippedProfileNames } from '../../emulator/index.js';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

/**
 * Every folder of apdu-scripts/ runs against the emulated card it is written for: a folder named
 * after a shipped profile (default, ss-2.00, …) against that card, examples/ against the small
 * test card. A folder that names no card fails here, so no script goes unrun.
 */
const ROOT = 'apdu-scripts';
const folders = readdirSync(ROOT).filter((f) => statSync(join(ROOT, f)).isDirectory());
const profileFor = (folder: string) => (folder === 'examples' ? 'test-minimal' : folder);

describe('the script library', () => {
  it('has a card for every folder', () => {
    const profiles = shippedProfileNames();
    for (const f of folders) expect(profiles, `apdu-scripts/${f} names no shipped profile`).toContain(profileFor(f));
  });
  it.each(folders)('apdu-scripts/%s passes on its emulated card', async (folder) => {
    const io = memoryIo();
    const code = await runCli(['run', '--emulator', '--profile', profileFor(folder), join(ROOT, folder)], io);
    expect(io.errText(), io.text()).toBe('');
    expect(code, io.text()).toBe(0);
    expect(io.text()).toMatch(/^PASS: \d+ scripts?, \d+ passed/m);
  });
});
