// The testkit's task suite: registration, data determinism and shapes, the loss against autodiff,
// the default model, finite metrics, the state round trip and no tensor growth.
import { describeTaskConformance } from '@precond/testkit/vitest';
import { modularAddition } from './index.js';

describeTaskConformance(modularAddition);
describeTaskConformance(modularAddition, { options: { p: 7, trainFraction: 0.5, alpha: 2, width: 16 } });
