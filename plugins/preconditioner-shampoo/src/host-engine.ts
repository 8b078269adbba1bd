import * as tf from '@tensorflow/tfjs-core';
import { gram64, matMul64, type Matrix64 } from '@precond/linalg';
import { float64ToTensor, type State } from '@precond/core';
import { hostInverseRoot, type RootSettings } from './inverse-root.js';
import type { MatrixBlock } from './layout.js';
import type { FactorRootReport, FactorSide, MatrixEngine, MatrixParameter } from './matrix-engine.js';
import { GRAFT_NORM_FLOOR, sideLabel } from './matrix-engine.js';
import { checkSavedFactors, savedMatrixToFloat64, savedResidual } from './saved-matrix.js';

interface HostFactor {
  readonly dim: number;
  /** The statistic, row-major `dim × dim`, float64. */
  stat: Float64Array;
  /** The root in use; null: the identity (no root accepted yet). */
  root: Float64Array | null;
  residual: number | null;
}

interface HostBlock {
  readonly block: MatrixBlock;
  readonly left: HostFactor;
  readonly right: HostFactor;
}

interface HostParameter {
  readonly param: MatrixParameter;
  readonly blocks: HostBlock[];
}

const SIDES: readonly FactorSide[] = ['left', 'right'];

/** Block `b` of a row-major `rows × cols` matrix, copied into a contiguous row-major array. */
function extractBlock(data: Float32Array, cols: number, b: MatrixBlock): Float32Array {
  if (b.col0 === 0 && b.cols === cols) return data.subarray(b.row0 * cols, (b.row0 + b.rows) * cols);
  const out = new Float32Array(b.rows * b.cols);
  for (let i = 0; i < b.rows; i++) out.set(data.subarray((b.row0 + i) * cols + b.col0, (b.row0 + i) * cols + b.col0 + b.cols), i * b.cols);
  return out;
}

/** The transpose of a row-major `rows × cols` float32 array. */
function transposeBlock(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j]!;
  return out;
}

/** Euclidean norm, accumulated in float64. */
function norm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  return Math.sqrt(sum);
}

/** `stat ← β·stat + (1−β)·update` (or `stat + update` for β = 1), in place. */
function fold(stat: Float64Array, update: Float64Array, beta2: number): void {
  if (beta2 === 1) {
    for (let i = 0; i < stat.length; i++) stat[i]! += update[i]!;
  } else {
    const w = 1 - beta2;
    for (let i = 0; i < stat.length; i++) stat[i] = beta2 * stat[i]! + w * update[i]!;
  }
}

/**
 * The host placement: statistics and roots in float64 on the CPU, products on @precond/linalg's
 * kernels (WebAssembly SIMD where available).
 *
 * Why: on the pure-JavaScript cpu backend, tfjs's matMul runs at about 1 GFLOP/s, and linalg's
 * float64 NT kernel is far faster (measured here, 784 × 250 block: `GGᵀ` by `gram64` 93 ms against
 * 817 ms by `tf.matMul`; on wasm tfjs's XNNPACK kernel takes 38 ms, so `auto` keeps wasm on the
 * device). Reading a gradient on the cpu backend is a copy. A product of two float32 numbers is
 * exact in float64, so the statistics only round in their sums, at 2⁻⁵³.
 *
 * Gradients read in `accumulate`, and the grafted directions read in `prepareDirection`, are kept
 * until the next update, so `apply` on the same tensors (core's `transformationOptimizer` passes the
 * step's memoised gradients to both) reads nothing: every read is an awaited `data()` in `update`,
 * and the placement works on backends that cannot read synchronously (WebGPU in Node).
 */
