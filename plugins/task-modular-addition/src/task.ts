import * as tf from '@tensorflow/tfjs-core';
import type { Dataset, MetricContext, Metrics, Rng, State, Task, TaskData } from '@precond/core';
import { correctCount } from './accuracy.js';
import { formSpec } from './forms.js';
import { grokMarkersFromState, grokMarkersToState, grokMetrics, NO_GROK_MARKERS, updateGrokMarkers, type GrokMarkers } from './grok-markers.js';
import { resolveModularAdditionOptions, type ModularAdditionFields } from './options.js';
import { oneHotSumTargets, splitPairs, type PairList } from './pairs.js';

/**
 * The modular-addition task (PAPER.md, E3 / Fig. 5 in the `mlp` form, E6 / Figs. 8, 12 in the
 * `transformer` form): learn
 * `(a + b) mod p` from a random share of the p² pairs and watch test accuracy catch up with
 * training accuracy (grokking).
 *
 * Data: all p² pairs shuffled by the run's `data` stream, the first `round(trainFraction · p²)`
 * for training, the rest for testing; targets `one-hot((a + b) mod p)`; inputs by the form.
 *
 * Metrics at each evaluated step:
 * - `train_accuracy`, `test_accuracy`: share of pairs whose output argmax is the target class;
 * - `test_loss`: the task's loss on the test pairs;
 * - `grok.train_step`, `grok.test_step`: the first evaluated step at which that accuracy was
 *   ≥ `grokThreshold` (absent before), and `grok.delay` = test_step − train_step once both exist.
 *   They are task state, saved in checkpoints, so a resumed run keeps them.
 */
export function createModularAdditionTask(options: ModularAdditionFields): Task {
  const resolved = resolveModularAdditionOptions(options);
  const { p, trainFraction, grokThreshold } = resolved;
  const form = formSpec(resolved);
  let markers: GrokMarkers = NO_GROK_MARKERS;

  const dataset = (pairs: PairList): Dataset => {
    const n = pairs.a.length;
    return {
      x: tf.tensor2d(form.encodeInputs(pairs), [n, form.inputSize], 'float32'),
      y: tf.tensor2d(oneHotSumTargets(pairs), [n, p], 'float32'),
    };
  };

  return {
    inputSize: form.inputSize,
    outputSize: p,
    loss: form.loss,
    makeData(rng: Rng): TaskData {
      const split = splitPairs(p, trainFraction, rng);
      return { train: dataset(split.train), test: dataset(split.test) };
    },
    defaultModel: form.defaultModel,
    async metrics({ step, model, data, trainOutputs }: MetricContext): Promise<Metrics> {
      const test = data.test;
      if (!test) throw new Error('modular-addition metrics need the test pairs that makeData returns (data.test is missing)');
      const [trainCorrect, testCorrect, testLoss] = tf.tidy((): [tf.Scalar, tf.Scalar, tf.Scalar] => {
        const testOutputs = model.apply(test.x);
        return [correctCount(trainOutputs, data.train.y), correctCount(testOutputs, test.y), form.loss.value(testOutputs, test.y)];
      });
      let values: number[];
      try {
        values = (await Promise.all([trainCorrect.data(), testCorrect.data(), testLoss.data()])).map((v) => v[0]!);
      } finally {
        tf.dispose([trainCorrect, testCorrect, testLoss]);
      }
      const [trainHits, testHits, testLossValue] = values as [number, number, number];
      const trainAccuracy = trainHits / data.train.y.shape[0];
      const testAccuracy = testHits / test.y.shape[0];
      markers = updateGrokMarkers(markers, step, trainAccuracy, testAccuracy, grokThreshold);
      return { train_accuracy: trainAccuracy, test_accuracy: testAccuracy, test_loss: testLossValue, ...grokMetrics(markers) };
    },
    getState: (): State => grokMarkersToState(markers),
    setState(state: State): void {
      markers = grokMarkersFromState(state);
    },
  };
}
