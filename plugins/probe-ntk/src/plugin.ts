import { CURVATURE_PROVIDER, definePlugin, isProvided, PROBE, provide, resolve } from '@precond/core';
import { NtkProbe } from './ntk-probe.js';
import { ntkOptions } from './options.js';

/**
 * The NTK probe as a plugin: `ntk({ every: 100 })` in an experiment's `probes`. It registers one
 * `PROBE` (id `ntk`, metrics `ntk.<name>`) and, for a probe set other than the training set, makes
 * its own curvature contexts through the model package's `CURVATURE_PROVIDER`.
 *
 * @example
 *   defineExperiment({ ..., probes: [ntk({ every: 100 })] });
 *   ntk({ logSpaced: 10, probeSet: { type: 'first', count: 200 }, modes: 20 });
 */
export const ntk = definePlugin({
  meta: {
    name: '@precond/probe-ntk',
    version: '0.1.0',
    kind: 'probe',
    id: 'ntk',
    description: 'NTK Gram J Jᵀ in float64: eigenvalues, error modes, kernel distance, alignment, parameter movement',
  },
  options: ntkOptions,
  register(container, options, { slot }) {
    provide(container, PROBE, {
      // Resolved when the runner asks for the probes, after the model plugin has registered.
      useFactory: (c) => new NtkProbe(options, isProvided(c, CURVATURE_PROVIDER) ? resolve(c, CURVATURE_PROVIDER) : undefined, slot),
    });
  },
});
