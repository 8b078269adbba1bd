import * as tf from '@tensorflow/tfjs-core';
import type { State } from '@precond/core';
import { assembleGroups, blockGroups, stackBlocks, unstackBlocks, type BlockGroup } from './block-groups.js';
import { deviceInverseRoot, type RootSettings } from './inverse-root.js';
import type { MatrixBlock } from './layout.js';
import type { FactorRootReport, FactorSide, MatrixEngine, MatrixParameter } from './matrix-engine.js';
import { GRAFT_NORM_FLOOR, sideLabel } from './matrix-engine.js';
import { checkSavedFactors, savedMatrixToTensor, savedResidual } from './saved-matrix.js';

interface DeviceFactor {
  readonly dim: number;
  stat: tf.Tensor2D;
  /** The root in use; null: the identity (no root accepted yet). */
  root: tf.Tensor2D | null;
  residual: number | null;
}

interface DeviceBlock {
  readonly block: MatrixBlock;
  readonly left: DeviceFactor;
  readonly right: DeviceFactor;
}

interface DeviceParameter {
  readonly param: MatrixParameter;
  readonly blocks: DeviceBlock[];
  /** The blocks grouped by shape, for the batched grafting norms. */
  readonly groups: BlockGroup[];
}

const SIDES: readonly FactorSide[] = ['left', 'right'];

/** Block `b` of `matrix` (`[rows, cols]`; inside `tf.tidy`). */
function blockOf(matrix: tf.Tensor2D, b: MatrixBlock): tf.Tensor2D {
  return b.rows === matrix.shape[0] && b.cols === matrix.shape[1] ? matrix : tf.slice(matrix, [b.row0, b.col0], [b.rows, b.cols]);
}

/** Every block's Euclidean norm, `[count, 1, 1]` per group (inside `tf.tidy`). */
function blockNorms(matrix: tf.Tensor2D, groups: readonly BlockGroup[]): tf.Tensor[] {
  return groups.map((g) => tf.sqrt(tf.sum(tf.square(stackBlocks(matrix, g)), [1, 2], true)));
}

/**
 * The device placement: statistics and roots as float32 tensors, every product a tfjs op on the
 * run's backend, so a GPU backend keeps them in its memory. Roots by `eigh` read the statistic back
 * once per root update; `newton` stays on the device.
 *
 * Each block's products are 2-D `matMul`s: tfjs-wasm runs those on XNNPACK, and its batched matMul
 * is about ten times slower (measured here: 3 blocks of 256 × 250, 43 ms batched against 4 ms one
 * by one). The grafting norms, elementwise, are taken for all blocks of one shape at once
 * (`block-groups.ts`), which keeps the op count per step from growing with the blocks. Transposes
 * are materialised before `matMul` (`GGᵀ` as `matMul(G, transpose(G))`): on wasm a transposed
 * operand costs about 10× (ENVIRONMENT.md: 48 ms against 4.3 ms for `J Jᵀ`).
 */
