import { describeTaskConformance } from '@precond/testkit/vitest';
import { fourierTarget } from './index.js';

describeTaskConformance(fourierTarget);
describeTaskConformance(fourierTarget, { options: { points: 32, testPoints: 0, frequencies: [1, 2], amplitudes: [1, 0.5], phases: [0, 0.3] } });
