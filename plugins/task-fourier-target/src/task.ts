import * as tf from '@tensorflow/tfjs-core';
import { mseLoss, type Metrics, type MetricContext, type Rng, type State, type Task, type TaskData } from '@precond/core';
import { mlp } from '@precond/nn';
import { fourierModeErrors } from './fourier-mode-errors.js';
import { emptyModeHistory, modeHistoryFromState, modeHistoryToState, updateModeRates } from './mode-rates.js';
import type { FourierTargetOptions } from './options.js';
import { midpointGrid, sampleTarget, trainingGrid } from './target.js';

/**
 * The E1 task (PAPER.md, Fig. 3): regress `u(x) = Σ_j a_j sin(ω_j π x + φ_j)` from `points`
 * equispaced samples of [a, b) with the MSE loss, and report the FFT mode errors of the residual.
 *
 * Metrics at each logged step:
 * - `modes`: `|DFT(f(x) − y)|_k / n` for k = 0..modes-1 on the training grid (the peer's
 *   `np.abs(np.fft.rfft(r))[:10] / len(r)`), computed in float64 from the float32 residual.
 * - `target_modes`: the same of the targets y, a constant of the task. It is logged at every step
 *   so that each row holds its own reference (`modes[k] / target_modes[k]` is the relative error
 *   of mode k, and equals 1 for a model that outputs zero).
 * - `mode_rates`: per mode k, its decay rate `−(ln|ê_k(t)| − ln|ê_k(s)|)/(t − s)` with s the latest
 *   logged step at or before t − W (`rateWindow`), or the first logged step during the first W
 *   steps (absent at the first logged step). The logged modes it needs are the task's state, so a
 *   resumed run reports the same rates.
 * - `test_loss`: the loss on the midpoint grid (absent when `testPoints` is 0).
 */
export function createFourierTargetTask(options: FourierTargetOptions): Task {
  const components = { frequencies: options.frequencies, amplitudes: options.amplitudes, phases: options.phases };
  const train = sampleTarget(trainingGrid(options.domain, options.points), components);
  const test = options.testPoints > 0 ? sampleTarget(midpointGrid(options.domain, options.testPoints), components) : null;
  // From the float32 targets the device holds, so that a zero model's `modes` equal these exactly.
  const targetModes = fourierModeErrors(train.y, options.modes);
  const loss = mseLoss(options.lossScale);

  const column = (values: Float32Array) => tf.tensor2d(values, [values.length, 1], 'float32');
  let history = emptyModeHistory();

  return {
    inputSize: 1,
    outputSize: 1,
    loss,
    // The grids are fixed by the options: nothing is drawn, so the data is the same for every seed
    // and trivially a pure function of the stream (the run's seed varies only the model).
    makeData(_rng: Rng): TaskData {
      const data: TaskData = { train: { x: column(train.x), y: column(train.y) } };
      return test ? { ...data, test: { x: column(test.x), y: column(test.y) } } : data;
    },
    defaultModel: () => mlp({ hidden: [80, 80], activation: 'tanh', init: 'glorot-uniform' }),
    async metrics({ step, model, data, trainOutputs }: MetricContext): Promise<Metrics> {
      const residualTensor = tf.sub(trainOutputs, data.train.y);
      let residual: Float32Array;
      try {
        residual = (await residualTensor.data()) as Float32Array;
      } finally {
        residualTensor.dispose();
      }
      const modes = fourierModeErrors(residual, options.modes);
      const out: Metrics = { modes, target_modes: targetModes };
      const update = updateModeRates(history, step, modes, options.rateWindow);
      history = update.history;
      if (update.rates) out.mode_rates = update.rates;
      const testSet = data.test;
      if (testSet) {
        const testLoss = tf.tidy(() => loss.value(model.apply(testSet.x), testSet.y));
        try {
          out.test_loss = (await testLoss.data())[0]!;
        } finally {
          testLoss.dispose();
        }
      }
      return out;
    },
    getState: (): State => ({ modeHistory: modeHistoryToState(history) }),
    setState(state: State): void {
      const unknown = Object.keys(state).filter((k) => k !== 'modeHistory');
      if (unknown.length > 0) {
        throw new Error(
          `task 'fourier-target' keeps only 'modeHistory' as state, but the checkpoint holds task state ${unknown.map((k) => `'${k}'`).join(', ')}`,
        );
      }
      history = state.modeHistory === undefined ? emptyModeHistory() : modeHistoryFromState(state.modeHistory as State, "task 'fourier-target' state 'modeHistory'");
    },
  };
}
