import {
  definePlugin,
  OPTIMIZER,
  PRECONDITIONER,
  provide,
  resolve,
  transformationOptimizer,
  type GradientTransformation,
  type PluginFactory,
  type z,
} from '@precond/core';

/** Package identity shared by the four plugins (kept equal to package.json; a test checks it). */
export const PACKAGE_NAME = '@precond/optimizer-first-order';
export const PACKAGE_VERSION = '0.1.0';

export interface FirstOrderPluginDefinition<S extends z.ZodType> {
  readonly id: string;
  readonly description: string;
  readonly options: S;
  /** The chain of transformations for validated options. */
  readonly transformation: (options: z.output<S>) => GradientTransformation;
}

/**
 * An optimizer plugin whose step rule is a gradient transformation around the run's
 * preconditioner: `d = P(g)`, `θ ← θ + T(d)`. The runner always provides PRECONDITIONER (the
 * identity when the experiment names none), so these optimizers are PGD with any preconditioner.
 */
export function defineFirstOrderPlugin<S extends z.ZodType>(def: FirstOrderPluginDefinition<S>): PluginFactory<S> {
  return definePlugin({
    meta: { name: PACKAGE_NAME, version: PACKAGE_VERSION, kind: 'optimizer', id: def.id, description: def.description },
    options: def.options,
    register(container, options) {
      provide(container, OPTIMIZER, {
        useFactory: (c) => transformationOptimizer(def.transformation(options), resolve(c, PRECONDITIONER)),
      });
    },
  });
}
