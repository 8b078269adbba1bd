// The testkit's preconditioner suite (plain SGD around the preconditioner, testkit README) for the
// defaults and for the other placements, root methods, grafting methods and blocking.
import { describePreconditionerConformance } from '@precond/testkit/vitest';
import { describe } from 'vitest';
import { shampoo } from './index.js';

describe('defaults (SGD grafting; host placement on the cpu backend)', () => {
  describePreconditionerConformance(shampoo, {});
});

describe('device placement', () => {
  describePreconditionerConformance(shampoo, { options: { placement: 'device' } });
});

describe('Newton roots', () => {
  describePreconditionerConformance(shampoo, { options: { rootMethod: 'newton', epsilon: 1e-4 } });
});

describe('Adam grafting, decayed statistics, blocks of 2, roots every 3 updates from update 2', () => {
  describePreconditionerConformance(shampoo, {
    options: { graft: 'adam', beta2: 0.99, maxPreconditionerDim: 2, preconditionerUpdateEvery: 3, startStep: 2 },
  });
});

describe('Adagrad grafting, vectors by the grafted direction, device placement', () => {
  describePreconditionerConformance(shampoo, { options: { graft: 'adagrad', vectors: 'graft', placement: 'device' } });
});
