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
    // The first roots are made at update 2 (startStep). With device placement (auto on every
    // backend but cpu) they are tensors that exist from then on, state made once like the
    // statistics at init: the warm-up takes that update too, and the counted steps still hold
    // later root updates (every 3), where a leak would show.
    growth: { warmupSteps: 2 },
  });
});

describe('the same with device placement (the placement auto picks on every backend but cpu)', () => {
  describePreconditionerConformance(shampoo, {
    options: { graft: 'adam', beta2: 0.99, maxPreconditionerDim: 2, preconditionerUpdateEvery: 3, startStep: 2, placement: 'device' },
    growth: { warmupSteps: 2 },
  });
});

describe('Newton roots, host placement (Newton on the backend, roots read back)', () => {
  describePreconditionerConformance(shampoo, { options: { rootMethod: 'newton', epsilon: 1e-4, placement: 'host' } });
});

describe('Adam grafting, host placement (apply multiplies what update read)', () => {
  describePreconditionerConformance(shampoo, { options: { graft: 'adam', placement: 'host' } });
});

describe('Adagrad grafting, vectors by the grafted direction, device placement', () => {
  describePreconditionerConformance(shampoo, { options: { graft: 'adagrad', vectors: 'graft', placement: 'device' } });
});
