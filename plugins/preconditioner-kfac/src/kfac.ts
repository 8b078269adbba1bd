import * as tf from '@tensorflow/tfjs-core';
import type { Metrics, NamedParameter, Preconditioner, State, StateValue, StepContext } from '@precond/core';
import { isSequentialModel } from '@precond/nn';
import { gainRatio, modelOptimalStep, nextDamping } from './adaptive-damping.js';
import { applyDense, applyDiagonal, applyEmbedding, deviceInverses, type DeviceInverses } from './apply-block.js';
import { factoredDamping, meanDiagonal, meanOf } from './damping.js';
import { HostArray } from './float64-codec.js';
import { productsOnHost } from './placement.js';
import { dampedDiagonalInverse, dampedInverse, finite, type InverseFailure, type InverseResult } from './inverse.js';
import type { FallbackRule, KfacOptions } from './options.js';
import { planFromLayers, planFromStatistics, type BlockPlan, type DenseBlockPlan, type EmbeddingBlockPlan, type Plan, type PlanSource } from './plan.js';
import { captureStatistics, contractStatistics, disposeStatistics, onDevice, type BatchStatistics, type DeviceBatchFactors } from './statistics.js';

/** Tag of the saved state's layout; `setState` refuses any other. */
export const KFAC_STATE_FORMAT = 'precond-kfac/1';

/** What `inspect()` reports about one block (copies; changing them changes nothing). */
export interface KfacBlockInfo {
  readonly kind: BlockPlan['kind'];
  readonly layer: string | null;
  readonly params: readonly string[];
  /** Fallback entries: the rule applied and why the parameter has no Kronecker block. */
  readonly rule?: FallbackRule;
  readonly reason?: string;
  /** Factor updates absorbed into the moving average (0: none yet). */
  readonly factorUpdates: number;
  /** Kronecker blocks: the averaged factors (embedding `a` is the diagonal), or null before the first. */
  readonly factors?: { readonly a: Float64Array; readonly g: Float64Array } | null;
  /** Kronecker blocks: the damped inverses in use, or null (the gradient passes unchanged). */
  readonly inverses?: { readonly a: Float64Array; readonly g: Float64Array } | null;
}

export interface KfacInspection {
  /** How the blocks were found (null before the first update). */
  readonly source: PlanSource | null;
  /** The damping λ in use. */
  readonly damping: number;
  readonly updates: number;
  readonly factorUpdates: number;
  readonly inverseUpdates: number;
  /** Block updates refused so far (statistics or inverses), the `kfac.inverse_failures` metric. */
  readonly inverseFailures: number;
  readonly blocks: readonly KfacBlockInfo[];
}

/** The K-FAC preconditioner; besides core's contract it can be inspected (tests, notebooks). */
export interface KfacPreconditioner extends Preconditioner {
  /** The blocks, their factors and inverses, counters and damping. */
  /** Copies of the schedule, factors and inverses (device factors not yet folded in are read, awaited). */
  inspect(): Promise<KfacInspection>;
}

/**
 * Factor updates not yet folded into the float64 averages: on device backends the moving average
 * runs on the device in float32 between two inverse updates, and the factors in force are
 * `weight·(host average) + pending` (weight 0: the pending part is the whole factor), formed in
 * float64 when the inverses are next computed.
 */
interface PendingFactors {
  readonly a: tf.Tensor;
  readonly g: tf.Tensor;
  readonly weight: number;
}

/** Live state of a Kronecker block. */
interface KroneckerBlock {
  readonly plan: DenseBlockPlan | EmbeddingBlockPlan;
  count: number;
  a: HostArray | null;
  g: HostArray | null;
  pending: PendingFactors | null;
  inverseA: HostArray | null;
  inverseG: HostArray | null;
  device: DeviceInverses | null;
}

/** Live state of a fallback entry: the moving average of `g ⊙ g` for the `diagonal` rule. */
interface FallbackBlock {
  readonly plan: BlockPlan & { kind: 'fallback' };
  count: number;
  second: tf.Tensor | null;
}

type Block = KroneckerBlock | FallbackBlock;

const isKronecker = (b: Block): b is KroneckerBlock => b.plan.kind !== 'fallback';

/** `A`'s side length: `in + 1` with a bias; an embedding's A is a diagonal of `vocab` entries. */
function dimA(plan: DenseBlockPlan | EmbeddingBlockPlan): number {
  return plan.kind === 'dense' ? plan.inputSize + (plan.bias === null ? 0 : 1) : plan.vocabSize;
}

