import * as tf from '@tensorflow/tfjs-core';
import type { Metrics, NamedParameter, Preconditioner, State, StepContext } from '@precond/core';
import { deviceEngine } from './device-engine.js';
import { graftingDirection, graftingFromState, graftingToState, initGrafting, updateGrafting, type GraftingSettings, type GraftingState } from './grafting.js';
import { hostEngine } from './host-engine.js';
import type { RootSettings } from './inverse-root.js';
import { parameterLayout, type ParameterLayout } from './layout.js';
import { GRAFT_NORM_FLOOR, sideLabel, type BlockSnapshot, type MatrixEngine, type MatrixParameter } from './matrix-engine.js';
import { checkSavedFactors } from './saved-matrix.js';
import { parseShampooOptions, type ShampooOptions, type ShampooOptionsInput } from './options.js';

/**
 * Backends on which `placement: 'auto'` computes on the host. Only the pure-JavaScript cpu backend:
 * there tfjs's matMul runs at about 1 GFLOP/s and linalg's float64 kernels are far faster (the
 * README's profile of the 784-250-10 MLP: 0.13 s of Shampoo's time per step against 1.25 s with
 * device placement). On wasm, tfjs's XNNPACK
 * float32 matMul is a little faster than linalg's float64 one, and on GPU backends reading every
 * gradient back would stall the device, so they keep everything on the device.
 */
export const HOST_PLACEMENT_BACKENDS: readonly string[] = ['cpu'];

/** Version tag of the saved state. */
export const SHAMPOO_STATE_FORMAT = 'shampoo/1';

interface Entry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly layout: ParameterLayout;
  /** Index among the matrix parameters (the engine's numbering); -1 for vectors. */
  readonly matrixIndex: number;
  /** Diagonal statistics `Σ g²` of a vector under the diagonal rule; null otherwise. */
  diag: tf.Tensor | null;
  graft: GraftingState;
}

/** The Shampoo preconditioner, with read access to its statistics for diagnostics and tests. */
export interface ShampooPreconditioner extends Preconditioner {
  /** The validated options. */
  readonly options: ShampooOptions;
  /** `host` or `device` (`auto` resolved at `init` from the backend). */
  readonly placement: 'host' | 'device';
  /** Updates taken (steps whose gradients were finite). */
  readonly count: number;
  /** Root updates taken (each recomputes every factor's root). */
  readonly rootUpdates: number;
  /** The layout (matrix blocks or vector) of each parameter, in model order. */
  layouts(): readonly ParameterLayout[];
  /** Float64 copies of a matrix parameter's statistics and roots, block by block (reads are awaited). */
  inspect(name: string): Promise<BlockSnapshot[]>;
  /** The message of the latest rejected root, or null. */
  readonly lastRootFailure: string | null;
}

function resolvePlacement(placement: ShampooOptions['placement']): 'host' | 'device' {
  if (placement !== 'auto') return placement;
  return HOST_PLACEMENT_BACKENDS.includes(tf.getBackend()) ? 'host' : 'device';
}

/** The engine's view of a matrix entry. */
function matrixParameter(e: Entry): MatrixParameter {
  const l = e.layout;
  if (l.kind !== 'matrix') throw new Error(`shampoo: '${e.name}' is not a matrix parameter`);
  return { name: e.name, rows: l.rows, cols: l.cols, rowSplits: l.rowSplits, colSplits: l.colSplits, blocks: l.blocks };
}

