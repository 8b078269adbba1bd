#!/usr/bin/env node
// `pnpm bench [--backends cpu,wasm] [--cases e1/adam,...] [--steps N] [--json FILE]`: seconds per
// optimizer step of every case on every installed backend, and seconds per call of the curvature
// and linear-algebra operations, side by side with NumPy.
import { writeFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { selectBackend, type BackendRequest } from '@precond/runtime-node';
import { BENCH_CASES } from './cases.js';
import { findPeer, measureCase, measurePeer, measurePeerProgram, type Measurement } from './measure.js';
import { OP_CASES, measureOp } from './op-cases.js';
import { fmtMiB, fmtSeconds, formatTable } from './table.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'cpu,wasm' },
    cases: { type: 'string' },
    steps: { type: 'string', default: '100' },
    json: { type: 'string' },
  },
});
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 3) throw new Error(`--steps must be an integer >= 3, got ${values.steps}`);
const wanted = values.cases?.split(',');
const cases = BENCH_CASES.filter((c) => !wanted || wanted.includes(c.name));
const opCases = OP_CASES.filter((c) => !wanted || wanted.includes(c.name));
if (cases.length === 0 && opCases.length === 0) {
  throw new Error(`--cases matched nothing; cases are: ${[...BENCH_CASES, ...OP_CASES].map((c) => c.name).join(', ')}`);
}

const measurements: Measurement[] = [];
const opRows: Array<{ case: string; backend: string; seconds: number }> = [];
const skipped: string[] = [];
for (const request of values.backends!.split(',') as BackendRequest[]) {
  let backend;
  try {
    backend = await selectBackend(request);
  } catch (e) {
    skipped.push(`${request}: ${(e as Error).message.split('\n')[0]}`);
    continue;
  }
  for (const c of cases) {
    process.stderr.write(`measuring ${c.name} on ${backend.name} (${steps} steps)\n`);
    measurements.push(await measureCase(c, backend, steps));
  }
  for (const c of opCases.filter((o) => o.runsOn === 'tfjs')) {
    process.stderr.write(`measuring ${c.name} on ${backend.name}\n`);
    opRows.push({ case: c.name, backend: backend.name, seconds: await measureOp(c) });
  }
}
for (const c of opCases.filter((o) => o.runsOn === 'host')) {
  process.stderr.write(`measuring ${c.name} (float64 JS)\n`);
  opRows.push({ case: c.name, backend: 'js float64', seconds: await measureOp(c) });
}

const peer = findPeer(repoRoot);
const peerTimes = new Map<string, number>();
for (const c of cases) {
  if (!peer || !c.peer) continue;
  process.stderr.write(`measuring ${c.name} with the NumPy peer\n`);
  peerTimes.set(c.name, measurePeer(peer, c.peer, steps));
}

for (const c of opCases) {
  if (!peer) continue;
  process.stderr.write(`measuring ${c.name} with NumPy\n`);
  peerTimes.set(c.name, measurePeerProgram(peer, c.peer));
}

const rows = measurements.map((m) => {
  const p = peerTimes.get(m.case);
  return [m.case, m.backend, fmtSeconds(m.sPerStep), (1 / m.sPerStep).toFixed(1), fmtMiB(m.tensorBytes), fmtMiB(m.rssBytes), p ? fmtSeconds(p) : '-', p ? (m.sPerStep / p).toFixed(2) : '-'];
});
if (rows.length > 0) {
  console.log(formatTable(['case', 'backend', 's/step', 'steps/s', 'tensor MiB', 'peak RSS MiB', 'numpy s/step', 'ratio'], rows));
  console.log(`\nratio = ours / NumPy (below 1: faster than the peer). s/step excludes the first step. ${steps} steps per case.`);
}
if (opRows.length > 0) {
  const ops = opRows.map((o) => {
    const p = peerTimes.get(o.case);
    return [o.case, o.backend, fmtSeconds(o.seconds), p ? fmtSeconds(p) : '-', p ? (o.seconds / p).toFixed(2) : '-'];
  });
  console.log(`\n${formatTable(['operation', 'runs on', 's/call', 'numpy s/call', 'ratio'], ops)}`);
  console.log('\nBest of several calls after a warm-up; NumPy float32 for Jacobians, float64 (LAPACK) for eigh and Cholesky.');
}
if (!peer) console.log('NumPy peer not found at ../shared/peers/numpy_peer.py: peer columns are empty.');
for (const s of skipped) console.log(`skipped backend ${s}`);
if (values.json) writeFileSync(values.json, JSON.stringify({ steps, measurements, operations: opRows, peer: Object.fromEntries(peerTimes) }, null, 2));
