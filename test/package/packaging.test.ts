// The package as npm publishes it: the files in the tarball, and consumers that load it the ways
// users do: ES modules, require() from CommonJS (Node ≥ 20.19 can require an ES module when the
// export map has a `default` condition), and TypeScript projects compiled to CommonJS.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; version: string };
const work = mkdtempSync(join(tmpdir(), 'sscard-package-'));
const consumer = join(work, 'consumer');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function npm(args: string[]): string {
  // --ignore-scripts: `prepare` would rebuild; the test runs on the build `npm test` just made.
  return execFileSync('npm', [...args, '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: consumer, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/src/index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does) first');
  // The real tarball, unpacked where a consumer's npm install would put it; its dependencies are
  // linked from this checkout (node resolves theirs from their real paths).
  const tarball = JSON.parse(npm(['pack', '--json', '--pack-destination', work]))[0].filename as string;
  mkdirSync(join(consumer, 'node_modules', '@types'), { recursive: true });
  execFileSync('tar', ['-xzf', join(work, tarball), '-C', join(consumer, 'node_modules')]);
  renameSync(join(consumer, 'node_modules', 'package'), join(consumer, 'node_modules', 'sscard'));
  for (const dep of [...Object.keys(pkg.dependencies), '@types/node']) {
    symlinkSync(join(ROOT, 'node_modules', dep), join(consumer, 'node_modules', dep), 'dir');
  }
}, 120_000);

describe('the npm tarball', () => {
  it('holds LICENSE, README, dist, bin, the card profiles, the script library and the front-desk page, and no tests', () => {
    const files = (JSON.parse(npm(['pack', '--dry-run', '--json']))[0].files as Array<{ path: string }>).map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'bin/sscard.js', 'dist/src/index.js']));
    expect(files).toEqual(expect.arrayContaining(['dist/src/index.d.ts', 'dist/emulator/index.js', 'emulator/profiles/default.json']));
    expect(files).toEqual(
      expect.arrayContaining(['apdu-scripts/README.md', 'apdu-scripts/default/pin-lifecycle.script', 'apdu-scripts/default/common.inc']),
    );
    expect(files).toEqual(expect.arrayContaining(['web/front-desk/index.html', 'web/front-desk/front-desk.js']));
    expect(files.filter((f) => /(^|\/)test\/|\.test\.|^src\/|^scripts\//.test(f))).toEqual([]);
    expect(readFileSync(join(consumer, 'node_modules/sscard/LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) \d{4} sscard contributors\n/,
    );
  });
});

describe('consumers', () => {
  it('the installed sscard serve finds and serves the front-desk page', () => {
    const output = node([
      join(consumer, 'node_modules/sscard/bin/sscard.js'),
      'serve',
      '--emulator',
      '--port',
      '0',
      '--for',
      '1',
      '--quiet',
    ]);
    expect(output).toMatch(/the front-desk demo page at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('an ES module imports the SDK and the emulator', () => {
    writeFileSync(
      join(consumer, 'esm.mjs'),
      "import { toHex } from 'sscard';\nimport { openCard } from 'sscard/emulator';\nconsole.log(toHex(Uint8Array.of(1, 171)), typeof openCard);\n",
    );
    expect(node(['esm.mjs'])).toBe('01AB function\n');
  });

  it('a CommonJS file requires the SDK and the emulator', () => {
    writeFileSync(
      join(consumer, 'plain.cjs'),
      "const { toHex } = require('sscard');\nconst { openCard } = require('sscard/emulator');\nconsole.log(toHex(Uint8Array.of(1, 171)), typeof openCard);\n",
    );
    expect(node(['plain.cjs'])).toBe('01AB function\n');
  });

  const source = [
    "import { fromHex, toHex } from 'sscard';",
    "import { openCard } from 'sscard/emulator';",
    "const bytes: Uint8Array = fromHex('01AB');",
    '// @ts-expect-error: toHex takes bytes (an error here proves the types resolved, not any)',
    "toHex('not bytes');",
    'console.log(toHex(bytes), typeof openCard);',
    '',
  ].join('\n');
  // module commonjs resolves types the classic way (package.json "types" and "typesVersions");
  // module nodenext through the export map's "types" condition, from a .cts file.
  for (const [module, file] of [
    ['commonjs', 'index.ts'],
    ['nodenext', 'index.cts'],
  ] as const) {
    it(`a TypeScript project with module ${module} type-checks and its compiled CommonJS runs`, () => {
      const dir = join(consumer, module);
      mkdirSync(dir);
      writeFileSync(join(dir, file), source);
      const compilerOptions = {
        module,
        target: 'es2022',
        strict: true,
        outDir: 'out',
        skipLibCheck: true,
        types: ['node'],
        typeRoots: ['../node_modules/@types'],
      };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: [file] }));
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
      const compiled = join(
        dir,
        'out',
        file.replace(/\.c?ts$/, (ext) => (ext === '.cts' ? '.cjs' : '.js')),
      );
      expect(readFileSync(compiled, 'utf8')).toMatch(/require\("sscard"\)/);
      expect(node([compiled])).toBe('01AB function\n');
    });
  }
});
