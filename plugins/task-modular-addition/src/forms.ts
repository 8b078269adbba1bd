import { crossEntropyLoss, mseLoss, type Loss, type PluginInstance } from '@precond/core';
import { mlp, transformer } from '@precond/nn';
import type { MlpFormOptions, ModularAdditionOptions, TransformerFormOptions } from './options.js';
import { oneHotPairInputs, PAIR_SEQUENCE_LENGTH, tokenPairInputs, type PairList } from './pairs.js';

/**
 * What a network form of the task decides: how pairs are fed to the network, the loss and the
 * default model. The split, the one-hot targets and the metrics are the same for every form.
 */
export interface ModularAdditionFormSpec {
  /** Input columns: 2p one-hot floats (mlp) or 3 token ids (transformer). */
  readonly inputSize: number;
  /** Network inputs for `pairs`, row-major `[n, inputSize]`. */
  encodeInputs(pairs: PairList): Float32Array;
  readonly loss: Loss;
  /** The model plugin used when the experiment names none. */
  defaultModel(): PluginInstance;
}

/**
 * The MLP form (PAPER.md, E3; Gromov 2023, Kumar et al. 2024): inputs `one-hot(a) ⊕ one-hot(b)`
 * (2p floats), network `f(x) = α²/(2p·N) · W2 (W1 x)²` with N(0, 1) weights and no biases, and the
 * loss `(1/(2n α²)) Σ ‖f − y‖²`. With α² in the output and 1/α² in the loss, α sets the laziness
 * alone: large α makes the NTK regime last longer and delays grokking under GD.
 */
export function mlpForm(options: MlpFormOptions): ModularAdditionFormSpec {
  const { p, alpha, width } = options;
  return {
    inputSize: 2 * p,
    encodeInputs: oneHotPairInputs,
    // mseLoss(s) is (s/2n) Σ ‖f − y‖²: s = 1/α² is the peer's loss/α², gradient (f − y)/(n α²).
    loss: mseLoss(1 / alpha ** 2),
    // nn's dense kernels are [in, out] with y = x W, so dense_0/kernel is the paper's W1ᵀ (2p × N)
    // and dense_1/kernel is W2ᵀ (N × p); 'normal' at initScale 1 draws every entry from N(0, 1).
    defaultModel: () =>
      mlp({ hidden: [width], activation: 'quadratic', bias: false, init: 'normal', initScale: 1, outputScale: alpha ** 2 / (2 * p * width) }),
  };
}

/**
 * The transformer form (PAPER.md, E6; Power et al., 2022): inputs the token ids `[a, b, =]` with
 * `=` = p (vocabulary p + 1), a decoder-only transformer whose logits at the `=` position are the
 * p classes, and softmax cross-entropy (core's `crossEntropyLoss`, whose output Hessian
 * `diag(p) − p pᵀ` is the GGN's). The paper trains it with Adam (lr 1e-3, β = (0.9, 0.98), no weight
 * decay) and with GGN.
 */
export function transformerForm(options: TransformerFormOptions): ModularAdditionFormSpec {
  const { p, dModel, heads, layers } = options;
  return {
    inputSize: PAIR_SEQUENCE_LENGTH,
    encodeInputs: tokenPairInputs,
    loss: crossEntropyLoss(),
    defaultModel: () => transformer({ vocabSize: p + 1, dModel, heads, layers }),
  };
}

/** The spec of `options.form`. */
export function formSpec(options: ModularAdditionOptions): ModularAdditionFormSpec {
  switch (options.form) {
    case 'mlp':
      return mlpForm(options);
    case 'transformer':
      return transformerForm(options);
    default: {
      // A form added to MODULAR_ADDITION_FORMS without a spec here fails to compile.
      const unhandled: never = options;
      throw new RangeError(`modular-addition: unknown form '${String((unhandled as { form: unknown }).form)}'`);
    }
  }
}
