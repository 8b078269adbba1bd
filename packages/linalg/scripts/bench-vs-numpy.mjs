#!/usr/bin/env node
// Times this package's float64 eigh (n = 1024) and Cholesky (n = 2000) against NumPy/LAPACK on the
// same matrices, and prints a table with the ratio ours/numpy.
//
//   cd packages/linalg && npx tsc -p tsconfig.build.json && node scripts/bench-vs-numpy.mjs
//
// Options: --eigh N, --cholesky N, --repeats R (best of R after a warm-up, default 3), --rounds K
// (default 2: every measurement is repeated in K interleaved rounds and the best kept, so a burst
// of load from other processes does not land on one side only).
// The matrices are made here from a fixed seed and handed to python3 on stdin as raw float64, so
// both sides factor exactly the same numbers; NumPy's answer is checked against ours.
// OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed for the NumPy process only: on some machines
// they are set to work around old OpenBLAS bugs and they make a current NumPy pick a slow kernel.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { cholesky, eigh, matMulTransposed64 } from '../dist/index.js';
// Internal switch (not part of the public API): times the pure-JavaScript fallback as well.
import { setWasmKernelsEnabled, wasmKernels } from '../dist/wasm-kernels.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const eighN = option('eigh', 1024);
const cholN = option('cholesky', 2000);
const repeats = option('repeats', 3);
const rounds = option('rounds', 2);

/** Uniform numbers in [-0.5, 0.5) from a 32-bit LCG: reproducible, no dependency. */
function uniform(count, seed) {
  const out = new Float64Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function symmetric(n) {
  const a = uniform(n * n, 1);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
  return { rows: n, cols: n, data: a };
}

function spd(n) {
  // B Bᵀ + n I with B uniform: eigenvalues in about [n, n + n²/12·4], well conditioned.
  const a = matMulTransposed64({ rows: n, cols: n, data: uniform(n * n, 2) });
  for (let i = 0; i < n; i++) a.data[i * n + i] += n;
  return a;
}

function best(fn) {
  let t = Infinity;
  let result;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    result = fn();
    t = Math.min(t, (performance.now() - start) / 1000);
  }
  return { seconds: t, result };
}

const PYTHON = String.raw`
import sys, json, time, ctypes, glob, os
import numpy as np
n_eigh, n_chol, repeats = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
raw = sys.stdin.buffer.read()
a = np.frombuffer(raw, dtype='<f8', count=n_eigh * n_eigh).reshape(n_eigh, n_eigh)
s = np.frombuffer(raw, dtype='<f8', offset=8 * n_eigh * n_eigh).reshape(n_chol, n_chol)
def best(f):
    f()  # warm-up
    t = float('inf')
    for _ in range(repeats):
        t0 = time.perf_counter(); r = f(); t = min(t, time.perf_counter() - t0)
    return t, r
te, (w, v) = best(lambda: np.linalg.eigh(a))
tc, L = best(lambda: np.linalg.cholesky(s))
blas = 'unknown'
try:
    info = np.show_config(mode='dicts')['Build Dependencies']['blas']
    blas = f"{info.get('name')} {info.get('version')}"
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), '..', 'numpy.libs', '*openblas*.so*'))
    if libs:
        lib = ctypes.CDLL(libs[0])
        for prefix in ('scipy_openblas_', 'openblas_'):
            for suffix in ('64_', ''):
                core = getattr(lib, prefix + 'get_corename' + suffix, None)
                threads = getattr(lib, prefix + 'get_num_threads' + suffix, None)
                if core is not None:
                    core.restype = ctypes.c_char_p
                    blas += f", kernel {core().decode()}, {threads() if threads else '?'} threads"
                    raise StopIteration
except StopIteration:
    pass
except Exception as e:
    blas += f' ({e})'
print(json.dumps({'eigh': te, 'cholesky': tc, 'numpy': np.__version__, 'blas': blas,
                  'eigenvalues': w[::-1].tolist(), 'cholesky_diag': np.diag(L).tolist()}))
`;