function dimG(plan: DenseBlockPlan | EmbeddingBlockPlan): number {
  return plan.kind === 'dense' ? plan.outputSize : plan.dim;
}

function shapeA(plan: DenseBlockPlan | EmbeddingBlockPlan): number[] {
  const d = dimA(plan);
  return plan.kind === 'dense' ? [d, d] : [d];
}

/**
 * K-FAC (Martens & Grosse 2015): per layer, the Fisher/GGN block of the mean loss is approximated
 * by `A ⊗ G` (`A = E[ã ãᵀ]` over the layer's inputs with a ones column for the bias,
 * `G = E[g gᵀ]` over its per-sample pre-activation gradients), averaged over steps, damped by
 * π-adjusted factored Tikhonov damping and inverted in float64; `apply` returns
 * `(A + π√λ I)⁻¹ ∇W (G + √λ/π I)⁻¹` per block. See the README for the schedule, estimation
 * modes, failure policy and fallbacks.
 */
export function kfacPreconditioner(options: KfacOptions): KfacPreconditioner {
  return new Kfac(options);
}

class Kfac implements KfacPreconditioner {
  private params: readonly NamedParameter[] = [];
  private plan: Plan | null = null;
  private blocks: Block[] = [];
  private updates = 0;
  private factorUpdates = 0;
  private inverseUpdates = 0;
  private inverseFailures = 0;
  private damping: number;
  /** α* of the last update (`adaptiveDamping`), 1 otherwise: `apply` returns `scale · d`. */
  private scale = 1;

  constructor(private readonly options: KfacOptions) {
    this.damping = options.damping;
  }

  init(params: readonly NamedParameter[]): void {
    this.freeAll();
    this.params = params;
    this.plan = null;
    this.blocks = [];
    this.updates = this.factorUpdates = this.inverseUpdates = this.inverseFailures = 0;
    this.damping = this.options.damping;
    this.scale = 1;
  }

  async update(ctx: StepContext): Promise<Metrics> {
    this.checkParams(ctx.params);
    const metrics: Record<string, number> = {};
    if (!this.plan) {
      this.setPlan(this.makePlan(ctx));
      this.reportPlan(metrics);
    }
    this.updates++;
    const u = this.updates;
    const { burnIn, factorUpdateEvery, inverseUpdateEvery, adaptiveDamping } = this.options;
    const failures: Record<string, number> = {};
    if ((u - 1) % factorUpdateEvery === 0) await this.updateFactors(ctx, failures);
    if (u > burnIn && (u - 1 - burnIn) % inverseUpdateEvery === 0) await this.updateInverses(failures, metrics);
    this.scale = 1;
    if (adaptiveDamping && u > burnIn) {
      // M&G §6.4-6.5 (adaptive-damping.ts): scale the direction by the quadratic model's α*, and
      // every `every` updates test that step and adapt λ.
      const direction = this.rawApply(ctx.valueAndGrads().grads);
      try {
        const model = await modelOptimalStep(ctx, direction, this.damping);
        if (model) {
          this.scale = model.alpha;
          metrics['kfac.step_scale'] = model.alpha;
          if ((u - burnIn) % adaptiveDamping.every === 0) {
            const test = await gainRatio(ctx, direction, model);
            metrics['kfac.rho'] = test.rho;
            this.damping = nextDamping(test.rho, this.damping, adaptiveDamping);
          }
        }
      } finally {
        tf.dispose(direction);
      }
    }
    const failed = Object.keys(failures).length;
    if (failed > 0) {
      metrics['kfac.warning'] = failed;
      for (const key of Object.keys(failures)) metrics[key] = 1;
    }
    if (u <= burnIn) metrics['kfac.burn_in'] = 1;
    metrics['kfac.damping'] = this.damping;
    metrics['kfac.inverse_failures'] = this.inverseFailures;
    return metrics;
  }

  apply(grads: readonly tf.Tensor[]): tf.Tensor[] {
    const direction = this.rawApply(grads);
    if (this.scale === 1) return direction;
    const scaled = tf.tidy(() => direction.map((d) => tf.mul(d, this.scale)));
    tf.dispose(direction);
    return scaled;
  }

