import type * as tf from '@tensorflow/tfjs-core';

/** A matrix read back from the device: `rows × cols`, row-major. */
export interface HostMatrix {
  readonly values: Float32Array | Int32Array;
  readonly rows: number;
  readonly cols: number;
}

/** A layer's output and its directional derivative (`null` when the derivative is identically zero). */
export interface TangentOutput {
  readonly output: tf.Tensor;
  readonly tangent: tf.Tensor | null;
}

/**
 * How the per-sample Jacobian of a layer with parameters is captured (the zero-probe trick).
 *
 * The layer picks a probe point `p` [m, probeWidth] through which all its parameters act on the
 * output: a dense layer's pre-activation `s = a W + b`, an embedding's output. The capture adds a
 * zero tensor `z` at `p` and differentiates `Σ_r u_rᵀ f_r` w.r.t. `z`, which gives, row by row,
 * `g_r = ∂(u_rᵀ f_r)/∂p_r` for every layer in one backward pass. Because row r of `p` depends on
 * the parameters only through row r of the layer's input, the per-row parameter gradient
 * `∂(u_rᵀ f_r)/∂θ_l` is a function of `(factor_r, g_r)` alone: `jacobianBlocks`.
 */
export interface LayerCaptureRules {
  /** Columns of the probe point (dense: `outputSize`). Read once per capture to make the zero probe. */
  readonly probeWidth: number;
  /**
   * The capture-mode forward pass: the layer's output on `input` with `probe` (zeros,
   * `[m, probeWidth]`) added at the probe point, and the per-row `factor` `[m, ·]` the Jacobian
   * blocks are built from (dense: the input `a`). Called inside `tf.grads`; the capture keeps what
   * it returns. For an `AffineLayer` the factor must be the input `a` and the probe point `s`,
   * since core's `LayerStatistics` are read from them.
   */
  forward(params: readonly tf.Tensor[], input: tf.Tensor, probe: tf.Tensor2D): { output: tf.Tensor; factor: tf.Tensor2D };
  /**
   * One block per parameter, in the order of the layer's `params`, each `[m, size]` with the
   * parameter flattened row-major: row r is `∂(u_rᵀ f_r)/∂θ`. Called by the dense Jacobian; must
   * return new tensors (never `factor` or `probeGradient` themselves).
   */
  jacobianBlocks(factor: tf.Tensor2D, probeGradient: tf.Tensor2D): tf.Tensor2D[];
  /**
   * Optional, for the structured NTK: adds this layer's `J_l J_lᵀ` (J_l the concatenated blocks)
   * to the upper triangle (`s ≥ r`) of `gram` (`m × m`, row-major), accumulating in float64; entries
   * below the diagonal may be written too (they are overwritten by the mirrored upper triangle). Rows
   * `i·rowsPerSample + c` of one sample share their factor row. Without it, the Gram is formed from
   * the dense blocks, read back.
   */
  addGram64?(gram: Float64Array, factor: HostMatrix, probeGradient: HostMatrix, rowsPerSample: number): void;
}

/** What `LayerLinearization.vjp` is asked to return besides the probe-point cotangent. */
export interface CotangentRequest {
  /** The parameter cotangents `∂⟨c, y⟩/∂θ` (what `Jᵀ·u` needs; the capture does not). */
  readonly parameters: boolean;
  /** The input cotangent `∂⟨c, y⟩/∂x` (false for the first layer, whose input is the data). */
  readonly input: boolean;
  /**
   * Rows of the cotangent per row of the linearisation point (default 1): with r, cotangent row
   * `i·r + c` belongs to row i (e.g. one cotangent per model output, for a Jacobian capture or
   * K-FAC's per-output statistics), and the probe and input cotangents have r rows per row too.
   * The forward intermediates are broadcast, not replicated. Parameter cotangents need r = 1.
   */
  readonly rowsPerSample?: number;
}

