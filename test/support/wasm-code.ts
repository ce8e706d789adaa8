/**
 * A reader for the code of a WebAssembly binary (core spec §5), written for the constant-time test:
 * for each function, the control-flow instructions it contains and the functions it calls. It
 * decodes every instruction with its immediates, so an opcode it does not know is an error rather
 * than a byte skipped.
 */

export interface FunctionCode {
  /** Function index (imported functions first, as the spec numbers them). */
  index: number;
  exportName: string | undefined;
  /** Names of the control instructions found: block, loop, if, else, br, br_if, br_table, return. */
  controlFlow: string[];
  calls: number[];
  /** call_indirect: a call whose target cannot be followed. */
  indirectCalls: number;
}

const CONTROL: Record<number, string> = {
  2: 'block',
  3: 'loop',
  4: 'if',
  5: 'else',
  12: 'br',
  13: 'br_if',
  14: 'br_table',
  15: 'return',
};
const VALUE_TYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}
  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error(`wasm: unexpected end at ${this.pos}`);
    return this.bytes[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }
  /** A signed LEB128 (its value is not needed, only its extent). */
  skipSigned(): void {
    while (this.byte() & 0x80);
  }
  name(): string {
    const length = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    return text;
  }
}

/** Every function defined in the module, with what its body does. */
export function readWasmCode(bytes: Uint8Array): FunctionCode[] {
  const magic = [0x00, 0x61, 0x73, 0x6d];
  if (!magic.every((b, i) => bytes[i] === b)) throw new Error('wasm: not a WebAssembly module');
  const reader = new Reader(bytes, 8);
  let importedFunctions = 0;
  const exportNames = new Map<number, string>();
  const out: FunctionCode[] = [];
  while (reader.pos < bytes.length) {
    const id = reader.byte();
    const size = reader.u32();
    const end = reader.pos + size;
    if (id === 2) importedFunctions = countImportedFunctions(new Reader(bytes, reader.pos));
    if (id === 7) {
      const exports = new Reader(bytes, reader.pos);
      for (let n = exports.u32(); n > 0; n--) {
        const name = exports.name();
        const kind = exports.byte();
        const index = exports.u32();
        if (kind === 0x00) exportNames.set(index, name);
      }
    }
    if (id === 10) {
      const code = new Reader(bytes, reader.pos);
      const count = code.u32();
      for (let i = 0; i < count; i++) {
        const bodySize = code.u32();
        const bodyEnd = code.pos + bodySize;
        const index = importedFunctions + i;
        out.push({ index, exportName: undefined, ...readBody(new Reader(bytes.subarray(0, bodyEnd), code.pos)) });
        code.pos = bodyEnd;
      }
    }
    reader.pos = end;
  }
  for (const f of out) f.exportName = exportNames.get(f.index);
  return out;
}

function countImportedFunctions(r: Reader): number {
  let functions = 0;
  for (let n = r.u32(); n > 0; n--) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 0x00) {
      r.u32();
      functions++;
    } else if (kind === 0x01) {
      r.byte();
      skipLimits(r);
    } else if (kind === 0x02) {
      skipLimits(r);
    } else {
      r.byte();
      r.byte();
    }
  }
  return functions;
}

function skipLimits(r: Reader): void {
  const flags = r.byte();
  r.u32();
  if (flags & 1) r.u32();
}

function readBody(r: Reader): Omit<FunctionCode, 'index' | 'exportName'> {
  for (let groups = r.u32(); groups > 0; groups--) {
    r.u32();
    r.byte();
  }
  const controlFlow: string[] = [];
  const calls: number[] = [];
  let indirectCalls = 0;
  while (r.pos < r.bytes.length) {
    const op = r.byte();
    if (CONTROL[op] !== undefined) controlFlow.push(CONTROL[op]);
    if (op === 0x02 || op === 0x03 || op === 0x04) {
      const type = r.bytes[r.pos]!;
      if (type === 0x40 || VALUE_TYPES.has(type)) r.pos++;
      else r.skipSigned();
    } else if (op === 0x0c || op === 0x0d) {
      r.u32();
    } else if (op === 0x0e) {
      for (let n = r.u32() + 1; n > 0; n--) r.u32();
    } else if (op === 0x10) {
      calls.push(r.u32());
    } else if (op === 0x11) {
      r.u32();
      r.u32();
      indirectCalls++;
    } else if (op === 0x1c) {
      for (let n = r.u32(); n > 0; n--) r.byte();
    } else if (op >= 0x20 && op <= 0x26) {
      r.u32();
    } else if (op >= 0x28 && op <= 0x3e) {
      r.u32();
      r.u32();
    } else if (op === 0x3f || op === 0x40) {
      r.byte();
    } else if (op === 0x41 || op === 0x42) {
      r.skipSigned();
    } else if (op === 0x43) {
      r.pos += 4;
    } else if (op === 0x44) {
      r.pos += 8;
    } else if (
      !(op === 0x00 || op === 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b || (op >= 0x45 && op <= 0xc4))
    ) {
      throw new Error(`wasm: opcode 0x${op.toString(16)} at ${r.pos - 1} is not one this reader knows`);
    }
  }
  return { controlFlow, calls, indirectCalls };
}

/** The function and every function it calls, directly or through others. */
export function reachableFunctions(functions: readonly FunctionCode[], start: number): FunctionCode[] {
  const byIndex = new Map(functions.map((f) => [f.index, f]));
  const seen = new Set<number>();
  const stack = [start];
  while (stack.length > 0) {
    const index = stack.pop()!;
    if (seen.has(index)) continue;
    seen.add(index);
    const f = byIndex.get(index);
    if (f === undefined) throw new Error(`wasm: call to function ${index}, which is imported or missing`);
    stack.push(...f.calls);
  }
  return [...seen].map((i) => byIndex.get(i)!);
}
