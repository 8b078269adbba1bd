import {
  definePlugin,
  OPTIMIZER,
  parsePluginOptions,
  pluginOption,
  PRECONDITIONER,
  provide,
  resolve,
  z,
  type DependencyContainer,
  type Optimizer,
  type OptimizerInfo,
  type PluginInstance,
  type Preconditioner,
  type State,
} from '@precond/core';
import { PACKAGE_NAME, PACKAGE_VERSION } from './meta.js';
import { gn, lm } from './plugins.js';

/** The two phases of a hybrid run, in order. */
export const HYBRID_PHASES = ['first', 'then'] as const;
export type HybridPhase = (typeof HYBRID_PHASES)[number];

export const hybridOptions = z
  .object({
    /** The optimizer of the first `switchAt` steps (the paper: LM or GGN). */
    first: pluginOption('optimizer').default(() => lm() as PluginInstance),
    /** The optimizer from step `switchAt` on (the paper: AdamW or Adam, from @precond/optimizer-first-order). */
    then: pluginOption('optimizer').default(() => gn() as PluginInstance),
    /** Steps taken by `first` before `then` takes over (the paper: 2000 LM steps on MNIST, 3000 GGN steps on the transformer). */
    switchAt: z.number().int().nonnegative().default(100),
  })
  .strict();
export type HybridOptions = z.output<typeof hybridOptions>;
export type HybridOptionsInput = z.input<typeof hybridOptions>;

/**
 * The run's preconditioner as each phase sees it: the same object, so statistics carry across the
 * switch, with `dispose` passed on once. Both phases own it (a first-order optimizer `init`s and
 * `dispose`s the preconditioner it applies), so without this guard it would be freed twice.
 */
function sharedPreconditioner(inner: Preconditioner): Preconditioner {
  let disposed = false;
  return {
    init: (params) => inner.init(params),
    update: (ctx) => inner.update(ctx),
    apply: (grads) => inner.apply(grads),
    getState: () => inner.getState(),
    setState: (state) => inner.setState(state),
    dispose: () => {
      if (disposed) return;
      disposed = true;
      inner.dispose();
    },
  };
}

/**
 * `first` for the first `switchAt` steps, then `then`: PAPER.md's hybrid schedule (PGD first, then a
 * first-order method at the learning rate a pure first-order run would use). Both optimizers are
 * `init`ed with the parameters at the start; `then`'s own state (Adam's moments, its schedule's
 * count) starts when it takes over. Diagnostics are prefixed by the active phase (`first.mu`,
 * `then.lr`) and `phase` names it.
 */
export function hybridOptimizer(first: Optimizer, then: Optimizer, switchAt: number): Optimizer {
  let steps = 0;
  const phaseAt = (s: number): HybridPhase => (s < switchAt ? 'first' : 'then');
  return {
    init(params) {
      steps = 0;
      first.init(params);
      then.init(params);
    },
    async step(ctx) {
      const phase = phaseAt(steps);
      const result = await (phase === 'first' ? first : then).step(ctx);
      steps++;
      const info: OptimizerInfo = { phase };
      for (const [k, v] of Object.entries(result.info ?? {})) info[`${phase}.${k}`] = v;
      return { loss: result.loss, info };
    },
    getState: (): State => ({ phase: phaseAt(steps), steps, first: first.getState(), then: then.getState() }),
    setState(state) {
      steps = state.steps as number;
      first.setState(state.first as State);
      then.setState(state.then as State);
    },
    dispose() {
      first.dispose();
      then.dispose();
    },
  };
}

/**
 * Register `plugin` in its own child of the run container, so it sees the run's RNG, RUN_INFO and
 * PRECONDITIONER but its OPTIMIZER does not replace the hybrid's. Its options are validated here,
 * so an error names `<slot>.first.lr` and the like.
 */
function registerPhase(container: DependencyContainer, plugin: PluginInstance, slot: string, preconditioner: () => Preconditioner): DependencyContainer {
  const child = container.createChildContainer();
  provide(child, PRECONDITIONER, { useFactory: preconditioner });
  plugin.register(child, parsePluginOptions(plugin, plugin.config, slot), { slot });
  return child;
}

/**
 * The hybrid schedule as a plugin: `hybrid({ first: lm({ mu: 1e-2 }), then: adamw({ lr: 1e-3 }), switchAt: 2000 })`.
 * Defaults: `lm()` for 100 steps, then `gn()` (damped steps far from the minimum, undamped
 * Gauss-Newton near it); the paper's recipe names a first-order `then`.
 */
export const hybrid = definePlugin({
  meta: {
    name: PACKAGE_NAME,
    version: PACKAGE_VERSION,
    kind: 'optimizer',
    id: 'hybrid',
    description: 'one optimizer for the first switchAt steps, then another (the paper: LM → AdamW, GGN → Adam)',
  },
  options: hybridOptions,
  register(container, options, ctx) {
    let shared: Preconditioner | undefined;
    const preconditioner = () => (shared ??= sharedPreconditioner(resolve(container, PRECONDITIONER)));
    const [firstContainer, thenContainer] = HYBRID_PHASES.map((phase) => registerPhase(container, options[phase], `${ctx.slot}.${phase}`, preconditioner));
    provide(container, OPTIMIZER, {
      useFactory: () => hybridOptimizer(resolve(firstContainer!, OPTIMIZER), resolve(thenContainer!, OPTIMIZER), options.switchAt),
    });
  },
});
