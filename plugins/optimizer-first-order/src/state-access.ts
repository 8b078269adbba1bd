import * as tf from '@tensorflow/tfjs-core';
import type { State } from '@precond/core';

/**
 * The per-parameter tensors a transformation keeps under `key`. A state restored from a checkpoint
 * of a different model or optimizer fails here with a message, rather than deep inside an op.
 */
export function tensorsAt(state: State | undefined, key: string, count: number, where: string): readonly tf.Tensor[] {
  const value = state?.[key];
  if (!Array.isArray(value) || value.length !== count || !value.every((t) => t instanceof tf.Tensor)) {
    throw new Error(`${where}: state '${key}' must hold ${count} tensors (one per parameter); the state does not belong to this optimizer`);
  }
  return value as readonly tf.Tensor[];
}

/** A count a transformation keeps under `key` (a non-negative integer). */
export function countAt(state: State | undefined, key: string, where: string): number {
  const value = state?.[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`${where}: state '${key}' must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The current parameter values, checked to pair one to one with the updates. */
export function paramsFor(params: readonly tf.Tensor[], count: number, where: string): readonly tf.Tensor[] {
  if (params.length !== count) {
    throw new Error(`${where}: got ${count} updates but ${params.length} parameters; they must pair one to one`);
  }
  return params;
}