  /** The K-FAC direction before the step-length scaling of `adaptiveDamping`. */
  private rawApply(grads: readonly tf.Tensor[]): tf.Tensor[] {
    if (grads.length !== this.params.length) {
      throw new RangeError(`kfac.apply: expected ${this.params.length} gradients, one per parameter (${this.params.map((p) => p.name).join(', ')}), got ${grads.length}`);
    }
    const out: (tf.Tensor | undefined)[] = Array.from({ length: grads.length }, () => undefined);
    try {
      const host = productsOnHost();
      for (const block of this.blocks) {
        if (isKronecker(block)) {
          if (!block.inverseA || !block.inverseG) continue;
          const inverses = { a: block.inverseA.values, g: block.inverseG.values };
          const device = host ? null : (block.device ??= deviceInverses(inverses, dimA(block.plan), block.plan.kind === 'embedding', dimG(block.plan)));
          if (block.plan.kind === 'dense') {
            const { kernel, bias } = block.plan;
            const [k, b] = applyDense(block.plan, inverses, device, grads[kernel]!, bias === null ? null : grads[bias]!);
            out[kernel] = k;
            if (bias !== null) out[bias] = b;
          } else {
            out[block.plan.table] = applyEmbedding(block.plan, inverses, device, grads[block.plan.table]!);
          }
        } else if (this.options.fallback === 'diagonal' && block.second) {
          out[block.plan.param] = applyDiagonal(block.second, this.damping, grads[block.plan.param]!);
        }
      }
    } catch (error) {
      tf.dispose(out.filter((t): t is tf.Tensor => t !== undefined));
      throw error;
    }
    // Parameters without an inverse yet (before the first update, during burn-in, after failed
    // inverses with none before) and `identity` fallbacks: the gradient, as a new tensor.
    return out.map((t, i) => t ?? tf.clone(grads[i]!));
  }

  getState(): State {
    const blocks: Record<string, StateValue> = {};
    this.blocks.forEach((b, i) => {
      blocks[String(i)] = isKronecker(b)
        ? {
            count: b.count,
            a: b.a?.tensor() ?? null,
            g: b.g?.tensor() ?? null,
            // Device backends: the float32 part of the averages not yet folded in (see PendingFactors).
            pendingA: b.pending?.a ?? null,
            pendingG: b.pending?.g ?? null,
            pendingWeight: b.pending?.weight ?? null,
            inverseA: b.inverseA?.tensor() ?? null,
            inverseG: b.inverseG?.tensor() ?? null,
          }
        : { count: b.count, second: b.second };
    });
    return {
      format: KFAC_STATE_FORMAT,
      updates: this.updates,
      factorUpdates: this.factorUpdates,
      inverseUpdates: this.inverseUpdates,
      inverseFailures: this.inverseFailures,
      damping: this.damping,
      scale: this.scale,
      plan: this.plan ? (JSON.parse(JSON.stringify(this.plan)) as State) : null,
      blocks,
    };
  }

  setState(state: State): void {
    if (state.format !== KFAC_STATE_FORMAT) {
      throw new Error(`kfac.setState: state format '${String(state.format)}' is not '${KFAC_STATE_FORMAT}'; the checkpoint was not written by this version of @precond/preconditioner-kfac`);
    }
    const before = this.ownedTensors();
    const plan = (state.plan as unknown as Plan | null) ?? null;
    if (plan && this.params.length > 0) {
      const names = new Set(this.params.map((p) => p.name));
      const missing = plan.blocks.flatMap((b) => b.params).filter((n) => !names.has(n));
      if (missing.length > 0) throw new Error(`kfac.setState: the checkpoint's blocks name parameters this model does not have: ${missing.join(', ')}`);
    }
    const saved = (state.blocks ?? {}) as Record<string, State>;
    const blocks: Block[] = (plan?.blocks ?? []).map((p, i): Block => {
      const s = saved[String(i)] ?? {};
      const where = `kfac state blocks.${i}`;
      const adopt = (v: StateValue | undefined, what: string) => (v instanceof tf.Tensor ? HostArray.adopt(v, `${where}.${what}`) : null);
      if (p.kind === 'fallback') return { plan: p, count: (s.count as number) ?? 0, second: s.second instanceof tf.Tensor ? s.second : null };
      return {
        plan: p,
        count: (s.count as number) ?? 0,
        a: adopt(s.a, 'a'),
        g: adopt(s.g, 'g'),
        pending: pendingFromState(s, where),
        inverseA: adopt(s.inverseA, 'inverseA'),
        inverseG: adopt(s.inverseG, 'inverseG'),
        device: null,
      };
    });
    this.plan = plan;
    this.blocks = blocks;
    this.updates = state.updates as number;
    this.factorUpdates = state.factorUpdates as number;
    this.inverseUpdates = state.inverseUpdates as number;
    this.inverseFailures = state.inverseFailures as number;
    this.damping = state.damping as number;
    this.scale = (state.scale as number) ?? 1;
    const kept = new Set(this.ownedTensors());
    tf.dispose(before.filter((t) => !kept.has(t)));
  }

