import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  createRunContainer,
  MODEL_FACTORY,
  OptionsError,
  parsePluginOptions,
  resolve,
  Rng,
  TASK,
  type Model,
  type TaskData,
} from '@precond/core';
import fourierTargetDefault, { createFourierTargetTask, fourierTarget, sineSum, type FourierTargetOptionsInput } from './index.js';

const paperOptions = () => parsePluginOptions(fourierTarget(), {}, 'task');
const taskWith = (raw: FourierTargetOptionsInput = {}) => createFourierTargetTask(parsePluginOptions(fourierTarget(raw), raw, 'task'));

/** A model that outputs the constant `c` for every input (no parameters), built on core's Model contract. */
function constantModel(c: number): Model {
  const out = (x: tf.Tensor2D) => tf.fill([x.shape[0], 1], c) as tf.Tensor2D;
  return { params: [], apply: out, applyWith: (_values, x) => out(x), parameterCount: () => 0, dispose: () => {} };
}

/** Evaluate a task's metrics the way the runner does: outputs of this step, then metrics. */
async function metricsOf(task: ReturnType<typeof taskWith>, model: Model, data: TaskData) {
  const trainOutputs = tf.tidy(() => model.apply(data.train.x));
  try {
    return await task.metrics({ step: 0, model, data, trainOutputs, trainLoss: Number.NaN });
  } finally {
    trainOutputs.dispose();
  }
}

function disposeData(data: TaskData): void {
  tf.dispose([data.train.x, data.train.y, ...(data.test ? [data.test.x, data.test.y] : [])]);
}

// ½ mean u² over a grid where the sines are orthogonal (bins 3, 5, 7 of 100 points, on the training
// grid and on the midpoint grid alike, which is the same grid shifted by half a step):
// ½ Σ_j a_j²/2 = ½ · (1/9 + 4/9 + 1)/2 = 7/18. NumPy's peer prints 0.388888906906122 for the
// training grid. Loss reductions run in float32 over 100 terms: tolerance 1e-6.
const HALF_MEAN_U2 = 7 / 18;

describe('options', () => {
  it('default to the paper E1 values', () => {
    expect(paperOptions()).toEqual({
      frequencies: [3, 5, 7],
      amplitudes: [1 / 3, 2 / 3, 1],
      phases: [-1, -2, -3],
      domain: [-1, 1],
      points: 100,
      testPoints: 100,
      modes: 10,
      lossScale: 1,
      rateWindow: 100,
    });
  });

  it('name task.amplitudes (and task.phases) when the sine arrays differ in length', () => {
    const bad = { amplitudes: [1, 2] };
    expect(() => parsePluginOptions(fourierTarget(bad), bad, 'task')).toThrow(OptionsError);
    expect(() => parsePluginOptions(fourierTarget(bad), bad, 'task')).toThrow(
      /option 'task\.amplitudes' of plugin 'fourier-target'.*as many as frequencies \(3\), got 2 \(given \[1,2\]\)/,
    );
    try {
      parsePluginOptions(fourierTarget(bad), bad, 'task');
    } catch (e) {
      expect((e as OptionsError).path).toBe('task.amplitudes');
    }
    const badPhases = { frequencies: [1, 2], amplitudes: [1, 1] };
    expect(() => parsePluginOptions(fourierTarget(badPhases), badPhases, 'task')).toThrow(/'task\.phases'.*\(2\), got 3/);
  });

  it('reject other bad values, naming the option', () => {
    const cases: Array<[FourierTargetOptionsInput | Record<string, unknown>, RegExp]> = [
      [{ modes: 52 }, /'task\.modes'.*at most ⌊points\/2⌋ \+ 1 = 51/],
      [{ domain: [1, -1] }, /'task\.domain'.*a < b/],
      [{ points: 1 }, /'task\.points'/],
      [{ testPoints: -1 }, /'task\.testPoints'/],
      [{ lossScale: 0 }, /'task\.lossScale'/],
      [{ frequencies: [] }, /'task\.frequencies'/],
      [{ frequency: [3] }, /unknown option 'task\.frequency'.*its options are: frequencies, amplitudes/],
    ];
    for (const [raw, message] of cases) expect(() => parsePluginOptions(fourierTarget(), raw, 'task')).toThrow(message);
  });
});

