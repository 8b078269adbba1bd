import type * as tf from '@tensorflow/tfjs-core';
import type { State } from '@precond/core';
import type { RootSettings } from './inverse-root.js';
import type { MatrixBlock } from './layout.js';

/** The two Kronecker factors of a block: `L` (rows × rows) and `R` (cols × cols). */
export type FactorSide = 'left' | 'right';

/** What happened to one factor's root at a root update. */
export interface FactorRootReport {
  readonly block: number;
  readonly side: FactorSide;
  /** The residual of the new root when accepted. */
  readonly residual?: number;
  /** Why no new root was accepted (the last good one, or the identity, stays). */
  readonly failure?: string;
}

/** Float64 copies of one block's statistics and roots (`null` root: the identity is in use). */
export interface BlockSnapshot {
  readonly block: MatrixBlock;
  /** `L`, row-major `rows × rows` (before bias correction). */
  readonly left: Float64Array;
  /** `R`, row-major `cols × cols` (before bias correction). */
  readonly right: Float64Array;
  readonly leftRoot: Float64Array | null;
  readonly rightRoot: Float64Array | null;
  readonly leftResidual: number | null;
  readonly rightResidual: number | null;
}

/** A matrix parameter as an engine sees it: its row-major `[rows, cols]` view and its blocks. */
export interface MatrixParameter {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly rowSplits: readonly number[];
  readonly colSplits: readonly number[];
  /** Row-major over the grid of `rowSplits × colSplits`. */
  readonly blocks: readonly MatrixBlock[];
}

/**
 * Statistics, roots and the two-sided products of Shampoo's matrix blocks, in one placement:
 * `host` keeps float64 arrays on the CPU and computes with @precond/linalg's kernels; `device`
 * keeps float32 tensors and computes with tfjs ops on the backend.
 */
export interface MatrixEngine {
  readonly placement: 'host' | 'device';
  /** Zero statistics and identity roots for the matrix parameters, in order. */
  init(params: readonly MatrixParameter[]): void;
  /** Called at the start of every update, before `accumulate`: gradients of earlier steps are forgotten. */
  beginUpdate(): void;
  /** `L ← β₂L + (1−β₂)GGᵀ`, `R ← β₂R + (1−β₂)GᵀG` for every block of parameter `index` (`β₂ = 1`: the sum). */
  accumulate(index: number, gradient: tf.Tensor, beta2: number): Promise<void>;
  /**
   * Called at the end of `update` with the gradient and the grafted direction `apply` will use for
   * parameter `index` (the same tensors `apply` gets under core's `transformationOptimizer`): the
   * host placement reads them here, awaited, so that `apply`, which is synchronous, reads nothing
   * from the backend. `graft` belongs to the caller. The device placement has nothing to read.
   */
  prepareDirection(index: number, gradient: tf.Tensor, graft: tf.Tensor | null): Promise<void>;
  /** Recompute every root of parameter `index` from its statistics divided by `correction` (bias correction). */
  computeRoots(index: number, correction: number, settings: RootSettings): Promise<FactorRootReport[]>;
  /**
   * The Shampoo direction of parameter `index`, shaped like `gradient`: `D_b = L_b^{-1/p} G_b R_b^{-1/p}`
   * for each block (the identity for a factor without a root yet), each rescaled to the norm of the
   * same block of the grafted direction when there is one (`D_b · ‖A_b‖ / (‖D_b‖ + 1e-16)`). `graft`
   * makes `A` (or null; called inside `apply`'s `tf.tidy`), and is not called when the values were
   * read in `prepareDirection`. A new tensor.
   */
  direction(index: number, gradient: tf.Tensor, graft: () => tf.Tensor | null): tf.Tensor;
  /** Residuals of the roots in use (null where a factor still has the identity). */
  residuals(index: number): (number | null)[];
  /** Float64 copies of the statistics and roots of parameter `index`, block by block (reads are awaited). */
  inspect(index: number): Promise<BlockSnapshot[]>;
  /** The statistics and roots of parameter `index` as a `State` (tensors owned by the engine). */
  toState(index: number): State;
  /** Take over a saved state of parameter `index` (either placement's encoding). */
  fromState(index: number, saved: State, where: string): void;
  dispose(): void;
}

/** Added to a direction's norm before dividing by it (Distributed Shampoo's grafting adds 1e-16 too). */
export const GRAFT_NORM_FLOOR = 1e-16;

/** Side name as written in messages: `L` or `R`. */
export function sideLabel(side: FactorSide): string {
  return side === 'left' ? 'L' : 'R';
}
