/**
 * A small WebAssembly binary writer: enough of the format (types, functions, one memory, exports,
 * code) for the generated field and curve arithmetic. Generating the module at load time keeps the
 * project free of a compiler toolchain and of committed binaries; the code that writes the bytes is
 * the source.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export type ValType = typeof I32 | typeof I64;

/** Opcodes used by the generators (WebAssembly core spec, §5.4). */
export const Op = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  i64Load32U: 0x35,
  i32Store: 0x36,
  i64Store: 0x37,
  i64Store32: 0x3e,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  i64Eqz: 0x50,
  i64Eq: 0x51,
  i64Ne: 0x52,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Shl: 0x86,
  i64ShrS: 0x87,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
  i64ExtendI32U: 0xad,
} as const;

const BLOCK_VOID = 0x40;

function unsignedLeb(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function signedLeb(value: bigint, out: number[]): void {
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

/** The body of one function, written instruction by instruction. Locals are numbered after the parameters. */
export class FunctionBody {
  readonly bytes: number[] = [];
  readonly locals: ValType[] = [];

  constructor(readonly params: readonly ValType[]) {}

  /** A new local of the given type; returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  /** Plain instructions; control flow goes through begin/branch (which write its immediates). */
  op(...codes: number[]): this {
    for (const c of codes) {
      if (c === Op.if || c === Op.block || c === Op.loop || c === Op.br || c === Op.brIf || c === Op.select) {
        throw new Error('FunctionBody.op: use begin/branch for control flow');
      }
      this.bytes.push(c);
    }
    return this;
  }
  get(index: number): this {
    this.bytes.push(Op.localGet);
    unsignedLeb(index, this.bytes);
    return this;
  }
  set(index: number): this {
    this.bytes.push(Op.localSet);
    unsignedLeb(index, this.bytes);
    return this;
  }
  tee(index: number): this {
    this.bytes.push(Op.localTee);
    unsignedLeb(index, this.bytes);
    return this;
  }
  i32(value: number): this {
    this.bytes.push(Op.i32Const);
    signedLeb(BigInt(value | 0), this.bytes);
    return this;
  }
  /** An i64 constant given as its unsigned or signed value (both encode the same 64 bits). */
  i64(value: bigint): this {
    this.bytes.push(Op.i64Const);
    signedLeb(BigInt.asIntN(64, value), this.bytes);
    return this;
  }
  /** A load or store with a byte offset from the address on the stack (alignment hint 0). */
  memory(opcode: number, offset: number): this {
    this.bytes.push(opcode, 0);
    unsignedLeb(offset, this.bytes);
    return this;
  }
  call(functionIndex: number): this {
    this.bytes.push(Op.call);
    unsignedLeb(functionIndex, this.bytes);
    return this;
  }
  /** block/loop/if without a result value. */
  begin(opcode: typeof Op.block | typeof Op.loop | typeof Op.if): this {
    this.bytes.push(opcode, BLOCK_VOID);
    return this;
  }
  branch(opcode: typeof Op.br | typeof Op.brIf, depth: number): this {
    this.bytes.push(opcode);
    unsignedLeb(depth, this.bytes);
    return this;
  }
}

export interface WasmFunctionDefinition {
  /** Exported under this name when given. */
  exportName?: string;
  results: readonly ValType[];
  body: FunctionBody;
}

// push(...big) would hit the engine's argument limit on large code sections.
function append(out: number[], bytes: readonly number[]): void {
  for (const b of bytes) out.push(b);
}

function section(id: number, content: number[], out: number[]): void {
  out.push(id);
  unsignedLeb(content.length, out);
  append(out, content);
}

function vector(items: number[][]): number[] {
  const out: number[] = [];
  unsignedLeb(items.length, out);
  for (const item of items) append(out, item);
  return out;
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  const out: number[] = [];
  unsignedLeb(bytes.length, out);
  return out.concat(bytes);
}

/** A module with the given functions (indices in array order) and one exported memory of `memoryPages` × 64 KiB. */
export function assembleModule(functions: readonly WasmFunctionDefinition[], memoryPages: number): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types = functions.map((f) => {
    const t = [0x60];
    unsignedLeb(f.body.params.length, t);
    t.push(...f.body.params);
    unsignedLeb(f.results.length, t);
    t.push(...f.results);
    return t;
  });
  section(1, vector(types), out);
  section(
    3,
    vector(
      functions.map((_, i) => {
        const idx: number[] = [];
        unsignedLeb(i, idx);
        return idx;
      }),
    ),
    out,
  );
  const memory: number[] = [0x00];
  unsignedLeb(memoryPages, memory);
  section(5, vector([memory]), out);
  const exports: number[][] = [[...name('memory'), 0x02, 0x00]];
  functions.forEach((f, i) => {
    if (f.exportName === undefined) return;
    const e = [...name(f.exportName), 0x00];
    unsignedLeb(i, e);
    exports.push(e);
  });
  section(7, vector(exports), out);
  const bodies = functions.map((f) => {
    const groups: number[][] = [];
    for (const type of f.body.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === type) last[0]!++;
      else groups.push([1, type]);
    }
    const code: number[] = [];
    unsignedLeb(groups.length, code);
    for (const [count, type] of groups) {
      unsignedLeb(count!, code);
      code.push(type!);
    }
    append(code, f.body.bytes);
    code.push(Op.end);
    const sized: number[] = [];
    unsignedLeb(code.length, sized);
    return sized.concat(code);
  });
  section(10, vector(bodies), out);
  return new Uint8Array(out);
}
