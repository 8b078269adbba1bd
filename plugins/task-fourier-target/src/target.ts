/** The sines of a multi-frequency target `u(x) = Σ_j a_j sin(ω_j π x + φ_j)`, one entry per sine. */
export interface SineComponents {
  /** ω_j: sine j has ω_j (b − a)/2 periods over the domain [a, b), so on [-1, 1) it sits on DFT bin ω_j. */
  readonly frequencies: readonly number[];
  /** a_j. */
  readonly amplitudes: readonly number[];
  /** φ_j in radians. */
  readonly phases: readonly number[];
}

/**
 * The E1 target `u(x) = Σ_j a_j sin(ω_j π x + φ_j)` in float64. With ω = (3, 5, 7), a = (1/3, 2/3, 1)
 * and φ = (−1, −2, −3) it is the paper's `u(x) = 1/3 Σ_{k=1..3} k sin((2k+1)πx − k)`.
 */
export function sineSum(x: number, components: SineComponents): number {
  const { frequencies, amplitudes, phases } = components;
  if (amplitudes.length !== frequencies.length || phases.length !== frequencies.length) {
    throw new RangeError(
      `sineSum: frequencies, amplitudes and phases need one entry per sine; got ${frequencies.length}, ${amplitudes.length} and ${phases.length}`,
    );
  }
  let u = 0;
  for (let j = 0; j < frequencies.length; j++) u += amplitudes[j]! * Math.sin(frequencies[j]! * Math.PI * x + phases[j]!);
  return u;
}

/**
 * `n` equispaced points of the half-open interval [a, b): `x_i = a + i (b − a)/n`, i = 0..n-1, the
 * values of NumPy's `linspace(a, b, n, endpoint=False)`. Leaving b out makes the grid periodic, so a
 * sine with a whole number of periods over [a, b) falls on exactly one DFT bin.
 */
export function trainingGrid(domain: readonly [number, number], n: number): Float64Array {
  const [a, b] = domain;
  const step = (b - a) / n;
  return Float64Array.from({ length: n }, (_, i) => a + i * step);
}

/**
 * The `n` cell midpoints of [a, b): `x_i = a + (i + ½)(b − a)/n`. With the same n as the training
 * grid these are the points halfway between neighbouring training points (the last one halfway
 * between the last training point and b), a held-out grid the model never sees.
 */
export function midpointGrid(domain: readonly [number, number], n: number): Float64Array {
  const [a, b] = domain;
  const step = (b - a) / n;
  return Float64Array.from({ length: n }, (_, i) => a + (i + 0.5) * step);
}

/**
 * Targets for a grid as the device will hold them: x rounded to float32 first, so each stored pair
 * satisfies y = u(x) for the x the model actually sees (to one float32 rounding of y), as NumPy's
 * peer does by evaluating u on its float32 grid.
 */
export function sampleTarget(grid: Float64Array, components: SineComponents): { x: Float32Array; y: Float32Array } {
  const x = Float32Array.from(grid);
  const y = Float32Array.from(x, (xi) => sineSum(xi, components));
  return { x, y };
}
