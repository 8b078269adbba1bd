import * as tf from '@tensorflow/tfjs-core';
import { float64FromTensorSync, stateValuesSync, type State } from '@precond/core';
import type { MatrixParameter } from './matrix-engine.js';

/**
 * A saved `n × n` statistic or root, in either placement's encoding: float64 values as core's
 * `float64ToTensor` stores them (`int32 [n, n, 2]`, host) or a float32 tensor `[n, n]` (device).
 * `null` stands for "no root yet".
 */
function checkSaved(value: unknown, n: number, where: string): tf.Tensor {
  if (!(value instanceof tf.Tensor)) throw new Error(`${where}: expected a tensor, got ${value === null ? 'null' : typeof value}`);
  const words = value.dtype === 'int32' && value.rank === 3 && value.shape[0] === n && value.shape[1] === n && value.shape[2] === 2;
  const matrix = value.dtype === 'float32' && value.rank === 2 && value.shape[0] === n && value.shape[1] === n;
  if (!words && !matrix) {
    throw new Error(`${where}: expected float64 words int32 [${n}, ${n}, 2] or a float32 [${n}, ${n}] matrix, got ${value.dtype} [${value.shape}]; the checkpoint belongs to another model or blocking`);
  }
  return value;
}

/**
 * Take over a saved matrix as float64 values (the tensor is disposed). `setState` is synchronous:
 * core's state readers take the values of tensors made by `deserializeState` or `float64ToTensor`
 * from their host copy, so this reads nothing from the backend (WebGPU included) for a checkpoint
 * or a host placement's own state.
 */
export function savedMatrixToFloat64(value: unknown, n: number, where: string): Float64Array {
  const t = checkSaved(value, n, where);
  try {
    return t.dtype === 'int32' ? float64FromTensorSync(t, where) : Float64Array.from(stateValuesSync(t, where) as Float32Array);
  } finally {
    t.dispose();
  }
}

/** Take over a saved matrix as a float32 tensor `[n, n]` (a float32 one is kept as it is). */
export function savedMatrixToTensor(value: unknown, n: number, where: string): tf.Tensor2D {
  const t = checkSaved(value, n, where);
  if (t.dtype === 'float32') return t as tf.Tensor2D;
  try {
    return tf.tensor2d(Float32Array.from(float64FromTensorSync(t, where)), [n, n]);
  } finally {
    t.dispose();
  }
}

/** A saved residual: a finite number ≥ 0, or null with no root. */
export function savedResidual(value: unknown, where: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new Error(`${where}: expected a finite residual ≥ 0 or null, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Check a saved matrix parameter (`{ blocks: [{ left, right, leftRoot, rightRoot, leftResidual,
 * rightResidual }] }`, either placement's encoding) against `param`'s blocks without taking anything
 * over, so a bad checkpoint is refused before any state changes.
 */
export function checkSavedFactors(saved: unknown, param: MatrixParameter, where: string): void {
  const blocks = (saved as State | null | undefined)?.blocks;
  if (!Array.isArray(blocks) || blocks.length !== param.blocks.length) {
    throw new Error(
      `${where}.blocks: '${param.name}' has ${param.blocks.length} blocks here, the checkpoint ${Array.isArray(blocks) ? blocks.length : 'none'}; maxPreconditionerDim or the model differs`,
    );
  }
  param.blocks.forEach((b, i) => {
    const s = blocks[i] as State;
    for (const [side, dim] of [['left', b.rows], ['right', b.cols]] as const) {
      const at = `${where}.blocks[${i}].${side}`;
      checkSaved(s[side], dim, at);
      if (s[`${side}Root`] !== null) checkSaved(s[`${side}Root`], dim, `${at}Root`);
      savedResidual(s[`${side}Residual`], `${at}Residual`);
    }
  });
}
