/**
 * A minimal WebAssembly binary writer: just enough of the format (WebAssembly Core Specification
 * 2.0, §5 "Binary Format") to emit the handful of SIMD kernels in `wasm-kernels.ts` at load time,
 * so the package ships no prebuilt binary and needs no build step or dependency. Instructions are
 * written with the helpers below; each returns its bytes.
 */
export type Bytes = readonly number[];
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F64 | typeof V128;

/** Unsigned LEB128 (§5.2.2). */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 for i32 constants. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const simd = (op: number, ...rest: number[]): number[] => [0xfd, ...uleb(op), ...rest];
/** memarg: alignment exponent and static offset. */
const mem = (align: number, offset: number) => [...uleb(align), ...uleb(offset)];

/** Instructions (opcodes from §5.4 and the SIMD proposal's binary table). */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32LtU: [0x49],
  i32GeU: [0x4f],
  i32And: [0x71],
  block: [0x02, 0x40],
  if: [0x04, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  f64Load: (offset = 0) => [0x2b, ...mem(3, offset)],
  f64Store: (offset = 0) => [0x39, ...mem(3, offset)],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  f64x2Splat: simd(0x14),
  v128Load: (offset = 0) => simd(0x00, ...mem(4, offset)),
  v128Store: (offset = 0) => simd(0x0b, ...mem(4, offset)),
  v128Load64Splat: (offset = 0) => simd(0x0a, ...mem(3, offset)),
  v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  f64x2ExtractLane: (lane: number) => simd(0x21, lane),
  f64x2Add: simd(0xf0),
  f64x2Sub: simd(0xf1),
  f64x2Mul: simd(0xf2),
} as const;

export interface WasmFunction {
  readonly name: string;
  readonly params: readonly ValueType[];
  /** Extra locals, numbered after the params. */
  readonly locals: readonly ValueType[];
  readonly body: Bytes;
}

const vec = (items: readonly Bytes[]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, content: Bytes): number[] => [id, ...uleb(content.length), ...content];
const name = (s: string): number[] => {
  const bytes = Array.from(s, (c) => c.charCodeAt(0));
  return [...uleb(bytes.length), ...bytes];
};

/** A module with one exported growable memory ("memory") and the given exported functions (no results). */
export function assembleModule(functions: readonly WasmFunction[], initialPages: number): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0x00]);
  const exports = [[...name('memory'), 0x02, 0x00], ...functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])];
  const codes = functions.map((f) => {
    const locals = vec(f.locals.map((t) => [0x01, t]));
    const body = [...locals, ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(initialPages)]])),
    ...section(7, vec(exports)),
    ...section(10, vec(codes)),
  ]);
}
