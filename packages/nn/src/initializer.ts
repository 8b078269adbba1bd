import type { Rng } from '@precond/core';

/**
 * Draws the initial values of one parameter of `shape`, row-major, from `rng`. Every initial value
 * in a model comes from the run's `Rng` (never tfjs random ops), so a seed fixes the weights on
 * every backend and a resumed run can rebuild them.
 */
export type Initializer = (shape: readonly number[], rng: Rng) => Float32Array;

/** The initialisers a model plugin can name in its options. */
export const INITIALIZER_NAMES = ['glorot-uniform', 'glorot-normal', 'he-normal', 'he-uniform', 'normal', 'zeros'] as const;
export type InitializerName = (typeof INITIALIZER_NAMES)[number];

/**
 * Fan-in and fan-out of a parameter. A dense kernel `[in, out]` has fans `in` and `out`; a vector
 * uses its length for both; higher ranks multiply by the receptive field `shape[0..r-3]` (the
 * Keras/PyTorch convention for convolution kernels stored `[..., in, out]`).
 */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

const uniformWithin = (limit: number): Initializer => (shape, rng) => rng.fill(size(shape), (r) => r.uniformIn(-limit, limit));
const normalWith = (std: number): Initializer => (shape, rng) => rng.fill(size(shape), (r) => std * r.normal());

/**
 * The initialiser called `name`, with every draw multiplied by `scale` (the paper's "Glorot ×α",
 * PAPER.md E5/E7). With `F = fanIn + fanOut`:
 * - `glorot-uniform`: U(-s·√(6/F), s·√(6/F)), variance s²·2/F (Glorot and Bengio, 2010);
 * - `glorot-normal`: N(0, s²·2/F), not truncated (PyTorch's `xavier_normal_`);
 * - `he-normal`: N(0, s²·2/fanIn); `he-uniform`: U(±s·√(6/fanIn)) (He et al., 2015);
 * - `normal`: N(0, s²) (E3 uses N(0, 1));
 * - `zeros`: all zero; draws nothing from `rng`.
 */
export function initializer(name: InitializerName, scale = 1): Initializer {
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new RangeError(`initializer scale must be a finite number > 0, got ${scale}`);
  }
  switch (name) {
    case 'glorot-uniform':
      return (shape, rng) => {
        const { fanIn, fanOut } = fans(shape);
        return uniformWithin(scale * Math.sqrt(6 / (fanIn + fanOut)))(shape, rng);
      };
    case 'glorot-normal':
      return (shape, rng) => {
        const { fanIn, fanOut } = fans(shape);
        return normalWith(scale * Math.sqrt(2 / (fanIn + fanOut)))(shape, rng);
      };
    case 'he-normal':
      return (shape, rng) => normalWith(scale * Math.sqrt(2 / fans(shape).fanIn))(shape, rng);
    case 'he-uniform':
      return (shape, rng) => uniformWithin(scale * Math.sqrt(6 / fans(shape).fanIn))(shape, rng);
    case 'normal':
      return normalWith(scale);
    case 'zeros':
      return (shape) => new Float32Array(size(shape));
    default:
      throw new RangeError(`unknown initializer '${String(name)}'; valid initializers: ${INITIALIZER_NAMES.join(', ')}`);
  }
}

/** `spec` as an Initializer: built-in names are looked up (scale 1), functions pass through. */
export function toInitializer(spec: InitializerName | Initializer): Initializer {
  return typeof spec === 'string' ? initializer(spec) : spec;
}