/** The cotangents one reverse step through a linearised layer gives for an output cotangent `c`. */
export interface LayerCotangents {
  /**
   * The cotangent at the probe point (dense: `∂⟨c, y⟩/∂s = c ⊙ φ'(s)`), for a layer with capture
   * rules; what the zero-probe capture reads as `probeGradient`. Null for layers without capture.
   */
  readonly probe: tf.Tensor2D | null;
  /** One per parameter, in the order and shapes of `params`, when requested; else empty. */
  readonly parameters: tf.Tensor[];
  /** `∂⟨c, y⟩/∂x` when requested; else null. */
  readonly input: tf.Tensor | null;
}

/**
 * A layer linearised at one point `(θ, x)`: its output there and the two products of its Jacobian,
 * with the forward pass done once and its intermediates (dense: `a`, `φ'(s)`, `aᵀ`, `Wᵀ`) kept, so
 * every later `J·v` and `Jᵀ·u` at that point is a few products without an autodiff tape. This is
 * what makes a conjugate-gradient loop cheap: its 30 GGN products share one linearisation.
 */
export interface LayerLinearization {
  /** The layer's output `y` at the point, equal to `forward(params, input)`. */
  readonly output: tf.Tensor;
  /**
   * For a layer with capture rules, the per-row factor `capture.forward` returns (dense: the input
   * `a`); else null.
   */
  readonly factor: tf.Tensor2D | null;
  /** `dy = ∂y/∂θ·dθ + ∂y/∂x·dx` (`inputTangent` null: the data, which does not move); null when zero. New tensors. */
  jvp(tangents: readonly tf.Tensor[], inputTangent: tf.Tensor | null): tf.Tensor | null;
  /** One reverse step for the output cotangent `c`: new tensors, as requested. */
  vjp(cotangent: tf.Tensor, request: CotangentRequest): LayerCotangents;
  /** Frees what the linearisation holds (output, factor, saved intermediates; kept past any enclosing `tf.tidy` until then). */
  dispose(): void;
}

/**
 * The curvature rules of a layer type: what per-sample curvature (Jacobians, `J·v`, the NTK)
 * needs beyond the layer's forward map. A layer opts in by carrying them as `layer.curvature`.
 *
 * - Dense and other `AffineLayer`s need nothing: their rules follow from `preActivation` and
 *   `activation` (see `affineCurvature`).
 * - A layer without rules still works with every matrix-free product: `Jᵀ·u` is one reverse pass
 *   and `J·v` falls back to the double-VJP trick through the layer's own forward map. Only the dense
 *   Jacobian, the float64 Gram and layer statistics need `capture`; they throw an error naming the
 *   layer when a layer with parameters has none.
 */
export interface LayerCurvature {
  /**
   * Forward mode: the output on `input` and its derivative along parameter tangents `tangents`
   * (same order and shapes as `params`) and input tangent `inputTangent` (`null` for the data,
   * which does not move). Exact, no finite differences. Called once per layer per `J·v`.
   */
  jvp(params: readonly tf.Tensor[], tangents: readonly tf.Tensor[], input: tf.Tensor, inputTangent: tf.Tensor | null): TangentOutput;
  /** How the per-sample Jacobian is captured; required for a dense Jacobian of a layer with parameters. */
  readonly capture?: LayerCaptureRules;
  /**
   * Optional: the layer linearised at `(params, input)` (see `LayerLinearization`). When every
   * layer of a model has it, the curvature engine runs captures, `J·v`, `Jᵀ·u` and `GGN·v` on one
   * shared linearisation per step instead of autodiff passes; otherwise it uses `jvp` and
   * `tf.grads`. Its products must equal those (the capture's `probe`, `jvp`, and the gradients of
   * `forward`), and `params` and `input` outlive the linearisation (it may keep them).
   */
  linearize?(params: readonly tf.Tensor[], input: tf.Tensor): LayerLinearization;
}
