// An independent float64 computation of E1's network for the tests: the forward pass and the
// per-sample parameter gradient of the 1-80-80-1 tanh MLP written out by hand in plain arrays (no
// tfjs, no @precond/nn), from weights read out of a checkpoint's params.safetensors.
import { decodeSafetensors } from '@precond/core';

/** One dense layer `y = act(x W + b)`, W `[in, out]` row-major. */
interface Dense {
  kernel: Float64Array;
  bias: Float64Array;
  inputs: number;
  outputs: number;
}

/** The layers of a 1-H-H-1 MLP, in order, from a params.safetensors file of the runner (`<layer>/kernel`, `<layer>/bias`). */
export function denseLayers(bytes: Uint8Array): Dense[] {
  const { tensors } = decodeSafetensors(bytes, 'params.safetensors');
  const names = Object.keys(tensors);
  const layers: Dense[] = [];
  // The runner writes the parameters in model order: kernel, bias of each layer in turn.
  for (let i = 0; i < names.length; i += 2) {
    const kernel = tensors[names[i]!]!;
    const bias = tensors[names[i + 1]!]!;
    if (!names[i]!.endsWith('/kernel') || !names[i + 1]!.endsWith('/bias')) throw new Error(`expected kernel, bias pairs, got ${names[i]}, ${names[i + 1]}`);
    const [inputs, outputs] = kernel.shape as [number, number];
    layers.push({ kernel: Float64Array.from(kernel.data), bias: Float64Array.from(bias.data), inputs, outputs });
  }
  return layers;
}

/** `act(x W + b)` for one sample. */
function affine(layer: Dense, x: Float64Array, act: (z: number) => number): Float64Array {
  const out = new Float64Array(layer.outputs);
  for (let j = 0; j < layer.outputs; j++) {
    let z = layer.bias[j]!;
    for (let i = 0; i < layer.inputs; i++) z += x[i]! * layer.kernel[i * layer.outputs + j]!;
    out[j] = act(z);
  }
  return out;
}

/**
 * For a scalar input x of the tanh MLP [W1, b1] → tanh → [W2, b2] → tanh → [W3, b3] (one output):
 * the output f(x) and `‖∇_θ f(x)‖²`, the diagonal entry of `K = J Jᵀ` for this sample. By the
 * chain rule, with `a1 = tanh(x W1 + b1)`, `a2 = tanh(a1 W2 + b2)`, `δ2 = W3 ⊙ (1 − a2²)` and
 * `δ1 = (W2 δ2) ⊙ (1 − a1²)`: ∂f/∂W3 = a2, ∂f/∂b3 = 1, ∂f/∂W2 = a1 δ2ᵀ, ∂f/∂b2 = δ2,
 * ∂f/∂W1 = x δ1ᵀ, ∂f/∂b1 = δ1, so
 * `‖∇f‖² = ‖a2‖² + 1 + ‖a1‖²‖δ2‖² + ‖δ2‖² + x²‖δ1‖² + ‖δ1‖²`.
 */
export function outputAndGradientNorm(layers: readonly Dense[], x: number): { f: number; gradNorm2: number } {
  const [l1, l2, l3] = layers as [Dense, Dense, Dense];
  if (layers.length !== 3 || l1.inputs !== 1 || l3.outputs !== 1) throw new Error('outputAndGradientNorm: expects a 1-H-H-1 MLP');
  const a1 = affine(l1, Float64Array.of(x), Math.tanh);
  const a2 = affine(l2, a1, Math.tanh);
  const f = affine(l3, a2, (z) => z)[0]!;
  const delta2 = a2.map((a, j) => l3.kernel[j]! * (1 - a * a));
  const delta1 = a1.map((a, i) => {
    let s = 0;
    for (let j = 0; j < l2.outputs; j++) s += l2.kernel[i * l2.outputs + j]! * delta2[j]!;
    return s * (1 - a * a);
  });
  const sq = (v: Float64Array) => v.reduce((s, e) => s + e * e, 0);
  const gradNorm2 = sq(a2) + 1 + sq(a1) * sq(delta2) + sq(delta2) + x * x * sq(delta1) + sq(delta1);
  return { f, gradNorm2 };
}

/** E1's grid and target (PAPER.md): 100 equispaced points of [-1, 1), u(x) = 1/3 Σ_{k=1..3} k·sin((2k+1)πx − k). */
export function e1Data(points = 100): Array<{ x: number; y: number }> {
  return Array.from({ length: points }, (_, i) => {
    const x = -1 + (2 * i) / points;
    let y = 0;
    for (let k = 1; k <= 3; k++) y += k * Math.sin((2 * k + 1) * Math.PI * x - k);
    return { x, y: y / 3 };
  });
}
