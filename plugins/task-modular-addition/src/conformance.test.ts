// The testkit's task suite: registration, data determinism and shapes, the loss against autodiff,
// the default model, finite metrics, the state round trip and no tensor growth.
import { describeTaskConformance } from '@precond/testkit/vitest';
import { modularAddition } from './index.js';

describeTaskConformance(modularAddition);
describeTaskConformance(modularAddition, { options: { p: 7, trainFraction: 0.5, alpha: 2, width: 16 } });
// The transformer form (E6) at a small size: p = 5 (13 training pairs), a 1-block, 2-head, d = 8 model.
describeTaskConformance(modularAddition, { options: { form: 'transformer', p: 5, trainFraction: 0.5, dModel: 8, heads: 2, layers: 1 } });
