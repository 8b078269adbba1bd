import * as tf from '@tensorflow/tfjs-core';
import {
  scheduleValue,
  type NamedParameter,
  type Optimizer,
  type OptimizerInfo,
  type ScheduleOrNumber,
  type State,
  type StepContext,
  type StepResult,
} from '@precond/core';
import { adaptDamping, dampingValue, initialAdaptiveDamping, isAdaptive } from './damping.js';
import type { CgOptions, DampingOption, LineSearchOptions, SolverName } from './options.js';
import { outputHessianScale } from './output-hessian.js';
import { planSolver } from './solvers/plan-solver.js';
import { solveGaussNewtonSystem } from './solvers/solve.js';
import type { GaussNewtonSolution } from './solvers/system.js';

/** What a Gauss-Newton-type optimizer is built from (the validated options of lm, ggn or gn). */
export interface GaussNewtonConfig {
  /** Damping μ (lm, ggn), or null for the truncated pseudo-inverse (gn). */
  readonly mu: DampingOption | null;
  /** Relative pseudo-inverse cutoff ε (gn), or null for a damped solve. */
  readonly epsilon: number | null;
  readonly lr: ScheduleOrNumber;
  readonly solver: SolverName;
  readonly cg: CgOptions;
  readonly memoryBudgetMiB: number;
  readonly lineSearch: LineSearchOptions | null;
  /** Where the plugin sits (`optimizer`, `optimizer.first`): error messages name `<slot>.<option>`. */
  readonly slot: string;
}

/** `θ − η d` for every parameter. Caller owns the result. */
function trialValues(params: readonly NamedParameter[], direction: readonly tf.Tensor[], eta: number): tf.Tensor[] {
  return tf.tidy(() => params.map((p, i) => tf.sub(p.variable, tf.mul(direction[i]!, eta))));
}

/** The outcome of choosing η (line search) and judging the trial (adaptive damping). */
interface StepDecision {
  readonly eta: number;
  readonly accepted: boolean;
  /** The parameter values to take when accepted (the last trial), or null to compute `θ − ηd`. */
  readonly values: tf.Tensor[] | null;
  readonly info: OptimizerInfo;
  readonly nextMu: number | null;
}

/**
 * The optimizer behind `lm`, `ggn` and `gn`: one step is
 *
 *   d = (μI + JᵀHJ)⁻¹ Jᵀ g   (lm, ggn)      d = (JᵀHJ)† Jᵀ g   (gn, relative cutoff ε)
 *   θ ← θ − η d
 *
 * for the summed loss `S = Σ_i ℓ_i` (`g_i = ∂ℓ_i/∂f_i`, H the per-sample output Hessian; see
 * `GaussNewtonSystem`). The runner's loss is the mean `L = S/n`, so `−ηd` changes L at rate
 * `−η bᵀd / n` with `b = Jᵀg`. With adaptive damping each step is a trial judged by the gain ratio
 * `ρ = (L(θ) − L(θ − ηd)) / ((η bᵀd − ½η² dᵀJᵀHJd)/n)`; with a line search η backtracks until
 * Armijo's condition holds.
 *
 * State (saved with checkpoints): applied updates (what schedules read), steps taken, skipped and
 * rejected steps, the adaptive μ, and CG's warm start.
 */
