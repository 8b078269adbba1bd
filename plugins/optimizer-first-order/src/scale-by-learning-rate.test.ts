import { describe, expect, it } from 'vitest';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { expectClose, runUpdates } from './test-support/harness.js';

const theta = [[0, 0]]; // the parameters do not enter this stage

describe('scaleByLearningRate', () => {
  it('multiplies every update by -η for a constant rate', () => {
    // η = 0.25 is exact in float32, so u = -0.25·g is exact: [1,-2] → [-0.25, 0.5],
    // [0.5, 4] → [-0.125, -1], [-3, 0.25] → [0.75, -0.0625].
    const out = runUpdates(scaleByLearningRate(0.25), [
      { grads: [[1, -2]], params: theta },
      { grads: [[0.5, 4]], params: theta },
      { grads: [[-3, 0.25]], params: theta },
    ]);
    expect(out).toEqual([[[-0.25, 0.5]], [[-0.125, -1]], [[0.75, -0.0625]]]);
  });

  it('reads a step schedule at the update count', () => {
    // { value: 1, factor: 0.5, every: 2 }: η(k) = 0.5^floor(k/2), so η = 1, 1, 0.5 for k = 0, 1, 2;
    // with g = [2, -4] every step, u = [-2, 4], [-2, 4], [-1, 2].
    const g = { grads: [[2, -4]], params: theta };
    const out = runUpdates(scaleByLearningRate({ type: 'step', value: 1, factor: 0.5, every: 2 }), [g, g, g]);
    expect(out).toEqual([[[-2, 4]], [[-2, 4]], [[-1, 2]]]);
  });

  it('reads a log-linear schedule at the update count', () => {
    // { from: 1, to: 0.01, steps: 2 }: η(k) = exp((k/2)·ln 0.01) = 1, 0.1, then 0.01 from k = 2 on;
    // with g = [1], u = -η.
    const g = { grads: [[1]], params: [[0]] };
    const out = runUpdates(scaleByLearningRate({ type: 'log-linear', from: 1, to: 0.01, steps: 2 }), [g, g, g]);
    expectClose(out.flat(2), [-1, -0.1, -0.01]);
  });

  it('rejects a learning rate that is not > 0, naming the argument', () => {
    expect(() => scaleByLearningRate(0)).toThrow(/scaleByLearningRate\.schedule: must be > 0, got 0/);
    expect(() => scaleByLearningRate({ type: 'step', value: -1, factor: 0.5, every: 1 })).toThrow(
      /scaleByLearningRate\.schedule\.value: must be > 0, got -1/,
    );
  });
});
