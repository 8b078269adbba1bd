import * as tf from '@tensorflow/tfjs-core';
import type { State } from '@precond/core';
import type { GraftingMethod } from './options.js';

/** Settings of the grafted method (from the plugin's options). */
export interface GraftingSettings {
  readonly method: GraftingMethod;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/**
 * Per-parameter state of the grafted method, float32 tensors shaped like the parameter:
 * Adagrad keeps `sum = Σ g²`; Adam keeps `nu` (second moment) and, when β₁ > 0, `mu` (first).
 * SGD and `none` keep nothing.
 */
export type GraftingState = Record<string, tf.Tensor>;

/** The tensors the grafted method keeps per parameter. */
export function graftingKeys(settings: GraftingSettings): readonly string[] {
  switch (settings.method) {
    case 'adagrad':
      return ['sum'];
    case 'adam':
      return settings.beta1 > 0 ? ['mu', 'nu'] : ['nu'];
    default:
      return [];
  }
}

/** Zero state for a parameter of `shape`. */
export function initGrafting(settings: GraftingSettings, shape: readonly number[]): GraftingState {
  return Object.fromEntries(graftingKeys(settings).map((k) => [k, tf.zeros([...shape])]));
}

/**
 * Fold the gradient `g` into the state (new tensors; the caller disposes the old state):
 * Adagrad `sum ← sum + g²`; Adam `mu ← β₁mu + (1−β₁)g`, `nu ← β₂nu + (1−β₂)g²`
 * (Kingma & Ba 2015, Algorithm 1).
 */
export function updateGrafting(settings: GraftingSettings, state: GraftingState, g: tf.Tensor): GraftingState {
  return tf.tidy((): GraftingState => {
    switch (settings.method) {
      case 'adagrad':
        return { sum: tf.add(state.sum!, tf.square(g)) };
      case 'adam': {
        const { beta1, beta2 } = settings;
        const nu = tf.add(tf.mul(state.nu!, beta2), tf.mul(tf.square(g), 1 - beta2));
        return beta1 > 0 ? { mu: tf.add(tf.mul(state.mu!, beta1), tf.mul(g, 1 - beta1)), nu } : { nu };
      }
      default:
        return {};
    }
  });
}

/**
 * The grafted method's direction for gradient `g` after `count` state updates (call inside
 * `tf.tidy`): SGD `g`; Adagrad `g / (√sum + ε)`; Adam `m̂ / (√v̂ + ε)` with `m̂ = mu/(1−β₁ᵗ)`
 * (`g` itself when β₁ = 0) and `v̂ = nu/(1−β₂ᵗ)`. `null` for `none`. The returned tensor may be
 * `g` itself.
 */
export function graftingDirection(settings: GraftingSettings, state: GraftingState, g: tf.Tensor, count: number): tf.Tensor | null {
  switch (settings.method) {
    case 'sgd':
      return g;
    case 'adagrad':
      return tf.div(g, tf.add(tf.sqrt(state.sum!), settings.epsilon));
    case 'adam': {
      // Bias corrections in float64: the powers keep their precision over long runs. With no update
      // yet (count 0) there is nothing to correct and the moments are zero.
      const t = Math.max(count, 1);
      const correction2 = 1 - Math.pow(settings.beta2, t);
      const m = settings.beta1 > 0 ? tf.div(state.mu!, 1 - Math.pow(settings.beta1, t)) : g;
      return tf.div(m, tf.add(tf.sqrt(tf.div(state.nu!, correction2)), settings.epsilon));
    }
    default:
      return null;
  }
}

/** The grafting state as a `State` record (the live tensors). */
export function graftingToState(state: GraftingState): State {
  return { ...state };
}

/** Check and take over a saved grafting state for a parameter of `shape`. */
export function graftingFromState(settings: GraftingSettings, saved: unknown, shape: readonly number[], where: string): GraftingState {
  const expected = graftingKeys(settings);
  const record = (saved ?? {}) as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length !== expected.length || !expected.every((k) => keys.includes(k))) {
    throw new Error(
      `${where}: grafting '${settings.method}' keeps [${expected.join(', ')}], the saved state holds [${keys.join(', ')}]; the checkpoint was written with other grafting options`,
    );
  }
  const out: GraftingState = {};
  for (const k of expected) {
    const t = record[k];
    if (!(t instanceof tf.Tensor) || t.shape.join('x') !== shape.join('x')) {
      throw new Error(`${where}.${k}: expected a float32 tensor of shape [${shape}], got ${t instanceof tf.Tensor ? `[${t.shape}]` : typeof t}`);
    }
    out[k] = t;
  }
  return out;
}