export function gaussNewtonOptimizer(config: GaussNewtonConfig): Optimizer {
  let params: readonly NamedParameter[] = [];
  let count = 0;
  let steps = 0;
  let skipped = 0;
  let rejected = 0;
  let adaptiveMu: number | null = config.mu === null ? null : initialAdaptiveDamping(config.mu);
  let warm: tf.Tensor[] = [];

  const keepWarmStart = (direction: readonly tf.Tensor[]) => {
    tf.dispose(warm);
    warm = direction.map((d) => tf.clone(d));
  };

  async function decide(ctx: StepContext, loss: number, samples: number, solution: GaussNewtonSolution, mu: number | null): Promise<StepDecision> {
    const eta0 = scheduleValue(config.lr, count);
    const adaptive = config.mu !== null && isAdaptive(config.mu) ? config.mu : null;
    const info: OptimizerInfo = {};
    // ∇L·d for the mean loss L = S/n (see above).
    const slopeMean = solution.slope / samples;
    let eta = eta0;
    let values: tf.Tensor[] | null = null;
    let trialLoss = Number.NaN;
    if (config.lineSearch) {
      const { shrink, maxTrials, armijo } = config.lineSearch;
      let armijoHeld = false;
      let trials = 0;
      for (;;) {
        values = trialValues(ctx.params, solution.direction, eta);
        trialLoss = await ctx.lossAt(values);
        trials++;
        // Armijo (Nocedal & Wright eq. 3.4): sufficient decrease along the descent direction −d.
        if (trialLoss <= loss - armijo * eta * slopeMean) {
          armijoHeld = true;
          break;
        }
        if (trials >= maxTrials) break;
        tf.dispose(values);
        values = null;
        eta *= shrink;
      }
      info.line_search_trials = trials;
      // Without sufficient decrease after maxTrials, the shortest trial is still taken if it lowers the loss.
      if (!armijoHeld && !adaptive && !(trialLoss < loss)) {
        tf.dispose(values!);
        return { eta, accepted: false, values: null, info, nextMu: adaptiveMu };
      }
    } else if (adaptive) {
      values = trialValues(ctx.params, solution.direction, eta);
      trialLoss = await ctx.lossAt(values);
    }
    if (!adaptive) return { eta, accepted: true, values, info, nextMu: adaptiveMu };

    // Gain ratio of the Gauss-Newton model m(s) = S + bᵀs + ½ sᵀ(JᵀHJ)s at s = −ηd, per sample.
    const predicted = (eta * solution.slope - 0.5 * eta * eta * solution.curvature) / samples;
    const actual = loss - trialLoss;
    const rho = predicted > 0 ? actual / predicted : Number.NEGATIVE_INFINITY;
    const decision = adaptDamping(adaptive, mu!, rho, Number.isFinite(trialLoss) && trialLoss < loss);
    info.rho = rho;
    if (!decision.accepted) {
      tf.dispose(values!);
      return { eta, accepted: false, values: null, info, nextMu: decision.mu };
    }
    return { eta, accepted: true, values, info, nextMu: decision.mu };
  }

  return {
    init(p) {
      params = p;
      count = 0;
      steps = 0;
      skipped = 0;
      rejected = 0;
      adaptiveMu = config.mu === null ? null : initialAdaptiveDamping(config.mu);
      tf.dispose(warm);
      warm = [];
    },

    async step(ctx: StepContext): Promise<StepResult> {
      const curvature = ctx.curvature();
      const outputs = curvature.outputs();
      const targets = ctx.batch.y;
      const outputGradient = tf.tidy(() => ctx.loss.outputGradient(outputs, targets));
      try {
        // One read for the loss before the step and whether g is finite (a NaN target, say).
        const check = tf.tidy(() => tf.stack([ctx.loss.value(outputs, targets), tf.cast(tf.all(tf.isFinite(outputGradient)), 'float32')]));
        const [loss, finite] = await check.data();
        check.dispose();
        steps++;
        if (finite !== 1 || !Number.isFinite(loss!)) {
          // Skip (parameters and state unchanged); the runner's guard stops a run whose loss is NaN.
          skipped++;
          return { loss: loss!, info: { skipped_steps: skipped } };
        }
        const [samples, outputsPerSample] = outputs.shape;
        const mu = config.mu === null ? null : dampingValue(config.mu, count, adaptiveMu);
        const hessianScale = outputHessianScale(ctx.loss, outputs, targets);
        const parameterCount = params.reduce((s, p) => s + p.variable.size, 0);
        const solver = planSolver(
          config.solver,
          { samples, outputs: outputsPerSample, parameters: parameterCount, scalarHessian: hessianScale !== null, pseudoInverse: config.epsilon !== null },
          config.memoryBudgetMiB,
          config.slot,
        );
        const solution = await solveGaussNewtonSystem(solver, {
          curvature,
          loss: ctx.loss,
          targets,
          outputGradient,
          hessianScale,
          shapes: params.map((p) => p.variable.shape),
          damping: mu ?? 0,
          pseudoInverseCutoff: config.epsilon,
          cg: config.cg,
          warmStart: warm.length > 0 ? warm : null,
        });
        try {
          if (solver === 'cg' && config.cg.warmStart) keepWarmStart(solution.direction);
          const decision = await decide(ctx, loss!, samples, solution, mu);
          if (decision.accepted) {
            const values = decision.values ?? trialValues(ctx.params, solution.direction, decision.eta);
            params.forEach((p, i) => p.variable.assign(values[i]!));
            tf.dispose(values);
            count++;
          } else {
            rejected++;
          }
          adaptiveMu = decision.nextMu;
          const info: OptimizerInfo = { solver, lr: decision.eta };
          if (mu !== null) info.mu = mu;
          Object.assign(info, solution.info, decision.info);
          if (config.lineSearch || (config.mu !== null && isAdaptive(config.mu))) info.accepted = decision.accepted ? 1 : 0;
          if (rejected > 0) info.rejected_steps = rejected;
          if (skipped > 0) info.skipped_steps = skipped;
          return { loss: loss!, info };
        } finally {
          tf.dispose(solution.direction);
        }
      } finally {
        outputGradient.dispose();
      }
    },

    getState: (): State => ({ count, steps, skipped, rejected, mu: adaptiveMu, warm }),

    setState(s: State) {
      tf.dispose(warm);
      count = s.count as number;
      steps = s.steps as number;
      skipped = s.skipped as number;
      rejected = s.rejected as number;
      adaptiveMu = s.mu as number | null;
      warm = [...((s.warm as tf.Tensor[] | undefined) ?? [])];
    },

    dispose() {
      tf.dispose(warm);
      warm = [];
    },
  };
}
