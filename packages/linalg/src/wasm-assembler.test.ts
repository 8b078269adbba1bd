import { describe, expect, it } from 'vitest';
import { assembleModule, I32, op, sleb, uleb } from './wasm-assembler.js';

describe('wasm assembler', () => {
  it('encodes LEB128 as the specification does', () => {
    // The worked examples of the LEB128 article the WebAssembly spec refers to (DWARF 4, §7.6).
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(0)).toEqual([0]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-1)).toEqual([0x7f]);
  });

  it('assembles a module WebAssembly accepts and runs', () => {
    // (func (param i32) local.get 0 i32.const 3 i32.shl drop) exported as "f", plus the memory.
    const bytes = assembleModule([{ name: 'f', params: [I32], locals: [], body: [...op.get(0), ...op.i32(3), ...op.i32Shl, 0x1a] }], 1);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    expect(typeof exports.f).toBe('function');
    expect((exports.memory as WebAssembly.Memory).buffer.byteLength).toBe(65536);
  });
});