export function deviceEngine(): MatrixEngine {
  let params: DeviceParameter[] = [];
  const factor = (dim: number): DeviceFactor => ({ dim, stat: tf.zeros([dim, dim]), root: null, residual: null });
  const disposeAll = () => {
    for (const p of params) for (const b of p.blocks) for (const side of SIDES) tf.dispose([b[side].stat, ...(b[side].root ? [b[side].root!] : [])]);
  };
  const asMatrix = (p: DeviceParameter, t: tf.Tensor) => tf.reshape(t, [p.param.rows, p.param.cols]) as tf.Tensor2D;

  return {
    placement: 'device',
    init(list) {
      disposeAll();
      params = list.map((param) => ({
        param,
        blocks: param.blocks.map((block) => ({ block, left: factor(block.rows), right: factor(block.cols) })),
        groups: blockGroups(param),
      }));
    },
    beginUpdate() {
      // Nothing is cached between steps on the device.
    },
    async accumulate(index, gradient, beta2) {
      const p = params[index]!;
      const next = tf.tidy(() => {
        const matrix = asMatrix(p, gradient);
        return p.blocks.map(({ block, left, right }) => {
          const g = blockOf(matrix, block);
          const gt = tf.transpose(g);
          const ggt = tf.matMul(g, gt);
          const gtg = tf.matMul(gt, g);
          if (beta2 === 1) return [tf.add(left.stat, ggt), tf.add(right.stat, gtg)] as tf.Tensor2D[];
          return [tf.add(tf.mul(left.stat, beta2), tf.mul(ggt, 1 - beta2)), tf.add(tf.mul(right.stat, beta2), tf.mul(gtg, 1 - beta2))] as tf.Tensor2D[];
        });
      });
      p.blocks.forEach((b, i) => {
        tf.dispose([b.left.stat, b.right.stat]);
        [b.left.stat, b.right.stat] = next[i] as [tf.Tensor2D, tf.Tensor2D];
      });
    },
    async prepareDirection() {
      // The products run on the device: nothing to read.
    },
    async computeRoots(index, correction, settings: RootSettings) {
      const reports: FactorRootReport[] = [];
      for (const [blockIndex, b] of params[index]!.blocks.entries()) {
        for (const side of SIDES) {
          const f = b[side];
          const x = correction === 1 ? f.stat : (tf.div(f.stat, correction) as tf.Tensor2D);
          try {
            const outcome = await deviceInverseRoot(x, settings);
            if (outcome.ok) {
              f.root?.dispose();
              f.root = outcome.root;
              f.residual = outcome.residual;
              reports.push({ block: blockIndex, side, residual: outcome.residual });
            } else {
              reports.push({ block: blockIndex, side, failure: outcome.reason });
            }
          } finally {
            if (x !== f.stat) x.dispose();
          }
        }
      }
      return reports;
    },
    direction(index, gradient, graftOf) {
      const p = params[index]!;
      return tf.tidy(() => {
        const graft = graftOf();
        const matrix = asMatrix(p, gradient);
        const blocks = p.blocks.map(({ block, left, right }) => {
          let d = blockOf(matrix, block);
          if (left.root) d = tf.matMul(left.root, d);
          if (right.root) d = tf.matMul(d, right.root);
          return d;
        });
        const perRow = p.param.colSplits.length;
        const rows = p.param.rowSplits.map((_, i) => {
          const row = blocks.slice(i * perRow, (i + 1) * perRow);
          return row.length === 1 ? row[0]! : tf.concat(row, 1);
        });
        const d = rows.length === 1 ? rows[0]! : tf.concat(rows, 0);
        if (!graft) return tf.reshape(d, gradient.shape);
        // D_b · ‖A_b‖ / (‖D_b‖ + 1e-16) for every block, a group of equal-shaped blocks at a time.
        const [dNorms, aNorms] = [blockNorms(d, p.groups), blockNorms(asMatrix(p, graft), p.groups)];
        const regions = p.groups.map((g, i) => unstackBlocks(tf.mul(stackBlocks(d, g), tf.div(aNorms[i]!, tf.add(dNorms[i]!, GRAFT_NORM_FLOOR))) as tf.Tensor3D, g));
        return tf.reshape(assembleGroups(regions, p.groups), gradient.shape);
      });
    },
    residuals(index) {
      return params[index]!.blocks.flatMap((b) => [b.left.residual, b.right.residual]);
    },
    async inspect(index) {
      const read = async (t: tf.Tensor) => Float64Array.from((await t.data()) as Float32Array);
      return Promise.all(
        params[index]!.blocks.map(async ({ block, left, right }) => ({
          block,
          left: await read(left.stat),
          right: await read(right.stat),
          leftRoot: left.root ? await read(left.root) : null,
          rightRoot: right.root ? await read(right.root) : null,
          leftResidual: left.residual,
          rightResidual: right.residual,
        })),
      );
    },
    toState(index) {
      return {
        blocks: params[index]!.blocks.map((b) => ({
          left: b.left.stat,
          right: b.right.stat,
          leftRoot: b.left.root,
          rightRoot: b.right.root,
          leftResidual: b.left.residual,
          rightResidual: b.right.residual,
        })),
      };
    },
    fromState(index, saved, where) {
      const p = params[index]!;
      checkSavedFactors(saved, p.param, where);
      const blocks = saved.blocks as State[];
      p.blocks.forEach((b, i) => {
        const s = blocks[i]!;
        for (const side of SIDES) {
          const at = `${where}.blocks[${i}].${side}`;
          const f = b[side];
          const stat = savedMatrixToTensor(s[side], f.dim, `${at} (${sideLabel(side)})`);
          const rootValue = s[`${side}Root`];
          const root = rootValue === null ? null : savedMatrixToTensor(rootValue, f.dim, `${at}Root`);
          // `saved` may hold this engine's own tensors (setState(getState())): keep those.
          if (f.stat !== stat) f.stat.dispose();
          if (f.root && f.root !== root) f.root.dispose();
          f.stat = stat;
          f.root = root;
          f.residual = savedResidual(s[`${side}Residual`], `${at}Residual`);
        }
      });
    },
    dispose() {
      disposeAll();
      params = [];
    },
  };
}
