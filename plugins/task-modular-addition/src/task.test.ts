import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  createRunContainer,
  deserializeState,
  OptionsError,
  parsePluginOptions,
  resolve,
  Rng,
  serializeState,
  TASK,
  type Metrics,
  type Model,
  type Task,
  type TaskData,
} from '@precond/core';
import modularAdditionDefault, { modularAddition, splitPairs, type ModularAdditionOptionsInput } from './index.js';
import { decodePairs, disposeData, jsModel, lookupModel, row, taskWith } from './test-support/helpers.js';

const parse = (raw: ModularAdditionOptionsInput | Record<string, unknown>) => parsePluginOptions(modularAddition(raw as ModularAdditionOptionsInput), raw, 'task');

/** Evaluate the metrics the way the runner does: this step's training outputs, then metrics. */
async function metricsOf(task: Task, model: Model, data: TaskData, step = 0): Promise<Metrics> {
  const trainOutputs = tf.tidy(() => model.apply(data.train.x));
  try {
    return await task.metrics({ step, model, data, trainOutputs, trainLoss: Number.NaN });
  } finally {
    trainOutputs.dispose();
  }
}

describe('options', () => {
  it('default to the paper E3 values', () => {
    expect(parse({})).toEqual({ p: 23, trainFraction: 0.9, form: 'mlp', alpha: 1, width: 100, grokThreshold: 0.95 });
  });

  it('name task.p and task.trainFraction (and the others) in errors', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ p: 1 }, 'task.p', /'task\.p'.*\(given 1\)/],
      [{ p: 10.5 }, 'task.p', /'task\.p'.*\(given 10\.5\)/],
      [{ trainFraction: 1 }, 'task.trainFraction', /'task\.trainFraction'.*must be in \(0, 1\).*\(given 1\)/],
      [{ trainFraction: 0 }, 'task.trainFraction', /'task\.trainFraction'.*must be in \(0, 1\)/],
      // round(0.1 · 4) = 0 training pairs, round(0.9 · 4) = 4 leaves no test pair.
      [{ p: 2, trainFraction: 0.1 }, 'task.trainFraction', /'task\.trainFraction'.*gives 0 of the 4 pairs for training with p = 2/],
      [{ p: 2, trainFraction: 0.9 }, 'task.trainFraction', /'task\.trainFraction'.*gives 4 of the 4 pairs/],
      [{ alpha: 0 }, 'task.alpha', /'task\.alpha'/],
      [{ alpha: Number.POSITIVE_INFINITY }, 'task.alpha', /'task\.alpha'/],
      [{ width: 0 }, 'task.width', /'task\.width'/],
      [{ grokThreshold: 1.5 }, 'task.grokThreshold', /'task\.grokThreshold'.*must be in \(0, 1\]/],
      [{ form: 'rnn' }, 'task.form', /'task\.form'.*"mlp"\|"transformer".*\(given 'rnn'\)/],
      // Options of the other form are refused, naming this form's own.
      [{ form: 'transformer', alpha: 2 }, 'task.alpha', /'task\.alpha'.*applies to the mlp form only; the transformer form's own options are dModel, heads, layers \(given 2\)/],
      [{ dModel: 64 }, 'task.dModel', /'task\.dModel'.*applies to the transformer form only; the mlp form's own options are alpha, width/],
      [{ form: 'transformer', dModel: 30 }, 'task.heads', /'task\.heads'.*must divide dModel \(30\)/],
      // An unknown key is an issue of the object itself, so core reports it at the slot, 'task'.
      [{ lr: 1 }, 'task', /unknown option 'task\.lr'.*its options are: p, trainFraction, form, alpha, width, dModel, heads, layers, grokThreshold/],
    ];
    for (const [raw, path, message] of cases) {
      let thrown: unknown;
      try {
        parse(raw);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, JSON.stringify(raw)).toBeInstanceOf(OptionsError);
      expect((thrown as OptionsError).path).toBe(path);
      expect((thrown as Error).message).toMatch(message);
    }
    // The edges that are allowed: p = 2 with 2 of 4 pairs, threshold 1.
    expect(parse({ p: 2, trainFraction: 0.5, grokThreshold: 1 })).toMatchObject({ p: 2, trainFraction: 0.5, grokThreshold: 1 });
  });
});

