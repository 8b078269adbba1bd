import { inverseRootEigh, inverseRootResidual64, gram64 } from '@precond/linalg';
import { symmetricRootResidual } from '../dist/root-residual.js';
let s = 1; const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; };
const g = Float32Array.from({ length: 784 * 250 }, rnd);
const x = gram64(g, 784, 250);
const { root } = inverseRootEigh(x, 4, { epsilon: 1e-12, residual: false });
const t = (fn) => { const t0 = performance.now(); const v = fn(); return [performance.now() - t0, v]; };
for (let r = 0; r < 3; r++) {
  const [te] = t(() => inverseRootEigh(x, 4, { epsilon: 1e-12, residual: false }));
  const [tl, vl] = t(() => inverseRootResidual64(root, x, 4, 1e-12));
  const [tm, vm] = t(() => symmetricRootResidual(root, x, 4, 1e-12));
  console.log(`784: eigh root ${te.toFixed(0)} ms, linalg residual ${tl.toFixed(0)} ms (${vl.toExponential(3)}), symmetric residual ${tm.toFixed(0)} ms (${vm.toExponential(3)})`);
}
