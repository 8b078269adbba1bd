import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { MemoryRunStore, runVariant } from '@precond/core';
import type { BenchCase, PeerSpec } from './cases.js';

export interface Measurement {
  readonly case: string;
  /** Where it ran: a tfjs backend in Node (`cpu`, `wasm`, `webgpu`, ...) or `chromium` (webgpu in the playground). */
  readonly backend: string;
  /**
   * Seconds per unit of work: per optimizer step, first step excluded (the runner's
   * `timing.s_per_step`), or per probe observation (the best one after the first).
   */
  readonly seconds: number;
  /** Bytes held by tfjs tensors at the end of the run (model, data, optimizer state); null where not measured. */
  readonly tensorBytes: number | null;
  /** Peak resident set size of this process so far, in bytes; null where not measured. */
  readonly rssBytes: number | null;
}

/**
 * Run a case with the real runner on the current tfjs backend and time it (see `Measurement.seconds`):
 * the best of `repeats` timed runs. A warm-up run of the same case comes first, in the same process, and is discarded: over its first
 * hundred or so steps V8 is still compiling the float64 loops of the curvature path and the backend
 * its kernels (E1's LM step took 3.5 ms per step over a cold 100-step run and 2.3-2.5 ms over the
 * next ones), and an experiment runs thousands of steps, so the steady state is what the table reports.
 * NumPy has no such warm-up (its 100- and 1000-step runs agree to 5%).
 */
export async function measureCase(c: BenchCase, backend: string, steps: number, repeats = 1): Promise<Measurement> {
  await runCase(c, backend, steps, new MemoryRunStore(), () => {});
  // The least disturbed of the timed runs: other work on the machine only ever adds time.
  let best: Measurement | null = null;
  for (let r = 0; r < repeats; r++) {
    const m = await timedRun(c, backend, steps);
    if (!best || m.seconds < best.seconds) best = m;
  }
  return best!;
}

/** One timed run of a case (see `measureCase`). */
async function timedRun(c: BenchCase, backend: string, steps: number): Promise<Measurement> {
  const store = new MemoryRunStore();
  let tensorBytes = 0;
  await runCase(c, backend, steps, store, (step) => {
    if (step === steps) tensorBytes = tf.memory().numBytes;
  });
  const folder = await store.open('bench');
  let seconds: number;
  if (c.measure.type === 'step') {
    seconds = (JSON.parse(await folder.readText('run.json')) as { timing: { s_per_step: number } }).timing.s_per_step;
  } else {
    const rows = (await folder.readText('metrics.jsonl'))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    seconds = bestAfterFirst(rows.map((r) => r[c.measure.type === 'probe' ? c.measure.metric : ''] as number | undefined), `${c.name} on ${backend}`);
  }
  return { case: c.name, backend, seconds, tensorBytes, rssBytes: process.resourceUsage().maxRSS * 1024 };
}

/** One run of a case to completion in `store` (location `bench`); throws unless it completed. */
async function runCase(c: BenchCase, backend: string, steps: number, store: MemoryRunStore, onStep: (step: number) => void): Promise<void> {
  const out = await runVariant({
    experiment: c.experiment,
    variant: c.variant,
    seed: 0,
    store,
    location: 'bench',
    overrides: { steps },
    environment: { backend: { name: backend, version: tf.version_core } },
    onEvent: (e) => {
      if (e.type === 'step') onStep(e.step);
    },
  });
  if (out.status !== 'completed') throw new Error(`bench case ${c.name} on ${backend} ended ${out.status}: ${out.error?.message}`);
}

/**
 * The smallest of the logged times after the first: the first observation pays one-off costs
 * (kernel compilation, the reference kernel of step 0), and on a shared machine the least disturbed
 * repeat is the best estimate of the cost.
 */
export function bestAfterFirst(values: readonly (number | undefined)[], what: string): number {
  const times = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (times.length < 2) throw new Error(`${what}: needs at least 2 timed observations (first one is a warm-up), got ${times.length}; raise --steps`);
  return Math.min(...times.slice(1));
}

/** Where the NumPy peer lives: `../shared/peers/numpy_peer.py` beside the repository. */
export function findPeer(repoRoot: string): string | null {
  const p = join(repoRoot, '..', 'shared', 'peers', 'numpy_peer.py');
  return existsSync(p) ? p : null;
}

/**
 * The environment for NumPy runs: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which this workplace sets
 * to keep old OpenBLAS builds correct, slow a current NumPy, so a fair comparison unsets both.
 */
function peerEnv(peer: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: dirname(peer) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Seconds per step (the peer's `--bench` mode) or per call (a program) of the NumPy counterpart of a case. */
export function measurePeerSpec(peer: string, spec: PeerSpec, steps: number): number {
  return spec.type === 'peer' ? measurePeer(peer, spec.args, steps) : measurePeerProgram(peer, spec.program);
}

/** Seconds per step of the NumPy peer for the same work (its `--bench` mode). */
export function measurePeer(peer: string, args: readonly string[], steps: number): number {
  const out = execFileSync('python3', [peer, ...args, '--bench', '--steps', String(steps)], { encoding: 'utf8', timeout: 600_000, env: peerEnv(peer) });
  return (JSON.parse(out) as { s_per_step: number }).s_per_step;
}

/** Seconds printed by a NumPy program run with the peer's folder importable. */
export function measurePeerProgram(peer: string, program: string): number {
  const out = execFileSync('python3', ['-c', program], { encoding: 'utf8', timeout: 600_000, env: peerEnv(peer) });
  return Number(out.trim().split('\n').at(-1));
}
