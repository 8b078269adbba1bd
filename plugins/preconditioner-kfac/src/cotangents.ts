import * as tf from '@tensorflow/tfjs-core';
import type { Loss, Rng } from '@precond/core';
import { eigh } from '@precond/linalg';

/**
 * The output cotangents a capture runs with. Capturing `Σ_r u_rᵀ f_r` gives, per row r, the
 * pre-activation gradient `g_r = J_{s,r}ᵀ u_r` (J_s: the outputs' Jacobian w.r.t. a layer's
 * pre-activations), so the G factor `(1/n) Σ_r g_r g_rᵀ = (1/n) Σ_i J_{s,i}ᵀ (Σ_c u_ic u_icᵀ) J_{s,i}`
 * is whatever matrix the cotangents of sample i have as `Σ_c u_ic u_icᵀ`:
 * - `ggn`: an exact factor, `Σ_c u_ic u_icᵀ = H_i` (the loss's output Hessian);
 * - `fisher`: one sampled `u_i` with `E[u_i u_iᵀ] = H_i` (the Fisher of the model's predictive
 *   distribution, which equals H_i for these losses);
 * - `empirical`: `u_i = ∂ℓ_i/∂f_i` at the real targets.
 * `replicate` is how many rows each sample has: row `i·replicate + c` belongs to sample i.
 */
export interface Cotangents {
  readonly cotangent: tf.Tensor2D;
  readonly replicate: number;
}

/** What kind of output Hessian (and predictive distribution) a loss has. */
export type LossForm =
  /** `H = h·I` for every sample (MSE with scale h): the NLL of `N(f, I/h)` up to a constant. */
  | { readonly kind: 'gaussian'; readonly precision: number }
  /** core's softmax cross-entropy: `H_i = s_i (diag(p_i) - p_i p_iᵀ)`, `p = softmax(f)`, `s_i = Σ_c y_ic`. */
  | { readonly kind: 'categorical' }
  /** Any other loss: per-sample `[k, k]` blocks from `outputHessian`. */
  | { readonly kind: 'blocks' };

const forms = new WeakMap<Loss, LossForm>();

/**
 * The form of `loss`. A loss named `cross-entropy` is core's softmax cross-entropy; any other is
 * asked for its `outputHessian` once (a number means `h·I` for every sample, by core's contract),
 * and the answer is remembered per loss object so later steps need no forward pass for it.
 */
export function lossForm(loss: Loss, outputs: () => tf.Tensor2D, targets: tf.Tensor2D): LossForm {
  if (loss.name === 'cross-entropy') return { kind: 'categorical' };
  const known = forms.get(loss);
  if (known) return known;
  const h = loss.outputHessian(outputs(), targets);
  let form: LossForm;
  if (typeof h === 'number') {
    if (!(h > 0) || !Number.isFinite(h)) throw new RangeError(`kfac: loss '${loss.name}' reports an output Hessian h·I with h = ${h}; K-FAC needs h > 0`);
    form = { kind: 'gaussian', precision: h };
  } else {
    h.dispose();
    form = { kind: 'blocks' };
  }
  forms.set(loss, form);
  return form;
}

/**
 * `ggn`: cotangents whose per-sample outer products sum to `H_i` exactly, so G is the GGN factor
 * `(1/n) Σ_i J_{s,i}ᵀ H_i J_{s,i}` (each sample gets k rows, the columns of a factor `H_i = L_i L_iᵀ`):
 * - gaussian: `L = √h I`, cotangent `√h e_c` for row (i, c); with k = 1 a single row `√h`;
 * - categorical: `L_i = √s_i (diag(√p_i) - p_i √p_iᵀ)`, column c = `√(s_i p_ic) (e_c - p_i)`; indeed
 *   `L Lᵀ = diag(p) - 2ppᵀ + p (Σ_c p_c) pᵀ = diag(p) - ppᵀ` because `Σ_c p_c = 1`;
 * - blocks: `L_i = Q_i diag(√max(d_i, 0))` from a float64 eigendecomposition of each `[k, k]`
 *   block on the CPU (O(n k³)); negative eigenvalues, which a GGN must not have, are clipped to 0
 *   (the PSD part, as kfac-jax's `safe_psd_eigh` clips).
 */