function runNumpy(a, s, extraEnv) {
  const env = { ...process.env, ...extraEnv };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const input = Buffer.concat([Buffer.from(a.data.buffer), Buffer.from(s.data.buffer)]);
  const r = spawnSync('python3', ['-c', PYTHON, String(a.rows), String(s.rows), String(repeats)], {
    input,
    env,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.toString());
}

const loadBefore = loadavg()[0];
const a = symmetric(eighN);
const s = spd(cholN);

// Warm-up at a small size so V8 has optimised the kernels before the timed runs.
function warmUp() {
  eigh(symmetric(200));
  cholesky(spd(300));
}
const hasWasm = wasmKernels() !== null;
const min = (x, y) => (x === undefined || y.seconds < x.seconds ? y : x);
const ours = {};
const plainJs = {};
let numpy;
let numpy1;
for (let round = 0; round < rounds; round++) {
  setWasmKernelsEnabled(true);
  warmUp();
  ours.eigh = min(ours.eigh, best(() => eigh(a)));
  ours.cholesky = min(ours.cholesky, best(() => cholesky(s)));
  const np = runNumpy(a, s, {});
  const np1 = runNumpy(a, s, { OPENBLAS_NUM_THREADS: '1' });
  numpy = numpy === undefined ? np : { ...np, eigh: Math.min(numpy.eigh, np.eigh), cholesky: Math.min(numpy.cholesky, np.cholesky) };
  numpy1 = numpy1 === undefined ? np1 : { ...np1, eigh: Math.min(numpy1.eigh, np1.eigh), cholesky: Math.min(numpy1.cholesky, np1.cholesky) };
  setWasmKernelsEnabled(false);
  warmUp();
  plainJs.eigh = min(plainJs.eigh, best(() => eigh(a)));
  plainJs.cholesky = min(plainJs.cholesky, best(() => cholesky(s)));
}
setWasmKernelsEnabled(true);

// Same answers? Eigenvalues to O(n·u·‖A‖), Cholesky diagonals to O(n·u) relative.
let eigErr = 0;
ours.eigh.result.values.forEach((v, i) => (eigErr = Math.max(eigErr, Math.abs(v - numpy.eigenvalues[i]))));
const L = ours.cholesky.result.L;
let diagErr = 0;
for (let i = 0; i < cholN; i++) diagErr = Math.max(diagErr, Math.abs(L.data[i * cholN + i] - numpy.cholesky_diag[i]) / numpy.cholesky_diag[i]);

const cell = (x, width) => x.toFixed(3).padStart(width);
const ratio = (x) => `${x.toFixed(1)}×`.padStart(7);
const row = (name, t, js, np, np1) =>
  `| ${name.padEnd(22)} | ${cell(t, 7)} | ${cell(np, 7)} | ${ratio(t / np)} | ${cell(np1, 9)} | ${ratio(t / np1)} | ${cell(js, 7)} | ${ratio(js / np)} |`;
console.log(`node ${process.versions.node}, numpy ${numpy.numpy} (${numpy.blas}); best of ${repeats} × ${rounds} rounds, seconds`);
console.log(`ours: wasm SIMD kernels ${hasWasm ? 'on' : 'unavailable'}; "ours JS": the same code with the pure-JavaScript kernels`);
console.log('| operation              |    ours |   numpy | ours/np | numpy 1thr | ours/np1 | ours JS |   JS/np |');
console.log('|------------------------|--------:|--------:|--------:|----------:|--------:|--------:|--------:|');
console.log(row(`eigh ${eighN} (all pairs)`, ours.eigh.seconds, plainJs.eigh.seconds, numpy.eigh, numpy1.eigh));
console.log(row(`cholesky ${cholN}`, ours.cholesky.seconds, plainJs.cholesky.seconds, numpy.cholesky, numpy1.cholesky));
console.log(`1-minute load average: ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (2 cores; other processes slow both sides)`);
console.log(`agreement: max |λ_ours - λ_numpy| = ${eigErr.toExponential(2)}, max relative diff of diag(L) = ${diagErr.toExponential(2)}`);