  dispose(): void {
    this.freeAll();
    this.blocks = [];
    this.plan = null;
  }

  async inspect(): Promise<KfacInspection> {
    const copy = (h: HostArray | null) => (h ? Float64Array.from(h.values) : null);
    // Device backends: the part of the averages not yet folded in lives on the device.
    const pending = await Promise.all(
      this.blocks.map(async (b) => (isKronecker(b) && b.pending ? ((await Promise.all([b.pending.a.data(), b.pending.g.data()])) as Float32Array[]) : null)),
    );
    return {
      source: this.plan?.source ?? null,
      damping: this.damping,
      updates: this.updates,
      factorUpdates: this.factorUpdates,
      inverseUpdates: this.inverseUpdates,
      inverseFailures: this.inverseFailures,
      blocks: this.blocks.map((b, i): KfacBlockInfo => {
        const base = { kind: b.plan.kind, layer: b.plan.layer, params: [...b.plan.params], factorUpdates: b.count };
        if (!isKronecker(b)) return { ...base, rule: this.options.fallback, reason: b.plan.reason };
        const read = pending[i];
        const factors = read ? combinedFactors(b, read[0]!, read[1]!) : b.a && b.g ? { a: copy(b.a)!, g: copy(b.g)! } : null;
        return {
          ...base,
          factors,
          inverses: b.inverseA && b.inverseG ? { a: copy(b.inverseA)!, g: copy(b.inverseG)! } : null,
        };
      }),
    };
  }

  private checkParams(params: readonly NamedParameter[]): void {
    if (params.length !== this.params.length || params.some((p, i) => p.name !== this.params[i]!.name)) {
      throw new Error(
        `kfac.update: the step's parameters (${params.map((p) => p.name).join(', ')}) are not the ones K-FAC was initialised with ` +
          `(${this.params.map((p) => p.name).join(', ') || 'none: init was not called'})`,
      );
    }
  }

  private makePlan(ctx: StepContext): Plan {
    if (isSequentialModel(ctx.model)) return planFromLayers(ctx.model, this.params);
    return planFromStatistics(ctx.curvature().layerStatistics(), this.params, this.options.estimation);
  }

  private setPlan(plan: Plan): void {
    this.plan = plan;
    this.blocks = plan.blocks.map((p): Block =>
      p.kind === 'fallback' ? { plan: p, count: 0, second: null } : { plan: p, count: 0, a: null, g: null, pending: null, inverseA: null, inverseG: null, device: null },
    );
  }

  /** The first update says which parameters use the fallback (README, "Fallback"). */
  private reportPlan(metrics: Record<string, number>): void {
    const fallbacks = this.blocks.filter((b) => !isKronecker(b));
    metrics['kfac.blocks'] = this.blocks.length - fallbacks.length;
    metrics['kfac.fallback_params'] = fallbacks.length;
    for (const b of fallbacks) metrics[`kfac.fallback.${b.plan.params[0]}`] = 1;
  }

