import type { Rng } from '@precond/core';

/**
 * Pairs (a, b) of residues mod p, stored as parallel columns. Pair `k` of the full table is
 * `a = ⌊k/p⌋, b = k mod p` (a outer, b inner), the order of the NumPy peer's `pairs` array.
 */
export interface PairList {
  readonly p: number;
  readonly a: Int32Array;
  readonly b: Int32Array;
}

/** The training and test pairs of one run. */
export interface PairSplit {
  readonly train: PairList;
  readonly test: PairList;
}

/**
 * Round to the nearest integer, halves to the even neighbour: Python's `round`, which the NumPy
 * peer uses for its split size (`int(round(frac · p²))`). `x − ⌊x⌋` is exact for |x| < 2^52.
 */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * How many of the p² pairs are for training: `round(trainFraction · p²)`, halves to even, computed
 * as the peer does (one float64 product of the fraction and the integer p²). p = 23 and 0.9 give
 * round(476.1) = 476 of 529.
 */
export function trainCount(p: number, trainFraction: number): number {
  return roundHalfEven(trainFraction * (p * p));
}

/**
 * Shuffle all p² pairs with `rng` (Fisher-Yates, `rng.permutation`) and split them: the first
 * `trainCount(p, trainFraction)` pairs train, the rest test. Every pair lies in exactly one set.
 */
export function splitPairs(p: number, trainFraction: number, rng: Rng): PairSplit {
  if (!Number.isInteger(p) || p < 2) throw new RangeError(`splitPairs: p must be an integer ≥ 2, got ${p}`);
  const total = p * p;
  const nTrain = trainCount(p, trainFraction);
  if (!(nTrain >= 1 && nTrain <= total - 1)) {
    throw new RangeError(`splitPairs: trainFraction ${trainFraction} gives ${nTrain} of ${total} training pairs; both sets need at least one pair`);
  }
  const order = rng.permutation(total);
  const take = (from: number, to: number): PairList => {
    const a = new Int32Array(to - from);
    const b = new Int32Array(to - from);
    for (let i = from; i < to; i++) {
      const k = order[i]!;
      a[i - from] = Math.floor(k / p);
      b[i - from] = k % p;
    }
    return { p, a, b };
  };
  return { train: take(0, nTrain), test: take(nTrain, total) };
}

/** Inputs `one-hot(a) ⊕ one-hot(b)`, row-major `[n, 2p]`: ones at columns a and p + b. */
export function oneHotPairInputs(pairs: PairList): Float32Array {
  const { p, a, b } = pairs;
  const x = new Float32Array(a.length * 2 * p);
  for (let i = 0; i < a.length; i++) {
    x[i * 2 * p + a[i]!] = 1;
    x[i * 2 * p + p + b[i]!] = 1;
  }
  return x;
}

/** The length of the token sequences `[a, b, =]` of the transformer form. */
export const PAIR_SEQUENCE_LENGTH = 3;

/**
 * Token ids `[a, b, =]` per pair, row-major `[n, 3]` (ids stored as floats, the model's input
 * dtype): the residues are their own ids 0 … p−1 and `=` is id p, so the vocabulary has p + 1
 * tokens. The answer is read at the `=` position, the last, which causal attention lets see both
 * operands (Power et al., 2022, without their operator token: with one operation it is the same
 * in every sequence and carries nothing).
 */
export function tokenPairInputs(pairs: PairList): Float32Array {
  const { p, a, b } = pairs;
  const x = new Float32Array(a.length * PAIR_SEQUENCE_LENGTH);
  for (let i = 0; i < a.length; i++) {
    x[i * 3] = a[i]!;
    x[i * 3 + 1] = b[i]!;
    x[i * 3 + 2] = p;
  }
  return x;
}

/** Targets `one-hot((a + b) mod p)`, row-major `[n, p]`. */
export function oneHotSumTargets(pairs: PairList): Float32Array {
  const { p, a, b } = pairs;
  const y = new Float32Array(a.length * p);
  for (let i = 0; i < a.length; i++) y[i * p + ((a[i]! + b[i]!) % p)] = 1;
  return y;
}
