import { describe, expect, it } from 'vitest';
import { gemmNT, gemmNTInWasmMemory } from './gemm-kernels.js';
import { randomNormal64 } from './test-support/random-matrices.js';
import { setWasmKernelsEnabled, wasmKernels } from './wasm-kernels.js';

const U = 2 ** -53;

describe('wasm kernels', () => {
  it('compile here, compute a 2×4 tile by hand, and can be switched off', () => {
    const w = wasmKernels();
    // Node 20 (V8 11.3) has WebAssembly SIMD, so the fast paths are the ones the other tests run.
    expect(w).not.toBeNull();
    const mem = w!.memory(64)!;
    // A = [[1, 2], [3, 4]], B rows [1, 0], [0, 1], [1, 1], [2, -1]: A Bᵀ = [[1, 2, 3, 0], [3, 4, 7, 2]].
    mem.set([1, 2, 3, 4], 0);
    mem.set([1, 0, 0, 1, 1, 1, 2, -1], 8);
    w!.gemm24(0, 64, 256, 2, 4, 2);
    expect(Array.from(mem.subarray(32, 40))).toEqual([1, 2, 3, 0, 3, 4, 7, 2]);
    // Growing the memory hands out a fresh view.
    expect(w!.memory(1 << 20)!.length).toBeGreaterThanOrEqual(1 << 20);
    // Past wasm32's 4 GiB the memory cannot grow: null, and callers take the JavaScript path.
    expect(w!.memory(2 ** 30)).toBeNull();
    setWasmKernelsEnabled(false);
    expect(wasmKernels()).toBeNull();
    setWasmKernelsEnabled(true);
    expect(wasmKernels()).toBe(w);
  });

  it.each([
    [6, 8, 10],
    [5, 7, 9],
    [1, 3, 1],
    [9, 12, 33],
  ])('the in-place product on operands in wasm memory matches the JavaScript kernel, %i×%i by depth %i', (m, n, k) => {
    const w = wasmKernels()!;
    // A (m × k) at 0, B (n × k) at m·k, C (m × n) at (m + n)·k, with leading dimensions padded by 3
    // so the strides differ from the row lengths.
    const lda = k + 3;
    const ldc = n + 3;
    const a = randomNormal64(m, lda, 1).data;
    const b = randomNormal64(n, lda, 2).data;
    const c = randomNormal64(m, ldc, 3).data;
    const mem = w.memory(m * lda + n * lda + m * ldc)!;
    mem.set(a, 0);
    mem.set(b, m * lda);
    mem.set(c, m * lda + n * lda);
    gemmNTInWasmMemory(w, m, n, k, -0.5, mem, 0, lda, m * lda, lda, m * lda + n * lda, ldc);
    setWasmKernelsEnabled(false);
    const expected = c.slice();
    gemmNT(m, n, k, -0.5, a, 0, lda, b, 0, lda, expected, 0, ldc, false);
    setWasmKernelsEnabled(true);
    // Same sums in different orders: within 2·k·u·(|c| + 0.5·Σ|a||b|) of each other; the padding
    // columns of C must be untouched.
    let excess = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < ldc; j++) {
        const got = mem[m * lda + n * lda + i * ldc + j]!;
        if (j >= n) {
          expect(got).toBe(c[i * ldc + j]);
          continue;
        }
        let scale = Math.abs(c[i * ldc + j]!);
        for (let p = 0; p < k; p++) scale += 0.5 * Math.abs(a[i * lda + p]! * b[j * lda + p]!);
        excess = Math.max(excess, Math.abs(got - expected[i * ldc + j]!) / (2 * (k + 1) * U * scale));
      }
    }
    expect(excess).toBeLessThanOrEqual(1);
  });
});