  private async updateFactors(ctx: StepContext, failures: Record<string, number>): Promise<void> {
    const plan = this.plan!;
    const kronecker = this.blocks.some(isKronecker);
    let statistics: BatchStatistics = new Map();
    if (kronecker) {
      statistics =
        plan.source === 'capture' && isSequentialModel(ctx.model)
          ? await captureStatistics(ctx, ctx.model, plan, this.options.estimation)
          : await contractStatistics(ctx, plan, this.options.estimation);
    }
    const decay = this.options.decay;
    try {
      // One transfer for the finiteness of every device batch.
      const deviceBatches = [...statistics.entries()].filter((e): e is [number, DeviceBatchFactors] => onDevice(e[1]));
      const finiteOnDevice = new Set<number>();
      if (deviceBatches.length > 0) {
        const flags = tf.tidy(() => tf.stack(deviceBatches.map(([, b]) => tf.cast(tf.logicalAnd(tf.all(tf.isFinite(b.a)), tf.all(tf.isFinite(b.g))), 'float32'))));
        const values = await flags.data();
        flags.dispose();
        deviceBatches.forEach(([position], i) => values[i] === 1 && finiteOnDevice.add(position));
      }
      for (const [position, block] of this.blocks.entries()) {
        if (!isKronecker(block)) continue;
        const batch = statistics.get(position);
        if (batch && onDevice(batch)) {
          if (!finiteOnDevice.has(position)) {
            this.fail(failures, block.plan.layer, 'non_finite_statistics');
            continue;
          }
          accumulateOnDevice(block, batch, decay);
          block.count++;
          continue;
        }
        if (!batch || !finite(batch.a) || !finite(batch.g)) {
          this.fail(failures, block.plan.layer, 'non_finite_statistics');
          continue;
        }
        await foldPending(block);
        // Exponential moving average; the first factor update initialises (no zero bias to correct).
        const a = block.count === 0 ? batch.a : blend(block.a!.values, batch.a, decay);
        const g = block.count === 0 ? batch.g : blend(block.g!.values, batch.g, decay);
        replace(block.a);
        replace(block.g);
        block.a = new HostArray(a, shapeA(block.plan));
        block.g = new HostArray(g, [dimG(block.plan), dimG(block.plan)]);
        block.count++;
      }
    } finally {
      disposeStatistics(statistics);
    }
    if (this.options.fallback === 'diagonal') await this.updateDiagonal(ctx, failures);
    this.factorUpdates++;
  }

  /** `D ← g ⊙ g` (first) or `decay·D + (1 − decay)·g ⊙ g` for every `diagonal` fallback entry. */
  private async updateDiagonal(ctx: StepContext, failures: Record<string, number>): Promise<void> {
    const entries = this.blocks.filter((b): b is FallbackBlock => !isKronecker(b));
    if (entries.length === 0) return;
    const { grads } = ctx.valueAndGrads();
    const check = tf.tidy(() => tf.stack(entries.map((b) => tf.cast(tf.all(tf.isFinite(grads[b.plan.param]!)), 'float32'))));
    const ok = await check.data();
    check.dispose();
    const decay = this.options.decay;
    entries.forEach((block, i) => {
      if (ok[i] !== 1) {
        this.fail(failures, block.plan.params[0]!, 'non_finite_statistics');
        return;
      }
      const g = grads[block.plan.param]!;
      const next = tf.keep(
        tf.tidy(() => (block.second && block.count > 0 ? tf.add(tf.mul(block.second, decay), tf.mul(tf.square(g), 1 - decay)) : tf.square(g))),
      );
      block.second?.dispose();
      block.second = next;
      block.count++;
    });
  }

  private async updateInverses(failures: Record<string, number>, metrics: Record<string, number>): Promise<void> {
    const method = this.options.inverse;
    for (const block of this.blocks) {
      if (!isKronecker(block)) continue;
      await foldPending(block);
      if (!block.a || !block.g) continue;
      const p = block.plan;
      const na = dimA(p);
      const ng = dimG(p);
      const a = block.a.values;
      const g = block.g.values;
      const damping = factoredDamping(p.kind === 'dense' ? meanDiagonal(a, na) : meanOf(a), meanDiagonal(g, ng), this.damping);
      const zero = damping.kind === 'zero';
      const ra: InverseResult = p.kind === 'dense' ? dampedInverse(a, na, damping.shiftA, method, zero) : dampedDiagonalInverse(a, damping.shiftA, zero);
      const rg = ra.ok ? dampedInverse(g, ng, damping.shiftG, method, zero) : ra;
      if (!ra.ok || !rg.ok) {
        // Keep the last good inverses (none: the gradient passes unchanged) and say so.
        this.fail(failures, p.layer, (!ra.ok ? ra : (rg as { reason: InverseFailure })).reason);
        continue;
      }
      const jitter = Math.max(ra.jitter, rg.jitter);
      if (jitter > 0) metrics[`kfac.jitter.${p.layer}`] = jitter;
      replace(block.inverseA);
      replace(block.inverseG);
      block.inverseA = new HostArray(ra.inverse, shapeA(p));
      block.inverseG = new HostArray(rg.inverse, [ng, ng]);
      if (block.device) tf.dispose([block.device.a, block.device.g]);
      block.device = null;
    }
    this.inverseUpdates++;
  }