function integerAt(state: State, key: string, where: string): number {
  const v = state[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${where}.${key}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Shampoo (Gupta, Koren & Singer 2018; Anil et al. 2020) as a preconditioner. For a matrix
 * parameter with gradient `G` (each block, when blocked):
 *
 *   L ← β₂L + (1−β₂) G Gᵀ,  R ← β₂R + (1−β₂) Gᵀ G   (the sums when β₂ = 1),
 *   D = (L̂ + εI)^{-1/p} G (R̂ + εI)^{-1/p},  L̂ = L/(1−β₂ᵗ), R̂ = R/(1−β₂ᵗ),
 *
 * with the roots recomputed every `preconditionerUpdateEvery` updates from `startStep` on, and `D`
 * rescaled to the norm of the grafted method's direction block by block. See the README for the
 * vector rule, blocking and the failure policy.
 *
 * @example
 * const p = createShampoo({ graft: 'adam', preconditionerUpdateEvery: 10 });
 * p.init(model.params); await p.update(ctx); const d = p.apply(grads);
 */
export function createShampoo(input: ShampooOptionsInput | ShampooOptions = {}): ShampooPreconditioner {
  const options = parseShampooOptions(input);
  const graftSettings: GraftingSettings = {
    method: options.graft,
    beta1: options.graftBeta1,
    beta2: options.graftBeta2,
    epsilon: options.graftEpsilon,
  };
  const rootSettings: RootSettings = {
    method: options.rootMethod,
    exponent: options.exponent,
    epsilon: options.epsilon,
    maxResidual: options.maxRootResidual,
    newtonTolerance: options.newtonTolerance,
    newtonMaxIterations: options.newtonMaxIterations,
  };

  let engine: MatrixEngine | null = null;
  let entries: Entry[] = [];
  let count = 0;
  let rootUpdates = 0;
  let rootFailures = 0;
  let skippedUpdates = 0;
  let lastFailure: string | null = null;

  const disposeEntries = () => {
    for (const e of entries) {
      e.diag?.dispose();
      tf.dispose(Object.values(e.graft));
    }
    entries = [];
  };
  const requireEngine = (what: string): MatrixEngine => {
    if (!engine) throw new Error(`shampoo: ${what} before init(params); the optimizer calls init once before the first step`);
    return engine;
  };
  /** Bias correction of exponentially decayed statistics after `count` updates (Kingma & Ba 2015, §3). */
  const correction = () => (options.beta2 < 1 ? 1 - Math.pow(options.beta2, count) : 1);
  const preconditioning = () => count >= options.startStep;

  const diagnostics = (): Metrics => {
    const out: Metrics = { 'shampoo.root_failures': rootFailures };
    let worst = -1;
    for (const e of entries) {
      if (e.matrixIndex < 0) continue;
      for (const r of engine!.residuals(e.matrixIndex)) if (r !== null && r > worst) worst = r;
    }
    if (worst >= 0) out['shampoo.root_residual'] = worst;
    if (skippedUpdates > 0) out['shampoo.skipped_updates'] = skippedUpdates;
    return out;
  };

  /** `d` rescaled to the norm of `reference` (Distributed Shampoo's grafting: `d·‖ref‖/(‖d‖ + 1e-16)`). */
  const graftNorm = (d: tf.Tensor, reference: tf.Tensor): tf.Tensor => tf.mul(d, tf.div(tf.norm(reference), tf.add(tf.norm(d), GRAFT_NORM_FLOOR)));

  /** The direction for parameter `i` (inside `tf.tidy`; may return `g` itself, which the caller copies). */
  const direction = (e: Entry, g: tf.Tensor): tf.Tensor => {
    const graftedOf = () => graftingDirection(graftSettings, e.graft, g, count);
    const layout = e.layout;
    if (!preconditioning() || (layout.kind === 'vector' && !e.diag)) return graftedOf() ?? g;
    if (layout.kind === 'vector') {
      // Diagonal Shampoo, the order-1 case of the 1/(2k) rule: (v̂ + ε)^{-1/2} ⊙ g, v̂ = v/(1−β₂ᵗ).
      const d = tf.div(g, tf.sqrt(tf.add(tf.div(e.diag!, correction()), options.epsilon)));
      const grafted = graftedOf();
      return grafted ? graftNorm(d, grafted) : d;
    }
    if (layout.blocks.length === 0) return g;
    // The host placement read the grafted direction in update and does not make it again.
    return requireEngine('apply').direction(e.matrixIndex, g, graftedOf);
  };

  const self: ShampooPreconditioner = {
    options,
    get placement() {
      return engine?.placement ?? resolvePlacement(options.placement);
    },
    get count() {
      return count;
    },
    get rootUpdates() {
      return rootUpdates;
    },
    get lastRootFailure() {
      return lastFailure;
    },
    layouts: () => entries.map((e) => e.layout),
    async inspect(name) {
      const e = entries.find((x) => x.name === name);
      if (!e || e.matrixIndex < 0) {
        const matrices = entries.filter((x) => x.matrixIndex >= 0).map((x) => x.name);
        throw new Error(`shampoo.inspect: '${name}' is not a matrix parameter here; matrix parameters: ${matrices.join(', ') || '(none)'}`);
      }
      return requireEngine('inspect').inspect(e.matrixIndex);
    },

    init(params: readonly NamedParameter[]) {
      disposeEntries();
      engine?.dispose();
      engine = resolvePlacement(options.placement) === 'host' ? hostEngine() : deviceEngine();
      let matrices = 0;
      entries = params.map(({ name, variable }) => {
        const layout = parameterLayout(variable.shape, options.maxPreconditionerDim);
        const vectorDiag = layout.kind === 'vector' && options.vectors === 'diagonal';
        return {
          name,
          shape: variable.shape,
          layout,
          matrixIndex: layout.kind === 'matrix' ? matrices++ : -1,
          diag: vectorDiag ? tf.zeros(variable.shape) : null,
          graft: initGrafting(graftSettings, variable.shape),
        };
      });
      engine.init(entries.filter((e) => e.matrixIndex >= 0).map(matrixParameter));
      count = 0;
      rootUpdates = 0;
      rootFailures = 0;
      skippedUpdates = 0;
      lastFailure = null;
    },

    async update(ctx: StepContext): Promise<Metrics> {
      const eng = requireEngine('update');
      const { grads } = ctx.valueAndGrads();
      if (grads.length !== entries.length) {
        throw new Error(`shampoo.update: got ${grads.length} gradients for ${entries.length} parameters; init was called with another model`);
      }
      // An update whose gradients hold NaN or Inf would poison the sums for good: it changes nothing.
      let finite = true;
      if (grads.length > 0) {
        const check = tf.tidy(() => tf.all(tf.stack(grads.map((g) => tf.all(tf.isFinite(g))))));
        finite = (await check.data())[0] === 1;
        check.dispose();
      }
      if (!finite) {
        skippedUpdates++;
        return diagnostics();
      }
      eng.beginUpdate();
      count++;
      const beta2 = options.beta2;
      for (const [i, e] of entries.entries()) {
        const g = grads[i]!;
        if (e.matrixIndex >= 0) await eng.accumulate(e.matrixIndex, g, beta2);
        else if (e.diag) {
          const old = e.diag;
          e.diag = tf.tidy(() => (beta2 === 1 ? tf.add(old, tf.square(g)) : tf.add(tf.mul(old, beta2), tf.mul(tf.square(g), 1 - beta2))));
          old.dispose();
        }
        const oldGraft = e.graft;
        e.graft = updateGrafting(graftSettings, oldGraft, g);
        tf.dispose(Object.values(oldGraft));
      }
      if (preconditioning() && (count - options.startStep) % options.preconditionerUpdateEvery === 0) {
        rootUpdates++;
        const c = correction();
        for (const e of entries) {
          if (e.matrixIndex < 0) continue;
          for (const report of await eng.computeRoots(e.matrixIndex, c, rootSettings)) {
            if (report.failure === undefined) continue;
            rootFailures++;
            lastFailure = `update ${count}: ${e.name} block ${report.block} ${sideLabel(report.side)}: ${report.failure}`;
          }
        }
      }
      // What apply will multiply: the host placement reads it now, awaited (apply is synchronous
      // and GPU backends cannot read synchronously in Node). The device placement reads nothing.
      if (preconditioning() && eng.placement === 'host') {
        for (const [i, e] of entries.entries()) {
          if (e.matrixIndex < 0 || e.layout.kind !== 'matrix' || e.layout.blocks.length === 0) continue;
          const g = grads[i]!;
          // SGD grafting's direction is g itself and `none` has none: only Adagrad and Adam make one.
          const ownDirection = graftSettings.method === 'adagrad' || graftSettings.method === 'adam';
          const grafted = ownDirection ? tf.tidy(() => graftingDirection(graftSettings, e.graft, g, count)!) : graftingDirection(graftSettings, e.graft, g, count);
          try {
            await eng.prepareDirection(e.matrixIndex, g, grafted);
          } finally {
            if (grafted !== null && grafted !== g) grafted.dispose();
          }
        }
      }
      return diagnostics();
    },

    apply(grads: readonly tf.Tensor[]): tf.Tensor[] {
      requireEngine('apply');
      if (grads.length !== entries.length) {
        throw new Error(`shampoo.apply: got ${grads.length} gradients for ${entries.length} parameters; init was called with another model`);
      }
      return grads.map((g, i) =>
        tf.tidy(() => {
          const d = direction(entries[i]!, g);
          // The caller owns `g` and disposes what apply returns: never hand back `g` itself.
          return d === g ? tf.clone(g) : d;
        }),
      );
    },

    getState(): State {
      const eng = requireEngine('getState');
      return {
        format: SHAMPOO_STATE_FORMAT,
        placement: eng.placement,
        count,
        rootUpdates,
        rootFailures,
        skippedUpdates,
        lastRootFailure: lastFailure,
        params: entries.map((e) => ({
          name: e.name,
          ...(e.matrixIndex >= 0 ? { factors: eng.toState(e.matrixIndex) } : { diag: e.diag }),
          graft: graftingToState(e.graft),
        })),
      };
    },

    setState(state: State) {
      const eng = requireEngine('setState');
      const where = 'shampoo state';
      if (state.format !== SHAMPOO_STATE_FORMAT) {
        throw new Error(`${where}: format is ${JSON.stringify(state.format)}, expected '${SHAMPOO_STATE_FORMAT}'; the checkpoint was not written by this preconditioner`);
      }
      const saved = state.params;
      if (!Array.isArray(saved) || saved.length !== entries.length) {
        throw new Error(`${where}.params: the model has ${entries.length} parameters, the checkpoint ${Array.isArray(saved) ? saved.length : 'none'}`);
      }
      const counters = {
        count: integerAt(state, 'count', where),
        rootUpdates: integerAt(state, 'rootUpdates', where),
        rootFailures: integerAt(state, 'rootFailures', where),
        skippedUpdates: integerAt(state, 'skippedUpdates', where),
      };
      const failure = state.lastRootFailure;
      if (failure !== null && typeof failure !== 'string') throw new Error(`${where}.lastRootFailure: expected a string or null, got ${JSON.stringify(failure)}`);
      // Check every part before taking any over, so a checkpoint of another model or other options
      // leaves this preconditioner as it was.
      const checked = entries.map((e, i) => {
        const s = saved[i] as State;
        const at = `${where}.params[${i}]`;
        if (s?.name !== e.name) throw new Error(`${at}: the checkpoint holds '${String(s?.name)}' where the model has '${e.name}'`);
        if (e.matrixIndex >= 0) {
          if (!s.factors) throw new Error(`${at}: '${e.name}' is a matrix here, the checkpoint has no factors for it`);
          checkSavedFactors(s.factors, matrixParameter(e), `${at}.factors`);
        } else {
          const diag = s.diag ?? null;
          if (e.diag === null ? diag !== null : !(diag instanceof tf.Tensor && diag.shape.join('x') === e.shape.join('x'))) {
            throw new Error(`${at}.diag: expected ${e.diag ? `a float32 tensor of shape [${e.shape}]` : 'null (vectors: graft)'}, the checkpoint was written with other options`);
          }
        }
        return { s, at, graft: graftingFromState(graftSettings, s.graft, e.shape, `${at}.graft`) };
      });
      entries.forEach((e, i) => {
        const { s, at, graft } = checked[i]!;
        if (e.matrixIndex >= 0) eng.fromState(e.matrixIndex, s.factors as State, `${at}.factors`);
        else {
          const diag = (s.diag ?? null) as tf.Tensor | null;
          if (e.diag && e.diag !== diag) e.diag.dispose();
          e.diag = diag;
        }
        for (const [k, t] of Object.entries(e.graft)) if (graft[k] !== t) t.dispose();
        e.graft = graft;
      });
      ({ count, rootUpdates, rootFailures, skippedUpdates } = counters);
      lastFailure = failure;
    },

    dispose() {
      disposeEntries();
      engine?.dispose();
      engine = null;
    },
  };
  return self;
}
