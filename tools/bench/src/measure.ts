import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { MemoryRunStore, runVariant } from '@precond/core';
import type { BackendInfo } from '@precond/runtime-node';
import type { BenchCase } from './cases.js';

export interface Measurement {
  readonly case: string;
  readonly backend: string;
  /** Mean seconds per optimizer step, first step excluded (the runner's `timing.s_per_step`). */
  readonly sPerStep: number;
  /** Bytes held by tfjs tensors at the end of the run (model, data, optimizer state). */
  readonly tensorBytes: number;
  /** Peak resident set size of this process so far, in bytes. */
  readonly rssBytes: number;
}

/** Time `steps` optimizer steps of a case with the real runner on the current backend. */
export async function measureCase(c: BenchCase, backend: BackendInfo, steps: number): Promise<Measurement> {
  const store = new MemoryRunStore();
  let tensorBytes = 0;
  const out = await runVariant({
    experiment: c.experiment,
    variant: c.variant,
    seed: 0,
    store,
    location: 'bench',
    overrides: { steps },
    environment: { backend: { name: backend.name, version: backend.version } },
    onEvent: (e) => {
      if (e.type === 'step' && e.step === steps) tensorBytes = tf.memory().numBytes;
    },
  });
  if (out.status !== 'completed') throw new Error(`bench case ${c.name} on ${backend.name} ended ${out.status}: ${out.error?.message}`);
  const record = JSON.parse(await (await store.open('bench')).readText('run.json')) as { timing: { s_per_step: number } };
  return { case: c.name, backend: backend.name, sPerStep: record.timing.s_per_step, tensorBytes, rssBytes: process.resourceUsage().maxRSS * 1024 };
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