describe('data', () => {
  it('holds 476 training and 53 test pairs for p = 23 at 0.9, every pair once, with one-hot inputs and targets', async () => {
    const task = taskWith();
    expect(task.inputSize).toBe(46);
    expect(task.outputSize).toBe(23);
    const data = task.makeData(new Rng(0).fork('data'));
    // The peer's int(round(0.9 · 529)) = 476 (Python prints 476).
    expect(data.train.x.shape).toEqual([476, 46]);
    expect(data.train.y.shape).toEqual([476, 23]);
    expect(data.test!.x.shape).toEqual([53, 46]);
    expect(data.test!.y.shape).toEqual([53, 23]);
    const seen: number[] = [];
    for (const set of [data.train, data.test!]) {
      expect(set.x.dtype).toBe('float32');
      const x = await set.x.data();
      const y = await set.y.data();
      // decodePairs throws unless each row is exactly two ones (at a and p + b) and zeros.
      decodePairs(x, 23).forEach(([a, b], i) => {
        seen.push(a * 23 + b);
        const target = row(y, 23, i);
        expect(target.filter((v) => v === 1)).toHaveLength(1);
        expect(target.filter((v) => v === 0)).toHaveLength(22);
        expect(target.indexOf(1)).toBe((a + b) % 23);
      });
    }
    expect(seen.sort((u, v) => u - v)).toEqual(Array.from({ length: 529 }, (_, k) => k));
    disposeData(data);
  });

  it('is the split splitPairs draws from the same stream, in that order', async () => {
    const data = taskWith({ p: 7, trainFraction: 0.5 }).makeData(new Rng(4).fork('data'));
    const split = splitPairs(7, 0.5, new Rng(4).fork('data'));
    // round(0.5 · 49) = round(24.5) = 24 (halves to even).
    expect(decodePairs(await data.train.x.data(), 7)).toEqual(Array.from(split.train.a, (a, i) => [a, split.train.b[i]]));
    expect(decodePairs(await data.test!.x.data(), 7)).toEqual(Array.from(split.test.a, (a, i) => [a, split.test.b[i]]));
    expect(data.train.x.shape[0]).toBe(24);
    disposeData(data);
  });

  it('is bit-identical for equal seeds and differs between seeds', async () => {
    const task = taskWith();
    const read = async (seed: number) => {
      const data = task.makeData(new Rng(seed).fork('data'));
      const out = { train: Array.from(await data.train.x.data()), test: Array.from(await data.test!.x.data()) };
      disposeData(data);
      return out;
    };
    const a = await read(0);
    expect(await read(0)).toEqual(a);
    const b = await read(1);
    const testCodes = (x: number[]) => new Set(decodePairs(x, 23).map(([u, v]) => u * 23 + v));
    expect(testCodes(b.test)).not.toEqual(testCodes(a.test));
  });
});

describe('loss', () => {
  it("is MSE ÷ α²: (1/(2n α²)) Σ ‖f − y‖², gradient (f − y)/α², the peer's loss/α²", async () => {
    const task = taskWith({ p: 5, trainFraction: 0.6, alpha: 2 });
    expect(task.loss.name).toBe('mse');
    const data = task.makeData(new Rng(0).fork('data'));
    const zeros = tf.zerosLike(data.train.y);
    const value = task.loss.value(zeros, data.train.y);
    const gradient = task.loss.outputGradient(zeros, data.train.y);
    // f = 0: each row has ‖y‖² = 1, so the loss is (1/(2n·4))·n = 1/8.
    expect((await value.data())[0]).toBeCloseTo(0.125, 7);
    // ∂ℓ/∂f = (f − y)/α² = −y/4: the peer's G = R/(n α²) times n.
    const y = await data.train.y.data();
    expect(Array.from(await gradient.data())).toEqual(Array.from(y, (v) => (v === 0 ? 0 : -0.25)));
    expect(task.loss.outputHessian(zeros, data.train.y)).toBe(0.25);
    tf.dispose([zeros, value, gradient]);
    disposeData(data);
  });
});

