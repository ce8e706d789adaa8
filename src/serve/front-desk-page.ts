import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// web/front-desk beside src/ in the sources, and beside dist/ in an installed package.
const CANDIDATES = [resolve(here, '../../web/front-desk'), resolve(here, '../../../web/front-desk')];

/** The folder of the shipped front-desk demo page, which `sscard serve` serves at `/` by default. */
export function frontDeskPageDir(): string | undefined {
  return CANDIDATES.find((dir) => existsSync(resolve(dir, 'index.html')));
}
