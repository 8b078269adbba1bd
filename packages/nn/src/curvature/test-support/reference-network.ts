// A float64 re-implementation, in plain JS and independent of tfjs, of the small networks the
// curvature tests build, with central finite differences of it. Tests compare tfjs's float32
// Jacobians and products against it.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@precond/core';
import type { ActivationName } from '../../activation.js';
import { denseLayer } from '../../layers/dense.js';
import { embeddingLayer } from '../../layers/embedding.js';
import type { Layer } from '../../layers/layer.js';
import type { LayerCurvature } from '../layer-curvature.js';
import { scaleLayer } from '../../layers/scale.js';
import { sequentialModel, type SequentialModel } from '../../sequential-model.js';

export type LayerSpec =
  | { readonly kind: 'dense'; readonly inputSize: number; readonly outputSize: number; readonly activation: ActivationName; readonly bias: boolean }
  | { readonly kind: 'scale'; readonly factor: number }
  | { readonly kind: 'embedding'; readonly vocabSize: number; readonly dim: number; readonly tokens: number }
  // y = tanh(x) ⊙ g: a third-party layer with a parameter, without curvature rules unless `rules`.
  | { readonly kind: 'gain'; readonly width: number; readonly rules?: boolean };

type Matrix = number[][];

const ACTIVATIONS: Record<ActivationName, (s: number) => number> = {
  identity: (s) => s,
  tanh: Math.tanh,
  relu: (s) => Math.max(0, s),
  sin: Math.sin,
  quadratic: (s) => s * s,
};

/** The tfjs model of `specs` (layers `l0, l1, ...`), with every parameter drawn N(0, 0.8²) from `seed`. */
export function buildModel(specs: readonly LayerSpec[], seed: number): SequentialModel {
  const init = (shape: readonly number[], rng: Rng) => rng.fill(shape.reduce((a, b) => a * b, 1), (r) => 0.8 * r.normal());
  const layers: Layer[] = specs.map((spec, i) => {
    const name = `l${i}`;
    switch (spec.kind) {
      case 'dense':
        return denseLayer({ name, inputSize: spec.inputSize, outputSize: spec.outputSize, activation: spec.activation, bias: spec.bias, kernelInit: init, biasInit: init });
      case 'scale':
        return scaleLayer({ name, factor: spec.factor });
      case 'embedding':
        return embeddingLayer({ name, vocabSize: spec.vocabSize, dim: spec.dim, sequenceLength: spec.tokens, init });
      case 'gain':
        return {
          name,
          kind: 'gain',
          params: [{ name: 'g', shape: [spec.width], init }],
          forward: ([g], input) => tf.tidy(() => tf.mul(tf.tanh(input), g!)),
          ...(spec.rules ? { curvature: gainCurvature(spec.width) } : {}),
        };
    }
  });
  return sequentialModel(layers, new Rng(seed));
}

/**
 * Curvature rules for `y = tanh(x) ⊙ g`, written only against the public LayerCurvature contract
 * as a third-party author would: probe at the output, factor `tanh(x)`, block `tanh(x) ⊙ g_probe`,
 * `dy = tanh(x) ⊙ dg + (1 - tanh²(x)) ⊙ dx ⊙ g`. No `addGram64`: the Gram falls back to its block.
 */
function gainCurvature(width: number): LayerCurvature {
  return {
    jvp: ([g], [dg], input, inputTangent) =>
      tf.tidy(() => {
        const t = tf.tanh(input);
        let tangent = tf.mul(t, dg!);
        if (inputTangent) tangent = tf.add(tangent, tf.mul(tf.mul(tf.sub(1, tf.square(t)), inputTangent), g!));
        return { output: tf.mul(t, g!), tangent };
      }),
    capture: {
      probeWidth: width,
      forward: ([g], input, probe) => {
        const t = tf.tanh(input) as tf.Tensor2D;
        return { output: tf.add(tf.mul(t, g!), probe), factor: t };
      },
      jacobianBlocks: (factor, probeGradient) => [tf.mul(factor, probeGradient)],
    },
  };
}

/** The model's parameters as float64 arrays (the exact float32 values, widened). */
export function parameterValues(model: SequentialModel): Float64Array[] {
  return model.params.map((p) => Float64Array.from(p.variable.dataSync()));
}

/**
 * The network's outputs in float64, `[n][k]`. `margins` collects |s| of every relu pre-activation,
 * so a test can check it stays away from the kink.
 */
export function referenceForward(specs: readonly LayerSpec[], params: readonly Float64Array[], x: Matrix, margins: number[] = []): Matrix {
  let h = x.map((row) => [...row]);
  let p = 0;
  for (const spec of specs) {
    switch (spec.kind) {
      case 'dense': {
        const kernel = params[p++]!;
        const bias = spec.bias ? params[p++]! : undefined;
        const act = ACTIVATIONS[spec.activation];
        h = h.map((row) =>
          Array.from({ length: spec.outputSize }, (_, q) => {
            let s = bias ? bias[q]! : 0;
            for (let a = 0; a < spec.inputSize; a++) s += row[a]! * kernel[a * spec.outputSize + q]!;
            if (spec.activation === 'relu') margins.push(Math.abs(s));
            return act(s);
          }),
        );
        break;
      }
      case 'scale':
        h = h.map((row) => row.map((v) => v * spec.factor));
        break;
      case 'embedding': {
        const table = params[p++]!;
        h = h.map((row) => row.flatMap((id) => Array.from({ length: spec.dim }, (_, d) => table[id * spec.dim + d]!)));
        break;
      }
      case 'gain': {
        const g = params[p++]!;
        h = h.map((row) => row.map((v, q) => Math.tanh(v) * g[q]!));
        break;
      }
    }
  }
  return h;
}

/**
 * Central differences of `referenceForward` in float64: `J[i·k + c][j] = (f_ic(θ + h e_j) -
 * f_ic(θ - h e_j)) / 2h`, columns in parameter order, each parameter row-major. With h = 1e-5 the
 * truncation error is h²/6·|f'''| ≈ 2e-11·|f'''| and the rounding error ε₆₄·|f|/h ≈ 2e-11·|f|.
 */
export function finiteDifferenceJacobian(specs: readonly LayerSpec[], params: readonly Float64Array[], x: Matrix, h = 1e-5): Matrix {
  const n = x.length;
  const k = referenceForward(specs, params, x)[0]!.length;
  const columns: number[][] = [];
  params.forEach((values, which) => {
    for (let j = 0; j < values.length; j++) {
      const at = (delta: number) => {
        const moved = params.map((v, i) => (i === which ? Float64Array.from(v, (e, t) => (t === j ? e + delta : e)) : v));
        return referenceForward(specs, moved, x);
      };
      const plus = at(h);
      const minus = at(-h);
      columns.push(Array.from({ length: n * k }, (_, r) => (plus[Math.floor(r / k)]![r % k]! - minus[Math.floor(r / k)]![r % k]!) / (2 * h)));
    }
  });
  return Array.from({ length: n * k }, (_, r) => columns.map((column) => column[r]!));
}
