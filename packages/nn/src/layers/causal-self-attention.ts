import * as tf from '@tensorflow/tfjs-core';
import type { LayerCurvature } from '../curvature/layer-curvature.js';
import { toInitializer, type Initializer, type InitializerName } from '../initializer.js';
import { checkName } from '../names.js';
import type { Layer, ParameterSpec } from './layer.js';

export interface CausalSelfAttentionOptions {
  /** Layer name, e.g. `attention`. */
  readonly name: string;
  /** Tokens per sample T. */
  readonly sequenceLength: number;
  /** Model width d: each token's vector, and the width of the query, key and value projections. */
  readonly dim: number;
  /** Heads h; each attends in `dim / heads` dimensions, so it must divide `dim`. */
  readonly heads: number;
  /** Whether the four projections have biases; default true (PyTorch's `nn.MultiheadAttention`). */
  readonly bias?: boolean;
  /** Default `glorot-uniform`. */
  readonly kernelInit?: InitializerName | Initializer;
  /** Default `zeros`. */
  readonly biasInit?: InitializerName | Initializer;
}

export interface CausalSelfAttentionLayer extends Layer {
  readonly kind: 'causal-self-attention';
  readonly sequenceLength: number;
  readonly dim: number;
  readonly heads: number;
  readonly hasBias: boolean;
}

/** The four projections, in parameter order. */
export const ATTENTION_PROJECTIONS = ['query', 'key', 'value', 'output'] as const;

/**
 * Added to the scores of the future positions (key s > query t). Finite, so no `∞ − ∞` can arise
 * in any derivative; `exp(−1e9 − max)` is exactly 0 in float32, so those weights are exactly zero.
 */
const MASKED_SCORE = -1e9;

interface Projection {
  readonly kernel: tf.Tensor2D;
  readonly bias: tf.Tensor1D | undefined;
}

/**
 * Multi-head causal self-attention (Vaswani et al., 2017, eqs. 1-2, with the decoder's mask):
 * for inputs `[n, T·d]` (token t in columns `t·d … t·d + d − 1`),
 *
 *   q_t = x_t W_q + b_q,   k_t = x_t W_k + b_k,   v_t = x_t W_v + b_v        (per token, [d, d] kernels)
 *   A^h = softmax_s( q^h_t · k^h_s / √d_h  +  (0 if s ≤ t else −∞) )       (per head h, d_h = d/heads)
 *   c^h_t = Σ_s A^h_ts v^h_s,   y_t = [c^1_t, …, c^H_t] W_o + b_o
 *
 * where `q^h` is columns `h·d_h … h·d_h + d_h − 1` of q. Outputs `[n, T·d]`. Parameters
 * `<name>/query`, `<name>/query_bias`, `<name>/key`, `<name>/key_bias`, `<name>/value`,
 * `<name>/value_bias`, `<name>/output`, `<name>/output_bias` (kernels `[d, d]` with `y = x W`,
 * biases `[d]`, absent with `bias: false`).
 *
 * The heads are computed as one rank-3 batched product, `[n·h, T, d_h] × [n·h, d_h, T]`: tfjs
 * 4.22's `matMul` with broadcast batch dimensions of rank 4 returns wrong values on cpu and wasm.
 *
 * Forward mode, from the product rule and the softmax Jacobian `diag(a) − a aᵀ` (per row):
 *   dq = dx W_q + x dW_q + db_q (likewise dk, dv),   dS = (dq kᵀ + q dkᵀ)/√d_h,
 *   dA = A ⊙ (dS − Σ_s A ⊙ dS),   dc = dA v + A dv,   dy = dc W_o + c dW_o + db_o.
 * Masked entries have A = 0, so their dA is 0 whatever dS is.
 *
 * @example
 *   const attention = causalSelfAttention({ name: 'attention', sequenceLength: 3, dim: 128, heads: 4 });
 */
