// Norms of the flat parameter vector θ (all parameters in model order), summed in float64 from the
// float32 values: a difference or square of float32 numbers is exact in float64, so only the sums
// round, at 2⁻⁵³.

/** `‖θ‖₂`. */
export function weightNorm(values: readonly ArrayLike<number>[]): number {
  let s = 0;
  for (const v of values) for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/**
 * `‖θ − θ₀‖₂ / ‖θ₀‖₂`, the relative parameter change (PAPER.md); the lazy regime keeps it small.
 * When `θ₀ = 0` (a model initialised at zero) the ratio is undefined and the absolute distance
 * `‖θ − θ₀‖₂` is returned instead, so the value stays finite and still grows as θ moves.
 */
export function parameterDistance(values: readonly ArrayLike<number>[], initial: readonly ArrayLike<number>[]): number {
  if (values.length !== initial.length) throw new RangeError(`parameterDistance: ${values.length} parameters against ${initial.length} initial ones`);
  let moved = 0;
  for (let t = 0; t < values.length; t++) {
    const v = values[t]!;
    const v0 = initial[t]!;
    if (v.length !== v0.length) throw new RangeError(`parameterDistance: parameter ${t} has ${v.length} entries, its initial value ${v0.length}`);
    for (let i = 0; i < v.length; i++) moved += (v[i]! - v0[i]!) ** 2;
  }
  const norm0 = weightNorm(initial);
  return Math.sqrt(moved) / (norm0 > 0 ? norm0 : 1);
}
