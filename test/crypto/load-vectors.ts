import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-vectors');

/** Reads a JSON vector file from test-vectors/ (each carries a `source`). */
export function loadVectors<T>(file: string): T & { source: string } {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as T & { source: string };
}

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
