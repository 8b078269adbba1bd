import * as tf from '@tensorflow/tfjs-core';

/**
 * How much work the training checks do on a backend. On cpu and wasm the suites run their full
 * defaults. On a GPU backend every step is a handful of kernel launches and every check reads
 * parameters back (one device round trip each), so on SwiftShader, the software GPU of machines
 * without one, a step costs 10 to 100 times what it costs on wasm. There the defaults shrink to
 * what still decides each check; the plugin's own suite settings always win over the budget.
 */
export interface CheckBudget {
  /** The tfjs backend the budget is for. */
  readonly backend: string;
  /** Whether the reduced GPU settings apply. */
  readonly reduced: boolean;
  /** Steps of `no-tensor-growth` (after its warm-up) when the suite sets none; null: the suite's default. */
  readonly growthSteps: number | null;
  /** Steps of `determinism` when the suite sets none; null: the suite's default. */
  readonly determinismSteps: number | null;
  /**
   * Convergence checks stop this many steps after the parameters first come within tolerance (and
   * must still be within it then), instead of running every allowed step; null runs them all.
   */
  readonly settleSteps: number | null;
  /**
   * A convergence check allowed more steps than this runs only this many, on this backend and on
   * `cpu` from the same start, and passes when the two end within `referenceAgreement` of each
   * other (relative to the distance moved); null runs every step here.
   */
  readonly maxConvergenceSteps: number | null;
  /** Largest ‖θ_here − θ_cpu‖ / ‖θ_cpu − θ_0‖ accepted after `maxConvergenceSteps` steps. */
  readonly referenceAgreement: number;
}

/** Backends whose kernels run on a (possibly emulated) GPU. */
export const GPU_BACKENDS: readonly string[] = ['webgpu', 'webgl'];

/**
 * The reduced settings, and why each still decides its check:
 * - `no-tensor-growth`: 12 steps instead of 50. A leak of one tensor per step shows after one
 *   step; 12 steps after the warm-up step also cover one whole period of the periodic work
 *   plugins do every 10 updates (K-FAC inverses, Shampoo roots), so a leak there shows too.
 * - `determinism`: 5 steps instead of 10. Non-determinism on a GPU (atomics in reductions, racing
 *   kernels) shows in the first step that runs the kernel; 5 steps include state read back after
 *   the first updates (momentum, moments, factors).
 * - convergence: stop 5 steps after first coming within tolerance, still within it. Whether an
 *   optimizer converges is the cpu suite's question (it runs every step there); on the GPU the
 *   question is whether the same iteration gets there, which it does when it reaches the tolerance
 *   and stays. Steps beyond that only repeat the same kernels.
 * - convergence checks allowed more than 200 steps (gradient descent on Rosenbrock needs ~7500,
 *   thousands of device round trips): the first 200 steps run here and on cpu from the same start,
 *   and the parameters must end within 1e-3 of the distance they moved of each other. Both
 *   backends compute in float32 and round each operation (ε = 2⁻²⁴ ≈ 6e-8 relative) in their own
 *   order; a stable iteration carries those differences along without amplifying them, so they
 *   stay near ε times the number of operations an element passes through (measured on SwiftShader
 *   for sgd, momentum, adam and adamw: bit-identical to cpu after 200 Rosenbrock steps). 1e-3 leaves room for that and for Adam-like rules,
 *   which divide by √v and turn rounding of tiny gradients into visible steps, and stays far
 *   below a wrong kernel or a lost, doubled or misdirected step, which moves a trajectory by
 *   about one step in 200 (5e-3 of the distance) or more. That the 200-step trajectory goes on to
 *   converge is what the cpu suite shows.
 * Bit-exact checks (state round trip, determinism) keep their exact comparison: one backend
 * against itself has no excuse for a difference.
 */
export const GPU_CHECK_BUDGET = { growthSteps: 12, determinismSteps: 5, settleSteps: 5, maxConvergenceSteps: 200, referenceAgreement: 1e-3 } as const;

/** The budget for `backend` (default: the active tfjs backend). */
export function checkBudget(backend: string = tf.getBackend()): CheckBudget {
  if (GPU_BACKENDS.includes(backend)) return { backend, reduced: true, ...GPU_CHECK_BUDGET };
  return { backend, reduced: false, growthSteps: null, determinismSteps: null, settleSteps: null, maxConvergenceSteps: null, referenceAgreement: GPU_CHECK_BUDGET.referenceAgreement };
}
