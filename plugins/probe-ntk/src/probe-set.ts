import type { ProbeSet } from './options.js';

/**
 * The training indices of a probe set, or `null` when it is the whole training set in its own
 * order (then the probe reads the step's shared curvature instead of making its own). Throws,
 * naming the option, when the set asks for samples the training set does not have.
 */
export function probeSetIndices(set: ProbeSet, trainSize: number, slot: string): Int32Array | null {
  switch (set.type) {
    case 'train':
      return null;
    case 'first': {
      if (set.count > trainSize) {
        throw new RangeError(`option '${slot}.probeSet.count' is ${set.count}, but the training set has ${trainSize} samples; use at most ${trainSize}`);
      }
      return set.count === trainSize ? null : Int32Array.from({ length: set.count }, (_, i) => i);
    }
    case 'indices': {
      const bad = set.indices.findIndex((i) => i >= trainSize);
      if (bad >= 0) {
        throw new RangeError(
          `option '${slot}.probeSet.indices[${bad}]' is ${set.indices[bad]}, but the training set has ${trainSize} samples; indices run from 0 to ${trainSize - 1}`,
        );
      }
      const everyInOrder = set.indices.length === trainSize && set.indices.every((v, i) => v === i);
      return everyInOrder ? null : Int32Array.from(set.indices);
    }
  }
}
