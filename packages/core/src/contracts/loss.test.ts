import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { crossEntropyLoss, mseLoss } from './loss.js';

describe('losses', () => {
  it('mse is (scale/2n) Σ‖f−y‖², its output gradient is scale·(f−y) and its Hessian scale·I', () => {
    const f = tf.tensor2d([[1, 2], [3, 5]]);
    const y = tf.tensor2d([[0, 2], [1, 1]]);
    const l = mseLoss(0.5);
    // residuals 1,0,2,4 → Σr² = 21; 0.5/(2·2)·21 = 2.625
    expect(l.value(f, y).dataSync()[0]).toBeCloseTo(2.625, 6);
    expect(Array.from(l.outputGradient(f, y).dataSync())).toEqual([0.5, 0, 1, 2]);
    expect(l.outputHessian(f, y)).toBe(0.5);
    // The gradient of the mean loss w.r.t. f is outputGradient / n (n = 2).
    const g = tf.grad((ff: tf.Tensor) => l.value(ff as tf.Tensor2D, y))(f);
    expect(Array.from(g.dataSync())).toEqual([0.25, 0, 0.5, 1]);
    expect(() => mseLoss(0)).toThrow(/scale must be a finite number > 0/);
  });

  it('cross-entropy matches −log softmax by hand, and its Hessian is diag(p) − ppᵀ', () => {
    const f = tf.tensor2d([[0, Math.log(3)]]); // softmax = [1/4, 3/4]
    const y = tf.tensor2d([[0, 1]]);
    const l = crossEntropyLoss();
    expect(l.value(f, y).dataSync()[0]).toBeCloseTo(-Math.log(0.75), 6);
    const grad = Array.from(l.outputGradient(f, y).dataSync());
    expect(grad[0]).toBeCloseTo(0.25, 6);
    expect(grad[1]).toBeCloseTo(-0.25, 6);
    // diag(p) − ppᵀ with p = [1/4, 3/4]: [[3/16, −3/16], [−3/16, 3/16]].
    const h = Array.from((l.outputHessian(f, y) as tf.Tensor).dataSync());
    [3 / 16, -3 / 16, -3 / 16, 3 / 16].forEach((v, i) => expect(h[i]).toBeCloseTo(v, 6));
    // The product form agrees: H [1, 0]ᵀ = [3/16, −3/16].
    const hw = Array.from(l.outputHessianProduct!(f, y, tf.tensor2d([[1, 0]])).dataSync());
    expect(hw[0]).toBeCloseTo(3 / 16, 6);
    expect(hw[1]).toBeCloseTo(-3 / 16, 6);
    // Soft targets summing to 2 double the Hessian (ℓ is linear in y).
    const h2 = Array.from((l.outputHessian(f, tf.tensor2d([[1, 1]])) as tf.Tensor).dataSync());
    expect(h2[0]).toBeCloseTo(6 / 16, 6);
  });
});
