import * as tf from '@tensorflow/tfjs-core';
import type { NamedParameter } from '../contracts/model.js';
import type { Optimizer, StepContext, StepResult } from '../contracts/optimizer.js';
import type { Preconditioner } from '../contracts/preconditioner.js';
import { disposeState, type State } from '../state/state.js';

/** What a transformation knows about the update it is computing. */
export interface UpdateContext {
  /** Number of updates applied before this one (0 for the first). */
  readonly count: number;
  /** Current parameter values, in model order. */
  readonly params: readonly tf.Tensor[];
}

/**
 * A gradient transformation in the optax sense: a pair of pure functions over plain state.
 * `update` maps incoming updates (gradients, or the output of the previous stage) to outgoing
 * ones; it must not dispose its inputs and returns new tensors and a new state.
 */
export interface GradientTransformation {
  init(params: readonly tf.Tensor[]): State;
  update(updates: readonly tf.Tensor[], state: State, ctx: UpdateContext): { updates: tf.Tensor[]; state: State };
}

/** Compose transformations left to right; the state is `{ '0': ..., '1': ... }`. */
export function chain(...stages: GradientTransformation[]): GradientTransformation {
  return {
    init: (params) => Object.fromEntries(stages.map((s, i) => [String(i), s.init(params)])),
    update(updates, state, ctx) {
      let current: readonly tf.Tensor[] = updates;
      const next: State = {};
      try {
        stages.forEach((stage, i) => {
          const out = stage.update(current, state[String(i)] as State, ctx);
          if (current !== updates) current.forEach((t) => t.dispose());
          current = out.updates;
          next[String(i)] = out.state;
        });
      } catch (error) {
        // Free what earlier stages made before the error leaves this function.
        if (current !== updates) current.forEach((t) => t.dispose());
        for (const [i, s] of Object.entries(next)) disposeState(s, state[i]);
        throw error;
      }
      return { updates: current === updates ? updates.map((u) => u.clone()) : [...current], state: next };
    },
  };
}

/**
 * The optimizer of preconditioned gradient descent built from a transformation.
 * Note: `count` (what schedules see) counts applied updates, so a skipped non-finite step does not
 * advance the schedule; `getState` returns live tensors that the optimizer keeps owning.
 *
 * `d = P(g)`, `u = T(d)`, `θ ← θ + u` (a transformation ends with the `-η` scaling).
 * A step whose gradients are not finite is skipped (parameters and state unchanged) and counted in
 * `skipped_steps`; the runner's guard then stops the run when the loss itself is not finite.
 */
export function transformationOptimizer(transform: GradientTransformation, preconditioner: Preconditioner): Optimizer {
  let params: readonly NamedParameter[] = [];
  let state: State = {};
  let count = 0;
  let skipped = 0;
  return {
    init(p) {
      params = p;
      preconditioner.init(p);
      disposeState(state);
      state = transform.init(p.map((x) => x.variable));
      count = 0;
      skipped = 0;
    },
    async step(ctx: StepContext): Promise<StepResult> {
      const { value, grads } = ctx.valueAndGrads();
      // One read for both the loss and whether every gradient entry is finite.
      const check = tf.tidy(() =>
        tf.stack([value, tf.cast(tf.all(tf.stack(grads.map((g) => tf.all(tf.isFinite(g))))), 'float32')]),
      );
      const [loss, finite] = await check.data();
      check.dispose();
      const info: Record<string, number> = {};
      if (finite !== 1) {
        skipped++;
        return { loss: loss!, info: { skipped_steps: skipped } };
      }
      const pInfo = await preconditioner.update(ctx);
      const direction = preconditioner.apply(grads);
      const out = transform.update(direction, state, { count, params: params.map((x) => x.variable) });
      direction.forEach((d) => d.dispose());
      tf.tidy(() => params.forEach((p, i) => p.variable.assign(tf.add(p.variable, out.updates[i]!))));
      out.updates.forEach((u) => u.dispose());
      disposeState(state, out.state);
      state = out.state;
      count++;
      if (skipped) info.skipped_steps = skipped;
      return { loss: loss!, info: { ...info, ...(pInfo ?? {}) } };
    },
    getState: () => ({ count, skipped, transform: state }),
    setState(s) {
      disposeState(state);
      count = s.count as number;
      skipped = (s.skipped as number) ?? 0;
      state = s.transform as State;
    },
    dispose() {
      disposeState(state);
      state = {};
      preconditioner.dispose();
    },
  };
}