export function causalSelfAttention(options: CausalSelfAttentionOptions): CausalSelfAttentionLayer {
  const { name, sequenceLength: T, dim: d, heads } = options;
  checkName('attention layer name', name);
  for (const [field, value] of [
    ['sequenceLength', T],
    ['dim', d],
    ['heads', heads],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`attention layer '${name}': ${field} must be a positive integer, got ${value}`);
  }
  if (d % heads !== 0) throw new RangeError(`attention layer '${name}': heads (${heads}) must divide dim (${d}), the width split among the heads`);
  const hasBias = options.bias ?? true;
  const headDim = d / heads;
  const scale = 1 / Math.sqrt(headDim);
  const kernelInit = toInitializer(options.kernelInit ?? 'glorot-uniform');
  const biasInit = toInitializer(options.biasInit ?? 'zeros');
  const params: ParameterSpec[] = ATTENTION_PROJECTIONS.flatMap((p) => [
    { name: p, shape: [d, d], init: kernelInit },
    ...(hasBias ? [{ name: `${p}_bias`, shape: [d], init: biasInit }] : []),
  ]);
  const width = T * d;

  const unpack = (values: readonly tf.Tensor[]): Projection[] => {
    if (values.length !== params.length) {
      throw new RangeError(`attention layer '${name}' takes ${params.length} parameter tensors (${params.map((p) => p.name).join(', ')}), got ${values.length}`);
    }
    const per = hasBias ? 2 : 1;
    return ATTENTION_PROJECTIONS.map((_, i) => ({ kernel: values[i * per] as tf.Tensor2D, bias: hasBias ? (values[i * per + 1] as tf.Tensor1D) : undefined }));
  };
  const rows = (input: tf.Tensor): tf.Tensor2D => {
    if (input.rank !== 2 || input.shape[1] !== width) {
      throw new RangeError(`attention layer '${name}' expects inputs shaped [n, ${width}] (${T} tokens × ${d}), got [${input.shape.join(', ')}]`);
    }
    return tf.reshape(input, [input.shape[0]! * T, d]);
  };
  const project = (x: tf.Tensor2D, { kernel, bias }: Projection): tf.Tensor2D => {
    const product = tf.matMul<tf.Tensor2D>(x, kernel);
    return bias ? tf.add<tf.Tensor2D>(product, bias) : product;
  };
  // [n·T, d] ↔ [n·h, T, d_h]: head h of sample i is batch entry i·h + h.
  const splitHeads = (t: tf.Tensor, n: number): tf.Tensor3D => tf.reshape(tf.transpose(tf.reshape(t, [n, T, heads, headDim]), [0, 2, 1, 3]), [n * heads, T, headDim]);
  const mergeHeads = (t: tf.Tensor, n: number): tf.Tensor2D => tf.reshape(tf.transpose(tf.reshape(t, [n, heads, T, headDim]), [0, 2, 1, 3]), [n * T, d]);
  const mask = (): tf.Tensor2D => tf.tensor2d(Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? MASKED_SCORE : 0)), [T, T]);

  /** Everything the forward pass computes that forward mode reuses. */
  const attend = (values: readonly tf.Tensor[], input: tf.Tensor) => {
    const [query, key, value, output] = unpack(values) as [Projection, Projection, Projection, Projection];
    const n = input.shape[0]!;
    const x = rows(input);
    const q = splitHeads(project(x, query), n);
    const k = splitHeads(project(x, key), n);
    const v = splitHeads(project(x, value), n);
    const weights = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), scale), mask())) as tf.Tensor3D;
    const context = mergeHeads(tf.matMul(weights, v), n);
    const y = tf.reshape(project(context, output), [n, width]) as tf.Tensor2D;
    return { n, x, q, k, v, weights, context, y, kernels: { query, key, value, output } };
  };

  const curvature: LayerCurvature = {
    jvp(values, tangents, input, inputTangent) {
      return tf.tidy(() => {
        const { n, x, q, k, v, weights, context, y, kernels } = attend(values, input);
        const [dQuery, dKey, dValue, dOutput] = unpack(tangents) as [Projection, Projection, Projection, Projection];
        const dx = inputTangent ? rows(inputTangent) : null;
        // d(x W + b) = dx W + x dW + db.
        const dProject = (p: Projection, dp: Projection, at: tf.Tensor2D, dAt: tf.Tensor2D | null): tf.Tensor2D => {
          let t = project(at, dp);
          if (dAt) t = tf.add(t, tf.matMul(dAt, p.kernel));
          return t;
        };
        const dq = splitHeads(dProject(kernels.query, dQuery, x, dx), n);
        const dk = splitHeads(dProject(kernels.key, dKey, x, dx), n);
        const dv = splitHeads(dProject(kernels.value, dValue, x, dx), n);
        const dScores = tf.mul(tf.add(tf.matMul(dq, k, false, true), tf.matMul(q, dk, false, true)), scale);
        // Softmax Jacobian per row: dA = A ⊙ (dS − ⟨A, dS⟩).
        const dWeights = tf.mul(weights, tf.sub(dScores, tf.sum(tf.mul(weights, dScores), -1, true)));
        const dContext = mergeHeads(tf.add(tf.matMul(dWeights, v), tf.matMul(weights, dv)), n);
        const dy = dProject(kernels.output, dOutput, context, dContext);
        return { output: y, tangent: tf.reshape(dy, [n, width]) };
      });
    },
  };

  return {
    name,
    kind: 'causal-self-attention',
    sequenceLength: T,
    dim: d,
    heads,
    hasBias,
    params,
    forward: (values, input) => tf.tidy(() => attend(values, input).y),
    curvature,
  };
}
