/**
 * @precond/task-fourier-target: the 1-D multi-frequency regression task of the paper's E1
 * (spectral bias, Fig. 3), its target function, grids, and the FFT mode errors it reports.
 */
import { fourierTarget } from './plugin.js';

export { fourierTarget };
export { fourierModeErrors } from './fourier-mode-errors.js';
export { updateModeRates, emptyModeHistory, MODE_ERROR_FLOOR, type ModeHistory, type ModeRateUpdate } from './mode-rates.js';
export { sineSum, trainingGrid, midpointGrid, sampleTarget, type SineComponents } from './target.js';
export { fourierTargetOptions, type FourierTargetOptions, type FourierTargetOptionsInput } from './options.js';
export { createFourierTargetTask } from './task.js';
export default fourierTarget;