export async function ggnCotangents(loss: Loss, form: LossForm, outputs: () => tf.Tensor2D, targets: tf.Tensor2D): Promise<Cotangents> {
  const [n, k] = targets.shape;
  switch (form.kind) {
    case 'gaussian': {
      const root = Math.sqrt(form.precision);
      const cotangent = tf.tidy(() => (k === 1 ? tf.fill([n, 1], root) : tf.mul(tf.tile(tf.eye(k), [n, 1]), root)) as tf.Tensor2D);
      return { cotangent, replicate: k };
    }
    case 'categorical': {
      const cotangent = tf.tidy(() => {
        const p = tf.softmax(outputs());
        const s = tf.sum(targets, 1, true);
        const weight = tf.reshape(tf.sqrt(tf.mul(p, s)), [n, k, 1]);
        const columns = tf.sub(tf.reshape(tf.eye(k), [1, k, k]), tf.reshape(p, [n, 1, k]));
        return tf.reshape(tf.mul(weight, columns), [n * k, k]) as tf.Tensor2D;
      });
      return { cotangent, replicate: k };
    }
    case 'blocks': {
      const h = loss.outputHessian(outputs(), targets) as tf.Tensor3D;
      let values: Float32Array;
      try {
        values = (await h.data()) as Float32Array;
      } finally {
        h.dispose();
      }
      const rows = new Float32Array(n * k * k);
      for (let i = 0; i < n; i++) {
        const block = Float64Array.from(values.subarray(i * k * k, (i + 1) * k * k));
        const { values: d, vectors } = eigh({ rows: k, cols: k, data: block });
        for (let c = 0; c < k; c++) {
          const scale = Math.sqrt(Math.max(d[c]!, 0));
          for (let j = 0; j < k; j++) rows[(i * k + c) * k + j] = vectors.data[j * k + c]! * scale;
        }
      }
      return { cotangent: tf.tensor2d(rows, [n * k, k]), replicate: k };
    }
  }
}

/**
 * `fisher`: one cotangent per sample, the loss gradient at a target drawn from the model's
 * predictive distribution with the step's RNG (`E[u uᵀ] = H_i`, so G is an unbiased estimate of
 * the GGN factor):
 * - gaussian: `ŷ = f + ε/√h`, `ε ~ N(0, I)`, and `∂ℓ/∂f` at ŷ is `h (f - ŷ) = -√h ε`, drawn
 *   directly (n·k normals, row-major), which needs no forward pass;
 * - categorical: `c_i ~ Categorical(p_i)` by inverse CDF on one uniform per sample (float64
 *   cumulative sums of the float32 `p_i`), and `u_i = √s_i ∂ℓ/∂f_i` at the one-hot target `e_{c_i}`
 *   (`= √s_i (p_i - e_{c_i})`; `s_i = 1` for one-hot data, so it is exactly the loss gradient at
 *   the sampled target, and `√s_i` keeps `E[u uᵀ] = s_i (diag p - p pᵀ)` for soft targets).
 * Any other loss has no predictive distribution K-FAC knows: a clear error.
 */
export async function fisherCotangents(loss: Loss, form: LossForm, outputs: () => tf.Tensor2D, targets: tf.Tensor2D, rng: Rng): Promise<Cotangents> {
  const [n, k] = targets.shape;
  switch (form.kind) {
    case 'gaussian': {
      const root = Math.sqrt(form.precision);
      const draws = rng.fill(n * k, (r) => -root * r.normal());
      return { cotangent: tf.tensor2d(draws, [n, k]), replicate: 1 };
    }
    case 'categorical': {
      const f = outputs();
      const p = tf.tidy(() => tf.softmax(f));
      let probabilities: Float32Array;
      try {
        probabilities = (await p.data()) as Float32Array;
      } finally {
        p.dispose();
      }
      const sampled = new Float32Array(n * k);
      for (let i = 0; i < n; i++) {
        const u = rng.uniform();
        let cumulative = 0;
        let chosen = -1;
        for (let c = 0; c < k; c++) {
          const pc = probabilities[i * k + c]!;
          if (!(pc > 0)) continue;
          chosen = c;
          cumulative += pc;
          if (u < cumulative) break;
        }
        // Rounding can leave Σ p slightly below u near 1: the last class with p > 0 is taken.
        sampled[i * k + Math.max(chosen, 0)] = 1;
      }
      const cotangent = tf.tidy(() => {
        const oneHot = tf.tensor2d(sampled, [n, k]);
        return tf.mul(loss.outputGradient(f, oneHot), tf.sqrt(tf.sum(targets, 1, true))) as tf.Tensor2D;
      });
      return { cotangent, replicate: 1 };
    }
    case 'blocks':
      throw new Error(
        `kfac: estimation 'fisher' samples targets from the model's predictive distribution, which K-FAC knows for losses with an output Hessian h·I ` +
          `(Gaussian, e.g. mse) and for 'cross-entropy' (categorical); loss '${loss.name}' is neither: use estimation 'ggn' or 'empirical'`,
      );
  }
}

/** `empirical`: `u_i = ∂ℓ_i/∂f_i` at the batch's own targets (the cotangent of `layerStatistics`). */
export function empiricalCotangents(loss: Loss, outputs: () => tf.Tensor2D, targets: tf.Tensor2D): Cotangents {
  return { cotangent: loss.outputGradient(outputs(), targets), replicate: 1 };
}
