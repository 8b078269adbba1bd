import type { LayerStatistics, NamedParameter } from '@precond/core';
import { curvatureOf, isAffineLayer, type EmbeddingLayer, type Layer, type SequentialModel } from '@precond/nn';
import type { EstimationMode } from './options.js';

/**
 * Which parameters form which curvature block, decided at the first update from the model.
 *
 * - `capture`: the model was built with @precond/nn's `sequentialModel`, so K-FAC walks its layers
 *   and captures per-sample quantities itself with the cotangents its estimation mode needs
 *   (`captureLayers`): dense (every `AffineLayer`) and embedding layers get Kronecker blocks.
 * - `statistics`: any other model; K-FAC reads the step's `layerStatistics()` (core's contract),
 *   whose cotangent is the loss gradient, so only what that contract carries is available
 *   (see `planFromStatistics`).
 */
export type PlanSource = 'capture' | 'statistics';

/** A dense (affine) layer: kernel `[in, out]` and an optional bias `[out]`, one Kronecker block. */
export interface DenseBlockPlan {
  readonly kind: 'dense';
  readonly layer: string;
  readonly params: readonly string[];
  /** Position of the kernel (and bias) in the model's parameter list. */
  readonly kernel: number;
  readonly bias: number | null;
  readonly inputSize: number;
  readonly outputSize: number;
  /** Position of the layer in `model.layers` (`capture` plans), else -1. */
  readonly layerIndex: number;
}

/** An embedding table `[vocab, dim]` looked up at `tokens` positions: a diagonal A, a dense G. */
export interface EmbeddingBlockPlan {
  readonly kind: 'embedding';
  readonly layer: string;
  readonly params: readonly string[];
  readonly table: number;
  readonly vocabSize: number;
  readonly dim: number;
  readonly tokens: number;
  readonly layerIndex: number;
}

/** One parameter that no Kronecker block covers; it gets the `fallback` rule. */
export interface FallbackPlan {
  readonly kind: 'fallback';
  readonly layer: string | null;
  readonly params: readonly string[];
  readonly param: number;
  /** Why it is not in a Kronecker block (reported by `inspect()`, documented in the README). */
  readonly reason: string;
}

export type BlockPlan = DenseBlockPlan | EmbeddingBlockPlan | FallbackPlan;

export interface Plan {
  readonly source: PlanSource;
  readonly blocks: readonly BlockPlan[];
}

function indexOf(params: readonly NamedParameter[]): Map<string, number> {
  return new Map(params.map((p, i) => [p.name, i]));
}

function isEmbedding(layer: Layer): layer is EmbeddingLayer {
  const e = layer as Partial<EmbeddingLayer>;
  return layer.kind === 'embedding' && typeof e.vocabSize === 'number' && typeof e.dim === 'number' && typeof e.sequenceLength === 'number';
}

function fallback(layer: string | null, name: string, index: number, reason: string): FallbackPlan {
  return { kind: 'fallback', layer, params: [name], param: index, reason };
}

/**
 * The plan of a `sequentialModel`: each layer with parameters becomes a dense block (an
 * `AffineLayer` whose capture rules report its input and pre-activation, as nn's contract requires),
 * an embedding block, or one fallback entry per parameter naming the layer kind.
 */
export function planFromLayers(model: SequentialModel, params: readonly NamedParameter[]): Plan {
  const index = indexOf(params);
  const blocks: BlockPlan[] = [];
  model.layers.forEach((layer, layerIndex) => {
    if (layer.params.length === 0) return;
    const names = layer.params.map((spec) => `${layer.name}/${spec.name}`);
    const positions = names.map((name) => {
      const i = index.get(name);
      if (i === undefined) throw new Error(`kfac: the model's layer '${layer.name}' has parameter '${name}', which is not among the parameters K-FAC was initialised with (${params.map((p) => p.name).join(', ')})`);
      return i;
    });
    const captured = curvatureOf(layer)?.capture !== undefined;
    if (captured && isAffineLayer(layer)) {
      const shapesMatch =
        positions.length === (layer.hasBias ? 2 : 1) &&
        sameShape(params[positions[0]!]!, [layer.inputSize, layer.outputSize]) &&
        (!layer.hasBias || sameShape(params[positions[1]!]!, [layer.outputSize]));
      if (shapesMatch) {
        blocks.push({
          kind: 'dense',
          layer: layer.name,
          params: names,
          kernel: positions[0]!,
          bias: layer.hasBias ? positions[1]! : null,
          inputSize: layer.inputSize,
          outputSize: layer.outputSize,
          layerIndex,
        });
        return;
      }
      names.forEach((name, i) => blocks.push(fallback(layer.name, name, positions[i]!, `affine layer '${layer.name}' does not have the kernel [in, out] (+ bias [out]) parameters K-FAC's dense block needs`)));
      return;
    }
    if (captured && isEmbedding(layer) && positions.length === 1 && sameShape(params[positions[0]!]!, [layer.vocabSize, layer.dim])) {
      blocks.push({
        kind: 'embedding',
        layer: layer.name,
        params: names,
        table: positions[0]!,
        vocabSize: layer.vocabSize,
        dim: layer.dim,
        tokens: layer.sequenceLength,
        layerIndex,
      });
      return;
    }
    const why = captured
      ? `layer '${layer.name}' of kind '${layer.kind}' has no Kronecker-factored rule (K-FAC knows dense/affine and embedding layers)`
      : `layer '${layer.name}' of kind '${layer.kind}' has no capture rules (layer.curvature.capture), so its per-sample statistics cannot be captured`;
    names.forEach((name, i) => blocks.push(fallback(layer.name, name, positions[i]!, why)));
  });
  return { source: 'capture', blocks: withUncovered(blocks, params, 'the model has no layer that owns it') };
}