export function hostEngine(): MatrixEngine {
  let params: HostParameter[] = [];
  /** Gradient values read in the current step, by tensor. */
  let reads = new Map<tf.Tensor, Float32Array>();
  /** Values of the grafted direction `apply` will use with a gradient, by gradient tensor. */
  let graftReads = new Map<tf.Tensor, Float32Array>();
  /** Tensors made by `toState`, freed when the state changes or the engine is disposed. */
  let stateTensors: tf.Tensor[] = [];

  const factor = (dim: number): HostFactor => ({ dim, stat: new Float64Array(dim * dim), root: null, residual: null });
  const releaseStateTensors = () => {
    tf.dispose(stateTensors);
    stateTensors = [];
  };
  /**
   * Values of a tensor `update` did not see (a caller other than core's transformationOptimizer):
   * a synchronous read, which backends that cannot read synchronously refuse.
   */
  const readNow = (t: tf.Tensor, what: string): Float32Array => {
    try {
      return t.dataSync() as Float32Array;
    } catch (error) {
      throw new Error(
        `shampoo (host placement): apply got a ${what} that update did not read, and backend '${tf.getBackend()}' cannot read it synchronously ` +
          `(${(error as Error).message}); pass apply the gradients of the step update saw, or use placement 'device'`,
      );
    }
  };
  const valuesOf = (gradient: tf.Tensor): Float32Array => reads.get(gradient) ?? readNow(gradient, 'gradient');
  /** The grafted direction's values when `prepareDirection` did not read them (SGD's is `g` itself). */
  const graftValues = (gradient: tf.Tensor, data: Float32Array, graft: tf.Tensor | null): Float32Array | null =>
    graft === null ? null : graft === gradient ? data : readNow(graft, 'grafted direction');

  return {
    placement: 'host',
    init(list) {
      releaseStateTensors();
      reads = new Map();
      graftReads = new Map();
      params = list.map((param) => ({ param, blocks: param.blocks.map((block) => ({ block, left: factor(block.rows), right: factor(block.cols) })) }));
    },
    beginUpdate() {
      reads = new Map();
      graftReads = new Map();
    },
    async accumulate(index, gradient, beta2) {
      releaseStateTensors();
      const p = params[index]!;
      const data = (await gradient.data()) as Float32Array;
      reads.set(gradient, data);
      for (const { block, left, right } of p.blocks) {
        const g = extractBlock(data, p.param.cols, block);
        fold(left.stat, gram64(g, block.rows, block.cols).data, beta2);
        fold(right.stat, gram64(transposeBlock(g, block.rows, block.cols), block.cols, block.rows).data, beta2);
      }
    },
    async prepareDirection(_index, gradient, graft) {
      if (!reads.has(gradient)) reads.set(gradient, (await gradient.data()) as Float32Array);
      if (graft !== null && graft !== gradient) graftReads.set(gradient, (await graft.data()) as Float32Array);
    },
    async computeRoots(index, correction, settings: RootSettings) {
      releaseStateTensors();
      const reports: FactorRootReport[] = [];
      for (const [blockIndex, b] of params[index]!.blocks.entries()) {
        for (const side of SIDES) {
          const f = b[side];
          const x: Matrix64 = { rows: f.dim, cols: f.dim, data: correction === 1 ? f.stat : f.stat.map((v) => v / correction) };
          const outcome = await hostInverseRoot(x, settings);
          if (outcome.ok) {
            f.root = outcome.root;
            f.residual = outcome.residual;
            reports.push({ block: blockIndex, side, residual: outcome.residual });
          } else {
            reports.push({ block: blockIndex, side, failure: outcome.reason });
          }
        }
      }
      return reports;
    },
    direction(index, gradient, graftOf) {
      const p = params[index]!;
      const { rows, cols } = p.param;
      const data = valuesOf(gradient);
      const graftData = graftReads.get(gradient) ?? graftValues(gradient, data, graftOf());
      const out = new Float32Array(rows * cols);
      for (const { block, left, right } of p.blocks) {
        let d: Matrix64 = { rows: block.rows, cols: block.cols, data: Float64Array.from(extractBlock(data, cols, block)) };
        if (left.root) d = matMul64({ rows: left.dim, cols: left.dim, data: left.root }, d);
        if (right.root) d = matMul64(d, { rows: right.dim, cols: right.dim, data: right.root });
        const scale = graftData ? norm(extractBlock(graftData, cols, block)) / (norm(d.data) + GRAFT_NORM_FLOOR) : 1;
        for (let i = 0; i < block.rows; i++) {
          const from = i * block.cols;
          const to = (block.row0 + i) * cols + block.col0;
          for (let j = 0; j < block.cols; j++) out[to + j] = d.data[from + j]! * scale;
        }
      }
      return tf.tensor(out, gradient.shape);
    },
    residuals(index) {
      return params[index]!.blocks.flatMap((b) => [b.left.residual, b.right.residual]);
    },
    async inspect(index) {
      return params[index]!.blocks.map(({ block, left, right }) => ({
        block,
        left: left.stat.slice(),
        right: right.stat.slice(),
        leftRoot: left.root ? left.root.slice() : null,
        rightRoot: right.root ? right.root.slice() : null,
        leftResidual: left.residual,
        rightResidual: right.residual,
      }));
    },
    toState(index) {
      // Float64 as core's two-int32-words encoding: exact, 8 bytes a value (ARCHITECTURE "State").
      const encode = (data: Float64Array, dim: number) => {
        const t = float64ToTensor(data, [dim, dim]);
        stateTensors.push(t);
        return t;
      };
      return {
        blocks: params[index]!.blocks.map((b) => ({
          left: encode(b.left.stat, b.left.dim),
          right: encode(b.right.stat, b.right.dim),
          leftRoot: b.left.root ? encode(b.left.root, b.left.dim) : null,
          rightRoot: b.right.root ? encode(b.right.root, b.right.dim) : null,
          leftResidual: b.left.residual,
          rightResidual: b.right.residual,
        })),
      };
    },
    fromState(index, saved, where) {
      const p = params[index]!;
      checkSavedFactors(saved, p.param, where);
      const blocks = saved.blocks as State[];
      // Decode everything first: `saved` may hold this engine's own `toState` tensors.
      const decoded = p.blocks.map((b, i) => {
        const s = blocks[i]!;
        return SIDES.map((side) => {
          const at = `${where}.blocks[${i}].${side}`;
          const root = s[`${side}Root`];
          return {
            stat: savedMatrixToFloat64(s[side], b[side].dim, `${at} (${sideLabel(side)})`),
            root: root === null ? null : savedMatrixToFloat64(root, b[side].dim, `${at}Root`),
            residual: savedResidual(s[`${side}Residual`], `${at}Residual`),
          };
        });
      });
      p.blocks.forEach((b, i) => SIDES.forEach((side, k) => Object.assign(b[side], decoded[i]![k]!)));
      releaseStateTensors();
      // The grafted directions read in the last update followed the grafting state replaced now.
      graftReads = new Map();
    },
    dispose() {
      releaseStateTensors();
      reads = new Map();
      graftReads = new Map();
      params = [];
    },
  };
}