describe('fourier-target task', () => {
  it('makes the E1 data: x on linspace(-1, 1, 100, endpoint=False), y = u(x), held-out midpoints', async () => {
    const task = taskWith();
    const data = task.makeData(new Rng(0));
    expect(data.train.x.shape).toEqual([100, 1]);
    expect(data.train.y.shape).toEqual([100, 1]);
    expect(data.test?.x.shape).toEqual([100, 1]);
    const [x, y, xt] = await Promise.all([data.train.x.data(), data.train.y.data(), data.test!.x.data()]);
    // NumPy: linspace(-1, 1, 100, endpoint=False) = −1 + 0.02 i, held as float32 on the device.
    expect(x[0]).toBe(-1);
    expect(x[99]).toBe(Math.fround(0.98));
    expect(x[50]).toBe(0);
    // Midpoints −1 + 0.02(i + ½): −0.99 ... 0.99.
    expect(xt[0]).toBe(Math.fround(-0.99));
    expect(xt[99]).toBe(Math.fround(0.99));
    // u written out: (sin(3πx − 1) + 2 sin(5πx − 2) + 3 sin(7πx − 3))/3, at the float32 x.
    const u = (v: number) => (Math.sin(3 * Math.PI * v - 1) + 2 * Math.sin(5 * Math.PI * v - 2) + 3 * Math.sin(7 * Math.PI * v - 3)) / 3;
    for (const i of [0, 13, 50, 99]) expect(y[i]).toBe(Math.fround(u(x[i]!)));
    disposeData(data);
  });

  it('makes the same data from any stream and draws nothing from it', async () => {
    const task = taskWith();
    const rng = new Rng(1);
    const before = rng.getState();
    const a = task.makeData(rng);
    expect(rng.getState()).toEqual(before);
    const b = task.makeData(new Rng(99).fork('data'));
    expect(Array.from(await b.train.y.data())).toEqual(Array.from(await a.train.y.data()));
    expect(Array.from(await b.test!.x.data())).toEqual(Array.from(await a.test!.x.data()));
    disposeData(a);
    disposeData(b);
  });

  it('has the MSE loss ½ mean (f − y)², scaled by lossScale', async () => {
    const zero = tf.zeros([100, 1]) as tf.Tensor2D;
    for (const scale of [1, 2.5]) {
      const task = taskWith({ lossScale: scale });
      expect(task.loss.name).toBe('mse');
      expect([task.inputSize, task.outputSize]).toEqual([1, 1]);
      const data = task.makeData(new Rng(0));
      const l = task.loss.value(zero, data.train.y);
      // Zero prediction: ½ mean y² = 7/18 (see HALF_MEAN_U2), times the scale.
      expect((await l.data())[0]).toBeCloseTo(scale * HALF_MEAN_U2, 6);
      l.dispose();
      disposeData(data);
    }
    zero.dispose();
  });

  it('reports modes equal to the target modes for a zero model, and the test loss 7/18', async () => {
    const task = taskWith();
    const data = task.makeData(new Rng(0));
    const m = await metricsOf(task, constantModel(0), data);
    // Residual = 0 − y = −y exactly in float32, and |DFT(−y)| = |DFT(y)|: equal to the last bit.
    expect(m.modes).toEqual(m.target_modes);
    // target modes: a_j/2 on bins 3, 5, 7 (tolerance derived in target.test.ts).
    const expected = [0, 0, 0, 1 / 6, 0, 1 / 3, 0, 1 / 2, 0, 0];
    (m.target_modes as number[]).forEach((v, k) => expect(Math.abs(v - expected[k]!)).toBeLessThan(1.5e-6));
    expect(m.test_loss).toBeCloseTo(HALF_MEAN_U2, 6);
    disposeData(data);
  });

  it('reports the residual of a non-zero model: a constant c adds |c| to mode 0 only', async () => {
    const task = taskWith();
    const data = task.makeData(new Rng(0));
    const c = 0.25;
    const m = await metricsOf(task, constantModel(c), data);
    // r = c − y: bin 0 is |c − mean y| = c (mean y ≈ 0: only bins 3, 5, 7 carry u), the other bins
    // are those of −y. The float32 subtraction rounds each r_t by ≤ 2^-24·2.25: tolerance 1.5e-6.
    const modes = m.modes as number[];
    const target = m.target_modes as number[];
    expect(modes[0]).toBeCloseTo(c, 5);
    for (let k = 1; k < 10; k++) expect(Math.abs(modes[k]! - target[k]!)).toBeLessThan(1.5e-6);
    // ½ mean (c − u)² = ½ (c² − 2c·mean u + mean u²) = ½ (c² + 7/9) on the midpoint grid.
    expect(m.test_loss).toBeCloseTo(0.5 * (c * c + 7 / 9), 6);
    disposeData(data);
  });

  it('reports modes from the residual of the model outputs it is given', async () => {
    // An independent DFT of the residual: the model outputs u itself minus a known sine on bin 9
    // of amplitude 0.02, so the residual's only content is 0.01 on bin 9.
    const task = taskWith();
    const data = task.makeData(new Rng(0));
    const x = await data.train.x.data();
    const f = Float32Array.from(x, (v, t) => sineSum(v, paperOptions()) - 0.02 * Math.cos((2 * Math.PI * 9 * t) / 100));
    const trainOutputs = tf.tensor2d(f, [100, 1]);
    const m = await task.metrics({ step: 5, model: constantModel(0), data, trainOutputs, trainLoss: 0 });
    // Both f and y round u(x) to float32 and differ by ≤ 2^-24 · 2 per sample otherwise: tolerance 3e-7.
    (m.modes as number[]).forEach((v, k) => expect(Math.abs(v - (k === 9 ? 0.01 : 0))).toBeLessThan(3e-7));
    trainOutputs.dispose();
    disposeData(data);
  });

  it('omits the test loss when testPoints is 0, and honours modes', async () => {
    const task = taskWith({ testPoints: 0, modes: 51 });
    const data = task.makeData(new Rng(0));
    expect(data.test).toBeUndefined();
    const m = await metricsOf(task, constantModel(0), data);
    // The first evaluation has no earlier step, so no mode_rates either.
    expect(Object.keys(m).sort()).toEqual(['modes', 'target_modes']);
    expect(m.modes).toHaveLength(51);
    disposeData(data);
  });

  it('leaks no tensors over 20 metric evaluations', async () => {
    const task = taskWith();
    const data = task.makeData(new Rng(0));
    const model = constantModel(0.1);
    const trainOutputs = tf.tidy(() => model.apply(data.train.x));
    await task.metrics({ step: 0, model, data, trainOutputs, trainLoss: 0 });
    const before = tf.memory().numTensors;
    for (let s = 1; s <= 20; s++) await task.metrics({ step: s, model, data, trainOutputs, trainLoss: 0 });
    expect(tf.memory().numTensors).toBe(before);
    trainOutputs.dispose();
    disposeData(data);
  });

  it('keeps the logged modes its rates need as state, and refuses state that belongs to another task', async () => {
    const task = taskWith({ rateWindow: 2 });
    expect(task.getState()).toEqual({ modeHistory: { steps: [], modes: [] } });
    const data = task.makeData(new Rng(0));
    const m0 = await metricsOf(task, constantModel(0), data);
    expect(m0.mode_rates).toBeUndefined();
    const state = task.getState();
    expect((state.modeHistory as { steps: number[] }).steps).toEqual([0]);
    // A fresh task given that state reports what the first one reports next.
    const restored = taskWith({ rateWindow: 2 });
    restored.setState(JSON.parse(JSON.stringify(state)));
    const outputs = tf.fill([100, 1], 0.1) as tf.Tensor2D;
    const a = await task.metrics({ step: 1, model: constantModel(0), data, trainOutputs: outputs, trainLoss: 0 });
    const b = await restored.metrics({ step: 1, model: constantModel(0), data, trainOutputs: outputs, trainLoss: 0 });
    expect(b.mode_rates).toEqual(a.mode_rates);
    expect(restored.getState()).toEqual(task.getState());
    outputs.dispose();
    expect(() => task.setState({})).not.toThrow();
    expect(() => task.setState({ firstSolved: 12 })).toThrow(/keeps only 'modeHistory'.*'firstSolved'/);
    expect(() => task.setState({ modeHistory: { steps: [0, 1], modes: [[1]] } })).toThrow(/one row per step/);
    disposeData(data);
  });
});

