import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, PROBE, provide, z, type Metrics, type PluginFactory, type Probe, type State } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { denseCurvatureProvider } from '../problems/dense-curvature.js';
import { leastSquaresTask, linearModel } from '../problems/least-squares-plugins.js';
import { failedChecks } from '../report/report.js';
import { describeProbeConformance } from '../vitest.js';
import { checkProbePlugin, PROBE_CHECKS, PROBE_SUITE_DEFAULTS, type ProbeCheckContext, type ProbeSuiteOptions } from './check-probe.js';

type Flaw = 'none' | 'mutate' | 'nan' | 'leak' | 'forget-state' | 'bad-schedule';

const driftOptions = z.object({ every: z.number().int().positive().default(10) }).strict();

/**
 * Observes how far the parameters have moved since step 0 (`drift`, against a copy kept as state),
 * the number of observations, and the trace of the NTK `J Jᵀ` from the step's curvature.
 */
function driftProbe(o: z.output<typeof driftOptions>, flaw: Flaw): Probe {
  let initial: tf.Tensor[] = [];
  let observations = 0;
  const free = () => initial.forEach((t) => t.dispose());
  return {
    id: 'drift',
    schedule: flaw === 'bad-schedule' ? { every: 0 } : { every: o.every },
    async init(ctx) {
      free();
      initial = ctx.model.params.map((p) => tf.clone(p.variable));
      observations = 0;
    },
    async observe(ctx): Promise<Metrics> {
      observations++;
      const j = ctx.curvature().jacobian();
      const t = tf.tidy(() => {
        const drift = initial.length === 0 ? tf.scalar(0) : tf.sqrt(tf.addN(ctx.model.params.map((p, i) => tf.sum(tf.square(tf.sub(p.variable, initial[i]!))))));
        return tf.stack([drift, tf.sum(tf.square(j))]);
      });
      const [drift, ntkTrace] = await t.data();
      t.dispose();
      if (flaw === 'mutate') tf.tidy(() => ctx.model.params[0]!.variable.assign(tf.mul(ctx.model.params[0]!.variable, 0.5)));
      if (flaw === 'leak') tf.clone(j);
      return { drift: flaw === 'nan' ? Number.NaN : drift!, ntk_trace: ntkTrace!, observations };
    },
    getState: (): State => ({ observations, initial: [...initial] }),
    setState(s) {
      if (flaw === 'forget-state') {
        (s.initial as tf.Tensor[]).forEach((t) => t.dispose());
        return;
      }
      free();
      observations = s.observations as number;
      initial = s.initial as tf.Tensor[];
    },
    dispose() {
      free();
      initial = [];
    },
  };
}

function driftPlugin(flaw: Flaw, id = 'drift') {
  return definePlugin({
    meta: { name: '@example/probe-drift', version: '1.2.3', kind: 'probe', id },
    options: driftOptions,
    register: (c, o) => provide(c, PROBE, { useFactory: () => driftProbe(o, flaw) }),
  });
}

const drift = driftPlugin('none');

describeProbeConformance(drift, { options: { every: 5 } });

async function failing(plugin: PluginFactory, suite: ProbeSuiteOptions = {}, context: ProbeCheckContext = {}) {
  const report = await checkProbePlugin(plugin, suite, context);
  return { report, failed: failedChecks(report).map((r) => r.check), result: (check: string) => report.results.find((r) => r.check === check)! };
}

describe('checkProbePlugin', () => {
  it('passes a correct probe on every check, observing the least-squares task by default', async () => {
    const before = tf.memory().numTensors;
    const { report, failed, result } = await failing(drift);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.results.map((r) => r.check)).toEqual([...PROBE_CHECKS]);
    expect(failed).toEqual([]);
    expect(result('observe').details!.names).toEqual(['drift', 'ntk_trace', 'observations']);
  });

  it('accepts an explicit task, model and curvature provider', async () => {
    const { failed } = await failing(drift, {}, { task: leastSquaresTask, model: linearModel, curvatureProvider: denseCurvatureProvider() });
    expect(failed).toEqual([]);
  });

  it('catches a probe that changes the parameters it observes', async () => {
    const { failed, result } = await failing(driftPlugin('mutate'));
    expect(failed).toEqual(['no-side-effects']);
    // The linear model starts at 0, which halving leaves alone; the gradient step before step 1
    // moves it, so the observation there is the first to change it.
    expect(result('no-side-effects').message).toMatch(/^observe at step 1 changed parameter 'linear\/kernel'/);
  });

  it('catches non-finite observations', async () => {
    const { failed, result } = await failing(driftPlugin('nan'));
    expect(failed).toEqual(['observe']);
    expect(result('observe').message).toMatch(/observe at step 0 returned drift = NaN/);
  });

  it('catches a probe that leaks a tensor per observation', async () => {
    const { failed, result } = await failing(driftPlugin('leak'));
    expect(failed).toEqual(['no-tensor-growth', 'dispose']);
    const growth = result('no-tensor-growth').details as { before: number; after: number };
    expect(growth.after - growth.before).toBe(PROBE_SUITE_DEFAULTS.growthObservations);
    // The dispose check observes twice.
    const disposed = result('dispose').details as { before: number; after: number };
    expect(disposed.after - disposed.before).toBe(2);
  });

  it('catches a probe whose setState loses its state', async () => {
    const { failed, result } = await failing(driftPlugin('forget-state'));
    expect(failed).toEqual(['state-round-trip']);
    // The restored probe never saw step 0, so it has no parameters to measure drift from (0), while
    // the uninterrupted one has moved away from them during three gradient steps.
    expect(result('state-round-trip').message).toMatch(/differs at drift: [0-9.e-]+ vs 0/);
  });

  it('catches a schedule that is not a When', async () => {
    const { failed, result } = await failing(driftPlugin('bad-schedule'), { checks: ['registration'] });
    expect(failed).toEqual(['registration']);
    expect(result('registration').message).toMatch(/probe\.schedule \{"every":0\} is not/);
  });
});
