// A float64 re-implementation, in plain JS and independent of tfjs, of the decoder-only transformer
// `buildTransformer` makes (relu feed-forward blocks), written from the equations (Vaswani et al.,
// 2017) with one vector per token, loops instead of tensors and parameters read by their names.
// Tests compare tfjs's float32 outputs, gradients and curvature products against it.

export type Vector = number[];
/** Parameter values by full name `<layer>/<param>`, row-major (kernels `[in, out]`). */
export type NamedValues = ReadonlyMap<string, ArrayLike<number>>;

export interface ReferenceConfig {
  readonly sequenceLength: number;
  readonly dModel: number;
  readonly heads: number;
  readonly layers: number;
  readonly outputSize: number;
  readonly norm: 'pre' | 'post';
  readonly attentionBias: boolean;
  readonly epsilon: number;
}

function get(values: NamedValues, name: string): ArrayLike<number> {
  const v = values.get(name);
  if (!v) throw new Error(`reference transformer: no parameter '${name}'`);
  return v;
}

/** `x W (+ b)` for a kernel stored `[in, out]` row-major. */
export function affine(x: readonly number[], kernel: ArrayLike<number>, out: number, bias?: ArrayLike<number>): Vector {
  return Array.from({ length: out }, (_, j) => {
    let s = bias ? bias[j]! : 0;
    for (let i = 0; i < x.length; i++) s += x[i]! * kernel[i * out + j]!;
    return s;
  });
}

/** `γ ⊙ (x − mean)/√(var + ε) + β`, the variance biased (divided by the length). */
export function layerNormVector(x: readonly number[], gamma: ArrayLike<number>, beta: ArrayLike<number>, epsilon: number): Vector {
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
  const sigma = Math.sqrt(variance + epsilon);
  return x.map((v, i) => gamma[i]! * ((v - mean) / sigma) + beta[i]!);
}

export interface AttentionValues {
  readonly query: ArrayLike<number>;
  readonly key: ArrayLike<number>;
  readonly value: ArrayLike<number>;
  readonly output: ArrayLike<number>;
  readonly queryBias?: ArrayLike<number>;
  readonly keyBias?: ArrayLike<number>;
  readonly valueBias?: ArrayLike<number>;
  readonly outputBias?: ArrayLike<number>;
}

/**
 * Causal multi-head self-attention of one sequence `x` (T vectors of length d): token t of head h
 * attends to tokens s ≤ t with weights `softmax_s(q_t^h · k_s^h / √d_h)`; the heads' contexts are
 * concatenated and projected. `weightsOut`, when given, receives every head's weight matrix.
 */
export function referenceAttention(x: readonly Vector[], p: AttentionValues, heads: number, weightsOut?: number[][][]): Vector[] {
  const d = x[0]!.length;
  const dh = d / heads;
  const q = x.map((xt) => affine(xt, p.query, d, p.queryBias));
  const k = x.map((xt) => affine(xt, p.key, d, p.keyBias));
  const v = x.map((xt) => affine(xt, p.value, d, p.valueBias));
  const context = x.map(() => new Array<number>(d).fill(0));
  for (let h = 0; h < heads; h++) {
    const weights: number[][] = [];
    for (let t = 0; t < x.length; t++) {
      const scores: number[] = [];
      for (let s = 0; s <= t; s++) {
        let dot = 0;
        for (let j = h * dh; j < (h + 1) * dh; j++) dot += q[t]![j]! * k[s]![j]!;
        scores.push(dot / Math.sqrt(dh));
      }
      const top = Math.max(...scores);
      const e = scores.map((z) => Math.exp(z - top));
      const total = e.reduce((a, b) => a + b, 0);
      const a = e.map((z) => z / total);
      weights.push([...a, ...new Array<number>(x.length - a.length).fill(0)]);
      for (let s = 0; s <= t; s++) for (let j = h * dh; j < (h + 1) * dh; j++) context[t]![j]! += a[s]! * v[s]![j]!;
    }
    weightsOut?.push(weights);
  }
  return context.map((c) => affine(c, p.output, d, p.outputBias));
}

