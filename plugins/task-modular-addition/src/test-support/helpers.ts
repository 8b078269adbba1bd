import * as tf from '@tensorflow/tfjs-core';
import { parsePluginOptions, type Model, type TaskData } from '@precond/core';
import { modularAddition } from '../plugin.js';
import { createModularAdditionTask } from '../task.js';
import type { ModularAdditionOptionsInput } from '../options.js';

/** A task built the way the runner builds it: options validated, defaults filled in. */
export function taskWith(raw: ModularAdditionOptionsInput = {}) {
  return createModularAdditionTask(parsePluginOptions(modularAddition(raw), raw, 'task'));
}

export function disposeData(data: TaskData): void {
  tf.dispose([data.train.x, data.train.y, ...(data.test ? [data.test.x, data.test.y] : [])]);
}

/** Row i of a row-major `[n, width]` array. */
export const row = (values: ArrayLike<number>, width: number, i: number) => Array.from({ length: width }, (_, c) => values[i * width + c]!);

/**
 * Read the pairs back from one-hot inputs `[n, 2p]` without the task's code: a is the column of the
 * one in the first p columns, b that in the last p. Throws unless each half has exactly one 1 and
 * zeros elsewhere, so a malformed row cannot be decoded silently.
 */
export function decodePairs(x: ArrayLike<number>, p: number): Array<[number, number]> {
  const n = x.length / (2 * p);
  return Array.from({ length: n }, (_, i) => {
    const r = row(x, 2 * p, i);
    const onesA = r.slice(0, p).flatMap((v, c) => (v === 1 ? [c] : v === 0 ? [] : [Number.NaN]));
    const onesB = r.slice(p).flatMap((v, c) => (v === 1 ? [c] : v === 0 ? [] : [Number.NaN]));
    if (onesA.length !== 1 || onesB.length !== 1 || Number.isNaN(onesA[0]) || Number.isNaN(onesB[0])) {
      throw new Error(`input row ${i} is not one-hot(a) ⊕ one-hot(b): [${r.join(', ')}]`);
    }
    return [onesA[0]!, onesB[0]!];
  });
}

/** A parameter-free core Model whose outputs `outputs(x)` are computed in plain JS (sync reads: tests run on cpu). */
export function jsModel(outputs: (x: Float32Array, n: number) => { values: Float32Array; width: number }): Model {
  const apply = (x: tf.Tensor2D) => {
    const { values, width } = outputs(x.dataSync() as Float32Array, x.shape[0]);
    return tf.tensor2d(values, [x.shape[0], width]);
  };
  return { params: [], apply, applyWith: (_values, x) => apply(x), parameterCount: () => 0, dispose: () => {} };
}

/**
 * A lookup table as a model: for a pair in `known` (codes a·p + b) it outputs one-hot((a + b) mod p),
 * for any other pair one-hot((a + b + 1) mod p), always the wrong class.
 */
export function lookupModel(p: number, known: ReadonlySet<number>): Model {
  return jsModel((x, n) => {
    const values = new Float32Array(n * p);
    decodePairs(x, p).forEach(([a, b], i) => {
      const c = (a + b) % p;
      values[i * p + (known.has(a * p + b) ? c : (c + 1) % p)] = 1;
    });
    return { values, width: p };
  });
}

/**
 * Read the pairs back from token inputs `[n, 3]` without the task's code: each row must be
 * `[a, b, p]` with a, b integers in [0, p); throws otherwise.
 */
export function decodeTokenPairs(x: ArrayLike<number>, p: number): Array<[number, number]> {
  const n = x.length / 3;
  return Array.from({ length: n }, (_, i) => {
    const [a, b, equals] = row(x, 3, i) as [number, number, number];
    const residue = (v: number) => Number.isInteger(v) && v >= 0 && v < p;
    if (!residue(a) || !residue(b) || equals !== p) throw new Error(`input row ${i} is not [a, b, ${p}]: [${a}, ${b}, ${equals}]`);
    return [a, b];
  });
}

/** `lookupModel` for token inputs `[a, b, =]`: right on the pairs in `known`, wrong on every other. */
export function tokenLookupModel(p: number, known: ReadonlySet<number>): Model {
  return jsModel((x, n) => {
    const values = new Float32Array(n * p);
    decodeTokenPairs(x, p).forEach(([a, b], i) => {
      const c = (a + b) % p;
      values[i * p + (known.has(a * p + b) ? c : (c + 1) % p)] = 1;
    });
    return { values, width: p };
  });
}