describe('metrics', () => {
  it('give train accuracy 1, test accuracy 0 and test loss 1/α² for a model that knows only the training pairs', async () => {
    const task = taskWith({ alpha: 2 });
    const data = task.makeData(new Rng(0).fork('data'));
    const known = new Set(decodePairs(await data.train.x.data(), 23).map(([a, b]) => a * 23 + b));
    const m = await metricsOf(task, lookupModel(23, known), data, 7);
    expect(m.train_accuracy).toBe(1);
    expect(m.test_accuracy).toBe(0);
    // Each test row is one-hot of the wrong class: ‖f − y‖² = 2, so (1/(2·53·α²))·53·2 = 1/α² = 1/4.
    expect(m.test_loss).toBeCloseTo(0.25, 6);
    // Train accuracy reached 1 ≥ 0.95 at this first evaluation (step 7); test accuracy did not.
    expect(m['grok.train_step']).toBe(7);
    expect(m).not.toHaveProperty('grok.test_step');
    expect(m).not.toHaveProperty('grok.delay');
    disposeData(data);
  });

  it('count ties as class 0 (tfjs argMax takes the first index): the zero model is right where (a + b) mod p = 0', async () => {
    const task = taskWith();
    const data = task.makeData(new Rng(2).fork('data'));
    const zero = jsModel((_x, n) => ({ values: new Float32Array(n * 23), width: 23 }));
    const m = await metricsOf(task, zero, data);
    // Share of each set's pairs with a + b ≡ 0 (mod 23), counted from the decoded inputs.
    const share = async (x: tf.Tensor) => decodePairs(await x.data(), 23).filter(([a, b]) => (a + b) % 23 === 0).length / x.shape[0];
    expect(m.train_accuracy).toBe(await share(data.train.x));
    expect(m.test_accuracy).toBe(await share(data.test!.x));
    // 23 of the 529 pairs sum to 0 mod 23 (one b per a), so the two shares are not both zero.
    expect((m.train_accuracy as number) + (m.test_accuracy as number)).toBeGreaterThan(0);
    // f = 0: (1/(2n α²)) Σ ‖y‖² = 1/2 at α = 1.
    expect(m.test_loss).toBeCloseTo(0.5, 6);
    disposeData(data);
  });

  it('leak no tensors over 20 evaluations', async () => {
    const task = taskWith({ p: 7 });
    const data = task.makeData(new Rng(0).fork('data'));
    const model = lookupModel(7, new Set());
    await metricsOf(task, model, data, 0);
    const before = tf.memory().numTensors;
    for (let s = 1; s <= 20; s++) await metricsOf(task, model, data, s);
    expect(tf.memory().numTensors).toBe(before);
    disposeData(data);
  });

  it('refuse data without the test split, which accuracy and test loss need', async () => {
    const task = taskWith({ p: 5 });
    const data = task.makeData(new Rng(0).fork('data'));
    await expect(metricsOf(task, lookupModel(5, new Set()), { train: data.train })).rejects.toThrow(/need the test pairs/);
    disposeData(data);
  });
});

/**
 * Hand-made data for the marker tests: 20 training and 20 test rows of p = 5 classes (row i is class
 * i mod 5). `outputsWith(k)` is right on the first k rows and names the next class on the rest, so
 * its accuracy is exactly k/20. The inputs are never read: the training outputs are handed to
 * `metrics` directly and the test outputs come from a model that returns what the test sets.
 */
function markerRig() {
  const n = 20;
  const p = 5;
  const oneHot = (classOf: (i: number) => number) => {
    const v = new Float32Array(n * p);
    for (let i = 0; i < n; i++) v[i * p + classOf(i)] = 1;
    return tf.tensor2d(v, [n, p]);
  };
  const outputsWith = (k: number) => oneHot((i) => (i < k ? i % p : (i + 1) % p));
  const x = tf.zeros([n, 2 * p]) as tf.Tensor2D;
  const data: TaskData = { train: { x, y: oneHot((i) => i % p) }, test: { x, y: oneHot((i) => i % p) } };
  let testOutputs = outputsWith(0);
  const model: Model = { params: [], apply: () => tf.clone(testOutputs), applyWith: () => tf.clone(testOutputs), parameterCount: () => 0, dispose: () => {} };
  /** Evaluate `task` at `step` with k_train/20 training and k_test/20 test accuracy. */
  const evaluate = async (task: Task, step: number, kTrain: number, kTest: number) => {
    testOutputs.dispose();
    testOutputs = outputsWith(kTest);
    const trainOutputs = outputsWith(kTrain);
    try {
      return await task.metrics({ step, model, data, trainOutputs, trainLoss: Number.NaN });
    } finally {
      trainOutputs.dispose();
    }
  };
  const dispose = () => tf.dispose([x, data.train.y, data.test!.y, testOutputs]);
  return { evaluate, dispose };
}

const markersOf = (m: Metrics) => Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith('grok.')));

