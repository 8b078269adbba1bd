/**
 * FFT mode errors of a signal on an equispaced grid: `|ê_k| = |Σ_t r_t e^{-2πi k t/n}| / n` for
 * `k = 0..modes-1`, i.e. NumPy's `np.abs(np.fft.rfft(r))[:modes] / len(r)` (PAPER.md, E1 / Fig. 3).
 *
 * Computed as a direct O(n·modes) sum in float64: for the ten modes of E1's 100 points that is
 * 1,000 terms, cheaper than setting up an FFT, and exact to ~1e-15 relative. A pure cosine
 * `A cos(2π k₀ t/n)` gives `A/2` at `k₀` (0 < k₀ < n/2); a constant `c` gives `|c|` at `k = 0`.
 *
 * @param residual the signal sampled at the n grid points (the training residual `f(x) − y`).
 * @param modes how many modes to return, 1 ≤ modes ≤ ⌊n/2⌋ + 1 (the length of NumPy's rfft).
 * @returns `modes` non-negative numbers, mode 0 (the mean) first.
 */
export function fourierModeErrors(residual: Float64Array | Float32Array | readonly number[], modes: number): number[] {
  const n = residual.length;
  if (n === 0) throw new RangeError('fourierModeErrors: the residual is empty; it needs at least one sample');
  const maxModes = Math.floor(n / 2) + 1;
  if (!Number.isInteger(modes) || modes < 1 || modes > maxModes) {
    throw new RangeError(`fourierModeErrors: modes must be an integer in [1, ${maxModes}] for ${n} samples (⌊n/2⌋ + 1 rfft bins), got ${modes}`);
  }
  // One table of cos/sin(2π m/n) for m = 0..n-1: reducing k·t modulo n keeps every angle in
  // [0, 2π), so rounding of large angles never enters, and the table is shared by all modes.
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let m = 0; m < n; m++) {
    const angle = (2 * Math.PI * m) / n;
    cos[m] = Math.cos(angle);
    sin[m] = Math.sin(angle);
  }
  const out: number[] = [];
  for (let k = 0; k < modes; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      const m = (k * t) % n;
      const r = residual[t]!;
      re += r * cos[m]!;
      im -= r * sin[m]!;
    }
    out.push(Math.hypot(re, im) / n);
  }
  return out;
}