describe('fourierTarget plugin', () => {
  it('is the default export, with the package meta, and registers the task under TASK', () => {
    expect(fourierTargetDefault).toBe(fourierTarget);
    expect(fourierTarget.meta).toMatchObject({ name: '@precond/task-fourier-target', version: '0.1.0', kind: 'task', id: 'fourier-target' });
    const plugin = fourierTarget({ points: 64, modes: 4 });
    const container = createRunContainer();
    plugin.register(container, parsePluginOptions(plugin, plugin.config, 'task'), { slot: 'task' });
    const task = resolve(container, TASK);
    const data = task.makeData(new Rng(0));
    expect(data.train.x.shape).toEqual([64, 1]);
    disposeData(data);
  });

  it('proposes the paper 1-80-80-1 tanh MLP, which runs through the metrics', async () => {
    const task = taskWith();
    const modelPlugin = task.defaultModel();
    expect(modelPlugin.meta.id).toBe('mlp');
    expect(modelPlugin.config).toEqual({ hidden: [80, 80], activation: 'tanh', init: 'glorot-uniform' });
    const container = createRunContainer();
    modelPlugin.register(container, parsePluginOptions(modelPlugin, modelPlugin.config, 'model'), { slot: 'model' });
    const model = resolve(container, MODEL_FACTORY).create({ rng: new Rng(0), inputSize: task.inputSize, outputSize: task.outputSize });
    // 1·80 + 80 + 80·80 + 80 + 80·1 + 1 = 6721 parameters, the `params` the NumPy peer prints for E1.
    expect(model.parameterCount()).toBe(6721);
    const data = task.makeData(new Rng(0));
    const m = await metricsOf(task, model, data);
    // Mode 0 is |mean(f − y)|, read here through tfjs instead of the DFT.
    const meanResidual = tf.tidy(() => tf.mean(tf.sub(model.apply(data.train.x), data.train.y)));
    expect((m.modes as number[])[0]).toBeCloseTo(Math.abs((await meanResidual.data())[0]!), 6);
    expect(Number.isFinite(m.test_loss)).toBe(true);
    meanResidual.dispose();
    model.dispose();
    disposeData(data);
  });
});
