import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EmulatorTransport, openCard } from '../../emulator/index.js';
import { parseScript } from '../../src/script/parser.js';
import { TextReporter } from '../../src/script/reporters/text-reporter.js';
import { runScripts } from '../../src/script/runner.js';

const README = 'apdu-scripts/README.md';

interface Block {
  kind: 'script' | 'script fails' | 'output';
  body: string;
  /** Line of the README where the block's first line is. */
  line: number;
}

function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  const re = /^```(script fails|script|output)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    const line = markdown.slice(0, m.index).split('\n').length + 1;
    out.push({ kind: m[1] as Block['kind'], body: m[2]!, line });
  }
  return out;
}

async function runBlock(block: Block) {
  // Padding keeps line numbers those of the README, so a failure points into the README.
  const source = '\n'.repeat(block.line - 1) + block.body;
  const script = parseScript(source, README, { readInclude: (p) => readFileSync(p, 'utf8') });
  const out: string[] = [];
  // The README's examples are written for the small test card.
  const transport = new EmulatorTransport(openCard({ profile: 'test-minimal' }), 'sscard emulator (test-minimal)');
  try {
    const result = await runScripts([script], { transport, reporters: [new TextReporter({ write: (t) => out.push(t) })] });
    return { result, text: out.join('') };
  } finally {
    await transport.close();
  }
}

describe('the examples in apdu-scripts/README.md run on the emulator', () => {
  const all = blocks(readFileSync(README, 'utf8'));

  it('has examples to run, including failing ones with their output', () => {
    expect(all.filter((b) => b.kind === 'script').length).toBeGreaterThanOrEqual(8);
    expect(all.filter((b) => b.kind === 'script fails').length).toBeGreaterThanOrEqual(2);
  });

  for (const [i, block] of all.entries()) {
    if (block.kind === 'output') continue;
    it(`${block.kind} at README line ${block.line}`, async () => {
      const { result, text } = await runBlock(block);
      if (block.kind === 'script') {
        expect(result.passed, text).toBe(true);
        return;
      }
      expect(result.passed, text).toBe(false);
      const expected = all[i + 1];
      expect(expected?.kind).toBe('output');
      for (const line of expected!.body.split('\n').filter((l) => l.trim() !== '')) expect(text).toContain(line);
    });
  }
});