function attentionValues(values: NamedValues, prefix: string, bias: boolean): AttentionValues {
  const at = (name: string) => get(values, `${prefix}${name}`);
  return {
    query: at('query'),
    key: at('key'),
    value: at('value'),
    output: at('output'),
    ...(bias ? { queryBias: at('query_bias'), keyBias: at('key_bias'), valueBias: at('value_bias'), outputBias: at('output_bias') } : {}),
  };
}

/**
 * Logits `[n][outputSize]` of the transformer for token ids `[n][T]`. `reluInputs` collects every
 * relu pre-activation s, so a test can check that finite differences do not cross the kink.
 */
export function referenceTransformer(config: ReferenceConfig, values: NamedValues, ids: readonly (readonly number[])[], reluInputs: number[] = []): Vector[] {
  return referenceReadoutInputs(config, values, ids, reluInputs).map((z) => affine(z, get(values, 'unembed/kernel'), config.outputSize, get(values, 'unembed/bias')));
}

/** The unembedding's inputs `[n][d]`: the final layer norm of the last token's vector. */
export function referenceReadoutInputs(config: ReferenceConfig, values: NamedValues, ids: readonly (readonly number[])[], reluInputs: number[] = []): Vector[] {
  const { dModel: d, epsilon } = config;
  const tokenTable = get(values, 'embedding/embeddings');
  const positions = get(values, 'position/embeddings');
  const norm = (x: readonly Vector[], name: string) => x.map((xt) => layerNormVector(xt, get(values, `${name}gamma`), get(values, `${name}beta`), epsilon));
  const feedForward = (x: readonly Vector[], prefix: string) =>
    x.map((xt) => {
      const hiddenKernel = get(values, `${prefix}hidden.kernel`);
      const width = hiddenKernel.length / d;
      const s = affine(xt, hiddenKernel, width, get(values, `${prefix}hidden.bias`));
      reluInputs.push(...s);
      return affine(
        s.map((v) => Math.max(0, v)),
        get(values, `${prefix}output.kernel`),
        d,
        get(values, `${prefix}output.bias`),
      );
    });
  const add = (a: readonly Vector[], b: readonly Vector[]) => a.map((at, t) => at.map((v, j) => v + b[t]![j]!));

  return ids.map((sequence) => {
    let h: Vector[] = sequence.map((id, t) => Array.from({ length: d }, (_, j) => tokenTable[id * d + j]! + positions[t * d + j]!));
    for (let l = 0; l < config.layers; l++) {
      const block = `block_${l}`;
      if (config.norm === 'pre') {
        h = add(h, referenceAttention(norm(h, `${block}_attention/norm.`), attentionValues(values, `${block}_attention/attention.`, config.attentionBias), config.heads));
        h = add(h, feedForward(norm(h, `${block}_mlp/norm.`), `${block}_mlp/`));
      } else {
        h = norm(add(h, referenceAttention(h, attentionValues(values, `${block}_attention/attention.`, config.attentionBias), config.heads)), `${block}_attention_norm/`);
        h = norm(add(h, feedForward(h, `${block}_mlp/`)), `${block}_mlp_norm/`);
      }
    }
    return layerNormVector(h[h.length - 1]!, get(values, 'final_norm/gamma'), get(values, 'final_norm/beta'), epsilon);
  });
}

/** Mean softmax cross-entropy `−(1/n) Σ_i log softmax(f_i)_{c_i}` in float64. */
export function referenceCrossEntropy(logits: readonly Vector[], classes: readonly number[]): number {
  let total = 0;
  logits.forEach((f, i) => {
    const top = Math.max(...f);
    const logSum = top + Math.log(f.reduce((s, z) => s + Math.exp(z - top), 0));
    total += logSum - f[classes[i]!]!;
  });
  return total / logits.length;
}
