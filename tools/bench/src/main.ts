#!/usr/bin/env node
// `pnpm bench [--backends cpu,wasm] [--cases e1/adam,...] [--steps N] [--json FILE]`: seconds per
// optimizer step of every case on every installed backend, side by side with the NumPy peer.
import { writeFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { selectBackend, type BackendRequest } from '@precond/runtime-node';
import { BENCH_CASES } from './cases.js';
import { findPeer, measureCase, measurePeer, type Measurement } from './measure.js';
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
if (cases.length === 0) throw new Error(`--cases matched nothing; cases are: ${BENCH_CASES.map((c) => c.name).join(', ')}`);

const measurements: Measurement[] = [];
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
}

const peer = findPeer(repoRoot);
const peerTimes = new Map<string, number>();
for (const c of cases) {
  if (!peer || !c.peer) continue;
  process.stderr.write(`measuring ${c.name} with the NumPy peer\n`);
  peerTimes.set(c.name, measurePeer(peer, c.peer, steps));
}

const rows = measurements.map((m) => {
  const p = peerTimes.get(m.case);
  return [m.case, m.backend, fmtSeconds(m.sPerStep), (1 / m.sPerStep).toFixed(1), fmtMiB(m.tensorBytes), fmtMiB(m.rssBytes), p ? fmtSeconds(p) : '-', p ? (m.sPerStep / p).toFixed(2) : '-'];
});
console.log(formatTable(['case', 'backend', 's/step', 'steps/s', 'tensor MiB', 'peak RSS MiB', 'numpy s/step', 'ratio'], rows));
console.log(`\nratio = ours / NumPy (below 1: faster than the peer). s/step excludes the first step. ${steps} steps per case.`);
if (!peer) console.log('NumPy peer not found at ../shared/peers/numpy_peer.py: peer columns are empty.');
for (const s of skipped) console.log(`skipped backend ${s}`);
if (values.json) writeFileSync(values.json, JSON.stringify({ steps, measurements, peer: Object.fromEntries(peerTimes) }, null, 2));
