import { describe, expect, it } from 'vitest';
import { leadingEigenvectors } from './leading-eigenvectors.js';
import { ntkSpectrum } from './ntk-spectrum.js';

/**
 * The orthonormal sine basis v_j(r) = sin(jπ(r+1)/(n+1))·√(2/(n+1)), j = 1..n (the eigenvectors of
 * the second-difference matrix, a closed form independent of any eigensolver), and the kernel
 * K = Σ_j λ_j v_j v_jᵀ summed in float64 for the given eigenvalues (λ for j = 1, 2, ...).
 */
function kernelWithSpectrum(n: number, lambda: (index: number) => number) {
  const basis = (j: number) => Array.from({ length: n }, (_, r) => Math.sin(((j + 1) * Math.PI * (r + 1)) / (n + 1)) * Math.sqrt(2 / (n + 1)));
  const vectors = Array.from({ length: n }, (_, j) => basis(j));
  const k = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const l = lambda(j);
    if (l === 0) continue;
    const v = vectors[j]!;
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) k[r * n + c]! += l * v[r]! * v[c]!;
  }
  return { k, vectors };
}

/** |⟨row i of rows, v⟩|, the cosine of the angle between the two unit vectors. */
const cosine = (rows: Float64Array, i: number, v: readonly number[]) => Math.abs(v.reduce((s, x, r) => s + x * rows[i * v.length + r]!, 0));

describe('leadingEigenvectors', () => {
  it('finds the leading eigenvectors of a kernel with a decaying spectrum (λ_j = 2⁻ʲ), n = 300', () => {
    const n = 300;
    const { k, vectors } = kernelWithSpectrum(n, (j) => 2 ** -j);
    const found = leadingEigenvectors(k, n, 10)!;
    expect(found).not.toBeNull();
    // Block of 20: each round shrinks the error along v_i by λ_21/λ_i ≤ 2⁻¹¹; a handful of rounds.
    expect(found.iterations).toBeLessThan(10);
    expect(found.maxRelativeResidual).toBeLessThanOrEqual(1e-11);
    for (let i = 0; i < 10; i++) {
      expect(found.ritzValues[i]).toBeCloseTo(2 ** -i, 12);
      // Davis-Kahan: angle ≤ residual/gap = 1e-11/2⁻¹¹ ≈ 2e-8, so 1 − cos ≤ 2e-16: 1e-12 with rounding.
      expect(1 - cosine(found.vectors, i, vectors[i]!), `vector ${i}`).toBeLessThan(1e-12);
    }
  });

  it('returns an orthonormal basis beyond the rank of a rank-3 kernel, its first three the eigenvectors', () => {
    const n = 280;
    const { k, vectors } = kernelWithSpectrum(n, (j) => (j < 3 ? [5, 2, 0.5][j]! : 0));
    const found = leadingEigenvectors(k, n, 8)!;
    expect(found).not.toBeNull();
    for (let i = 0; i < 3; i++) expect(1 - cosine(found.vectors, i, vectors[i]!)).toBeLessThan(1e-12);
    // Rows 4-8 span part of the null space: orthonormal, and orthogonal to the range.
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j <= i; j++) {
        let d = 0;
        for (let r = 0; r < n; r++) d += found.vectors[i * n + r]! * found.vectors[j * n + r]!;
        expect(Math.abs(d - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
      if (i >= 3) for (let j = 0; j < 3; j++) expect(cosine(found.vectors, i, vectors[j]!)).toBeLessThan(1e-12);
    }
  });

  it('gives up (null) on a flat top of the spectrum and on a block that is not much smaller than n', () => {
    // Eigenvalues 1 − j/n: λ_21/λ_10 ≈ 0.96, far too slow for 25 rounds at 1e-11.
    const n = 260;
    const { k } = kernelWithSpectrum(n, (j) => 1 - j / n);
    expect(leadingEigenvectors(k, n, 10)).toBeNull();
    expect(leadingEigenvectors(kernelWithSpectrum(60, (j) => 2 ** -j).k, 60, 10)).toBeNull();
  });

  it('is what ntkSpectrum’s dense route returns, reading the lower triangle only', async () => {
    const n = 300;
    const { k, vectors } = kernelWithSpectrum(n, (j) => 3 * 1.5 ** -j);
    const garbage = Float64Array.from(k);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) garbage[i * n + j] = 7;
    const s = await ntkSpectrum(garbage, n, { maxDense: n, topK: 5, vectors: 6 });
    expect(s.method).toBe('dense');
    expect(s.values).toHaveLength(n);
    // eigvalsh: |Δλ| ≤ c·n·u·‖K‖ = 20·300·2⁻⁵³·3.
    s.values.forEach((v, j) => expect(Math.abs(v - 3 * 1.5 ** -j)).toBeLessThan(20 * n * 2 ** -53 * 3));
    // Gap λ_6 − λ_7 = 3·1.5⁻⁶/3 ≈ 0.09: angle ≤ 3e-11/0.09.
    for (let i = 0; i < 6; i++) expect(1 - cosine(s.vectors, i, vectors[i]!)).toBeLessThan(1e-12);
  });

  it('falls back to the full eigh in ntkSpectrum when iteration does not converge', async () => {
    const n = 260;
    const { k, vectors } = kernelWithSpectrum(n, (j) => 1 - j / n);
    const s = await ntkSpectrum(k, n, { maxDense: n, topK: 5, vectors: 3 });
    // Gaps 1/n ≈ 4e-3: eigh's vectors are within n·u·‖K‖/gap ≈ 1e-11 of the true ones.
    for (let i = 0; i < 3; i++) expect(1 - cosine(s.vectors, i, vectors[i]!)).toBeLessThan(1e-12);
  });
});