  private fail(failures: Record<string, number>, where: string, reason: InverseFailure): void {
    this.inverseFailures++;
    failures[`kfac.warning.${where}.${reason}`] = 1;
  }

  /** Every tensor this preconditioner owns (state encodings, device inverses, diagonal averages). */
  private ownedTensors(): tf.Tensor[] {
    const out: tf.Tensor[] = [];
    for (const b of this.blocks) {
      if (isKronecker(b)) {
        for (const h of [b.a, b.g, b.inverseA, b.inverseG]) {
          const t = h?.cachedTensor();
          if (t) out.push(t);
        }
        if (b.pending) out.push(b.pending.a, b.pending.g);
        if (b.device) out.push(b.device.a, b.device.g);
      } else if (b.second) {
        out.push(b.second);
      }
    }
    return out;
  }

  private freeAll(): void {
    tf.dispose(this.ownedTensors().filter((t) => !t.isDisposed));
  }
}

/** `decay·old + (1 − decay)·batch`, elementwise, in float64. */
function blend(old: Float64Array, batch: Float64Array, decay: number): Float64Array {
  const out = new Float64Array(old.length);
  for (let i = 0; i < old.length; i++) out[i] = decay * old[i]! + (1 - decay) * batch[i]!;
  return out;
}

/**
 * One factor update on the device: `pending ← decay·pending + (1 − decay)·batch` and
 * `weight ← decay·weight`, which keeps `weight·host + pending` equal to the moving average the host
 * path computes (the first update initialises: weight 0, pending = batch).
 */
function accumulateOnDevice(block: KroneckerBlock, batch: DeviceBatchFactors, decay: number): void {
  const previous = block.pending;
  const first = block.count === 0;
  const next = (old: tf.Tensor | undefined, b: tf.Tensor) =>
    tf.keep(tf.tidy(() => (old ? tf.add(tf.mul(old, decay), tf.mul(b, 1 - decay)) : first ? tf.clone(b) : tf.mul(b, 1 - decay))));
  const pending = { a: next(previous?.a, batch.a), g: next(previous?.g, batch.g), weight: first ? 0 : (previous?.weight ?? 1) * decay };
  if (previous) tf.dispose([previous.a, previous.g]);
  block.pending = pending;
}

/** `weight·host + pending` in float64, from the pending part's float32 values. */
function combinedFactors(block: KroneckerBlock, a: Float32Array, g: Float32Array): { a: Float64Array; g: Float64Array } {
  const { weight } = block.pending!;
  const mix = (host: HostArray | null, part: Float32Array) => {
    const out = new Float64Array(part.length);
    if (weight === 0 || !host) for (let i = 0; i < part.length; i++) out[i] = part[i]!;
    else for (let i = 0; i < part.length; i++) out[i] = weight * host.values[i]! + part[i]!;
    return out;
  };
  return { a: mix(block.a, a), g: mix(block.g, g) };
}

/** Folds a block's pending device factors into its float64 averages (one read of each). */
async function foldPending(block: KroneckerBlock): Promise<void> {
  const pending = block.pending;
  if (!pending) return;
  const [a, g] = (await Promise.all([pending.a.data(), pending.g.data()])) as Float32Array[];
  const factors = combinedFactors(block, a!, g!);
  replace(block.a);
  replace(block.g);
  block.a = new HostArray(factors.a, shapeA(block.plan));
  block.g = new HostArray(factors.g, [dimG(block.plan), dimG(block.plan)]);
  tf.dispose([pending.a, pending.g]);
  block.pending = null;
}

/** The pending factors of a saved block (absent in states written on the host path). */
function pendingFromState(s: State, where: string): PendingFactors | null {
  const { pendingA: a, pendingG: g, pendingWeight: weight } = s;
  if (a === undefined || a === null) return null;
  if (!(a instanceof tf.Tensor) || !(g instanceof tf.Tensor) || typeof weight !== 'number') {
    throw new Error(`kfac.setState: ${where}.pendingA, pendingG and pendingWeight must be two float32 tensors and a number, got ${typeof a}, ${typeof g}, ${typeof weight}`);
  }
  return { a, g, weight };
}

/** Free the encoded tensor of a host array that is being replaced. */
function replace(h: HostArray | null): void {
  h?.cachedTensor()?.dispose();
}