/**
 * The plan of any other model, from the step's `layerStatistics()`: each reported layer whose
 * parameters are a kernel `[in, out]` (and a bias `[out]`) with matching statistics becomes a dense
 * block. What the contract cannot give:
 * - `fisher` needs captures with sampled cotangents: every parameter falls back;
 * - `ggn` of a layer without a bias: the statistics carry only the loss-gradient cotangent, and
 *   the GGN factor is read from the bias block of `Jᵀ H J` instead (`statisticsGgnFactor`), which a
 *   layer without a bias does not have, so it falls back.
 */
export function planFromStatistics(statistics: readonly LayerStatistics[], params: readonly NamedParameter[], mode: EstimationMode): Plan {
  const index = indexOf(params);
  const blocks: BlockPlan[] = [];
  for (const stat of statistics) {
    const positions = stat.params.map((name) => index.get(name));
    const known = positions.every((p) => p !== undefined) ? (positions as number[]) : null;
    if (!known) continue;
    const kernel = params[known[0]!]!;
    const [inputSize, outputSize] = kernel.variable.shape as [number, number];
    const hasBias = known.length === 2;
    const consistent =
      (known.length === 1 || known.length === 2) &&
      kernel.variable.rank === 2 &&
      (!hasBias || sameShape(params[known[1]!]!, [outputSize])) &&
      stat.inputs.shape[1] === inputSize + (hasBias ? 1 : 0) &&
      stat.outputGradients.shape[1] === outputSize;
    let reason: string | null = null;
    if (!consistent) reason = `layer '${stat.layer}': its layer statistics do not match a kernel [in, out] (+ bias [out]) layer`;
    else if (mode === 'fisher') reason = fisherNeedsCapture;
    else if (mode === 'ggn' && !hasBias) reason = `layer '${stat.layer}' has no bias, and without layer capture the GGN factor G is read from the bias block of Jᵀ H J; use a model built with @precond/nn's sequentialModel, or estimation 'empirical'`;
    if (reason !== null) {
      stat.params.forEach((name, i) => blocks.push(fallback(stat.layer, name, known[i]!, reason)));
      continue;
    }
    blocks.push({
      kind: 'dense',
      layer: stat.layer,
      params: [...stat.params],
      kernel: known[0]!,
      bias: hasBias ? known[1]! : null,
      inputSize,
      outputSize,
      layerIndex: -1,
    });
  }
  const uncovered = mode === 'fisher' ? fisherNeedsCapture : 'the step\'s layerStatistics() report no layer for it (the model is not a @precond/nn sequentialModel)';
  return { source: 'statistics', blocks: withUncovered(blocks, params, uncovered) };
}

const fisherNeedsCapture =
  "estimation 'fisher' captures per-sample gradients under sampled targets, which needs a model built with @precond/nn's sequentialModel; this model only reports layerStatistics() for the loss gradient";

/** `blocks` plus a fallback entry for every parameter none of them covers, in parameter order. */
function withUncovered(blocks: BlockPlan[], params: readonly NamedParameter[], reason: string): BlockPlan[] {
  const covered = new Set(blocks.flatMap(paramIndices));
  params.forEach((p, i) => {
    if (!covered.has(i)) blocks.push(fallback(null, p.name, i, reason));
  });
  return blocks;
}

/** Positions in the parameter list that a block owns. */
export function paramIndices(block: BlockPlan): number[] {
  switch (block.kind) {
    case 'dense':
      return block.bias === null ? [block.kernel] : [block.kernel, block.bias];
    case 'embedding':
      return [block.table];
    case 'fallback':
      return [block.param];
  }
}

function sameShape(p: NamedParameter, shape: readonly number[]): boolean {
  const s = p.variable.shape;
  return s.length === shape.length && s.every((d, i) => d === shape[i]);
}