describe('grokking markers', () => {
  it('record the first evaluated step at ≥ 95% accuracy, keep it when accuracy falls, and give the delay', async () => {
    const rig = markerRig();
    const task = taskWith({ p: 5 });
    // (step, correct of 20 on train, on test) → expected markers. 19/20 = 0.95 is the threshold
    // itself and counts; 18/20 = 0.9 does not.
    const sequence: Array<[number, number, number, Record<string, number>]> = [
      [0, 10, 2, {}],
      [10, 18, 2, {}],
      [20, 19, 6, { 'grok.train_step': 20 }],
      [30, 20, 18, { 'grok.train_step': 20 }],
      [40, 16, 19, { 'grok.train_step': 20, 'grok.test_step': 40, 'grok.delay': 20 }],
      [50, 20, 20, { 'grok.train_step': 20, 'grok.test_step': 40, 'grok.delay': 20 }],
      [60, 20, 12, { 'grok.train_step': 20, 'grok.test_step': 40, 'grok.delay': 20 }],
    ];
    for (const [step, kTrain, kTest, expected] of sequence) {
      const m = await rig.evaluate(task, step, kTrain, kTest);
      expect(m.train_accuracy).toBe(kTrain / 20);
      expect(m.test_accuracy).toBe(kTest / 20);
      expect(markersOf(m), `step ${step}`).toEqual(expected);
    }
    expect(task.getState()).toEqual({ grokTrainStep: 20, grokTestStep: 40 });
    rig.dispose();
  });

  it('survive a checkpoint: state saved after step 30 restores the training marker in a fresh task', async () => {
    const rig = markerRig();
    const original = taskWith({ p: 5 });
    await rig.evaluate(original, 0, 10, 2);
    await rig.evaluate(original, 20, 19, 6);
    await rig.evaluate(original, 30, 20, 18);
    expect(original.getState()).toEqual({ grokTrainStep: 20, grokTestStep: null });
    // Through the runner's checkpoint format: JSON text plus (here no) tensors.
    const saved = await serializeState(original.getState(), 'task');
    const restored = taskWith({ p: 5 });
    restored.setState(deserializeState(JSON.parse(JSON.stringify(saved.json)), saved.tensors));
    expect(restored.getState()).toEqual(original.getState());
    // At step 40 training accuracy is 16/20: only a restored marker can report train_step 20.
    const expected = { 'grok.train_step': 20, 'grok.test_step': 40, 'grok.delay': 20 };
    expect(markersOf(await rig.evaluate(original, 40, 16, 19))).toEqual(expected);
    expect(markersOf(await rig.evaluate(restored, 40, 16, 19))).toEqual(expected);
    // Without the state, the same evaluation knows nothing of step 20.
    expect(markersOf(await rig.evaluate(taskWith({ p: 5 }), 40, 16, 19))).toEqual({ 'grok.test_step': 40 });
    expect(() => restored.setState({ firstSolved: 12 })).toThrow(/keeps the state 'grokTrainStep', 'grokTestStep', but the checkpoint holds 'firstSolved'/);
    rig.dispose();
  });

  it('use the grokThreshold option', async () => {
    const rig = markerRig();
    const task = taskWith({ p: 5, grokThreshold: 0.5 });
    // 9/20 < 0.5 ≤ 10/20.
    expect(markersOf(await rig.evaluate(task, 3, 9, 10))).toEqual({ 'grok.test_step': 3 });
    expect(markersOf(await rig.evaluate(task, 4, 10, 0))).toEqual({ 'grok.train_step': 4, 'grok.test_step': 3, 'grok.delay': -1 });
    rig.dispose();
  });
});

describe('modularAddition plugin', () => {
  it('is the default export, with the package meta, and registers the task under TASK', () => {
    expect(modularAdditionDefault).toBe(modularAddition);
    expect(modularAddition.meta).toMatchObject({ name: '@precond/task-modular-addition', version: '0.1.0', kind: 'task', id: 'modular-addition' });
    const plugin = modularAddition({ p: 11 });
    const container = createRunContainer();
    plugin.register(container, parsePluginOptions(plugin, plugin.config, 'task'), { slot: 'task' });
    const task = resolve(container, TASK);
    expect([task.inputSize, task.outputSize]).toEqual([22, 11]);
  });

  it("proposes the paper's quadratic MLP with output scale α²/(2p·N)", () => {
    expect(taskWith().defaultModel().config).toEqual({
      hidden: [100],
      activation: 'quadratic',
      bias: false,
      init: 'normal',
      initScale: 1,
      outputScale: 1 / 4600, // α² / (2·23·100) at α = 1
    });
    const m = taskWith({ alpha: 2, width: 50 }).defaultModel();
    expect(m.meta.id).toBe('mlp');
    expect(m.config).toMatchObject({ hidden: [50], outputScale: 4 / 2300 }); // 2² / (2·23·50)
  });
});
