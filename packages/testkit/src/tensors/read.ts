import type * as tf from '@tensorflow/tfjs-core';
import type { Model } from '@precond/core';
import { allFinite } from '../compare/compare.js';

/** Every parameter value of a model, copied off the device, in model order. */
export async function readModelParameters(model: Model): Promise<Float32Array[]> {
  return Promise.all(model.params.map(async (p) => Float32Array.from((await p.variable.data()) as Float32Array)));
}

/** Whether a tensor holds only finite values. */
export async function tensorIsFinite(t: tf.Tensor): Promise<boolean> {
  return allFinite((await t.data()) as Float32Array);
}
