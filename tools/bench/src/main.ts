#!/usr/bin/env node
// `pnpm bench [--backends cpu,wasm,webgpu,chromium] [--cases e1/adam,...] [--steps N] [--repeats N] [--markdown] [--json FILE]`:
// seconds per optimizer step (or per probe observation) of every case on every backend asked for,
// and seconds per call of the curvature and linear-algebra operations, side by side with NumPy.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BACKEND_REQUESTS, selectBackend, SWIFTSHADER_ICD, type BackendRequest } from '@precond/runtime-node';
import { BENCH_CASES } from './cases.js';
import { measureInChromium } from './chromium.js';
import { findPeer, measureCase, measurePeerSpec, type Measurement } from './measure.js';
import { OP_CASES, measureOp } from './op-cases.js';
import { fmtMiB, fmtSeconds, formatMarkdownTable, formatTable, ratioToBaseline, stepsPerSecondTable } from './table.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const playgroundDir = join(repoRoot, 'packages', 'playground');
const USAGE = `usage: pnpm bench [--backends cpu,wasm,webgpu,tensorflow,auto,chromium] [--cases NAME,...] [--steps N] [--repeats N] [--markdown] [--json FILE]
cases: ${[...BENCH_CASES, ...OP_CASES].map((c) => c.name).join(', ')}`;
/** A mistake on the command line: one line naming the option and what is allowed, then the usage; exit 2. */
function usageError(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}
let parsed;
try {
  parsed = parseArgs({
    options: {
      backends: { type: 'string', default: 'cpu,wasm' },
      cases: { type: 'string' },
      steps: { type: 'string' },
      repeats: { type: 'string', default: '3' },
      markdown: { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
} catch (e) {
  usageError((e as Error).message);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const steps = values.steps === undefined ? null : Number(values.steps);
if (steps !== null && !(Number.isInteger(steps) && steps >= 3)) usageError(`--steps must be an integer >= 3, got ${values.steps}`);
// Timed runs per training case (after one warm-up run) and NumPy runs per peer: the best of each.
const repeats = Number(values.repeats);
if (!(Number.isInteger(repeats) && repeats >= 1)) usageError(`--repeats must be an integer >= 1, got ${values.repeats}`);
const wanted = values.cases?.split(',');
const allNames = [...BENCH_CASES, ...OP_CASES].map((c) => c.name);
for (const name of wanted ?? []) if (!allNames.includes(name)) usageError(`--cases: unknown case '${name}'; cases are: ${allNames.join(', ')}`);
const cases = BENCH_CASES.filter((c) => !wanted || wanted.includes(c.name));
const opCases = OP_CASES.filter((c) => !wanted || wanted.includes(c.name));
const VALID_BACKENDS = [...BACKEND_REQUESTS, 'chromium'];
const backends = values.backends!.split(',');
for (const b of backends) if (!VALID_BACKENDS.includes(b)) usageError(`--backends: unknown backend '${b}'; valid: ${VALID_BACKENDS.join(', ')}`);
/** Steps of a case: --steps, else its experiment's own setting. */
const stepsOf = (c: (typeof BENCH_CASES)[number]) => steps ?? c.experiment.settings.steps;
const log = (line: string) => process.stderr.write(`${line}\n`);
const table = values.markdown ? formatMarkdownTable : formatTable;
const loadBefore = loadavg()[0]!;

const measurements: Measurement[] = [];
const opRows: Array<{ case: string; backend: string; seconds: number }> = [];
const skipped: string[] = [];
const devices = new Map<string, string>();
for (const request of backends) {
  if (request === 'chromium') {
    const inPage = cases.filter((c) => c.playground);
    for (const c of cases.filter((x) => !x.playground)) skipped.push(`chromium: ${c.name} is not in the playground`);
    if (inPage.length === 0) continue;
    try {
      const results = await measureInChromium(playgroundDir, inPage.map((c) => ({ ...c.playground!, steps: stepsOf(c) })), log);
      results.forEach((r, i) => {
        if (r.backend !== 'webgpu') throw new Error(`${inPage[i]!.name} in Chromium ran on '${r.backend}', not webgpu (${r.device})`);
        devices.set('chromium', r.device);
        measurements.push({ case: inPage[i]!.name, backend: 'chromium', seconds: r.secondsPerStep, tensorBytes: null, rssBytes: null });
      });
    } catch (e) {
      skipped.push(`chromium: ${(e as Error).message.split('\n')[0]}`);
    }
    continue;
  }
  if (request === 'webgpu') {
    // Without a GPU, Dawn runs on SwiftShader's Vulkan driver (Debian's chromium ships it).
    if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'precond-xdg-'));
  }
  let backend;
  try {
    // The optional WebGPU packages (webgpu, @tensorflow/tfjs-backend-webgpu) are installed with the
    // playground, whose Node WebGPU test uses them; tfjs-node is looked up from the working directory.
    backend = await selectBackend(request as BackendRequest, request === 'webgpu' ? { resolveFrom: playgroundDir } : {});
  } catch (e) {
    skipped.push(`${request}: ${(e as Error).message.split('\n')[0]}`);
    continue;
  }
  for (const c of cases) {
    log(`measuring ${c.name} on ${backend.name} (${stepsOf(c)} steps)`);
    measurements.push(await measureCase(c, backend.name, stepsOf(c), repeats));
  }
  for (const c of opCases.filter((o) => o.runsOn === 'tfjs')) {
    log(`measuring ${c.name} on ${backend.name}`);
    opRows.push({ case: c.name, backend: backend.name, seconds: await measureOp(c) });
  }
}
for (const c of opCases.filter((o) => o.runsOn === 'host')) {
  log(`measuring ${c.name} (float64 JS)`);
  opRows.push({ case: c.name, backend: 'js float64', seconds: await measureOp(c) });
}

const peer = findPeer(repoRoot);
const peerTimes = new Map<string, number>();
for (const c of cases) {
  if (!peer || !c.peer || !measurements.some((m) => m.case === c.name)) continue;
  log(`measuring ${c.name} with NumPy`);
  peerTimes.set(c.name, Math.min(...Array.from({ length: repeats }, () => measurePeerSpec(peer, c.peer!, stepsOf(c)))));
}
for (const c of opCases) {
  if (!peer) continue;
  log(`measuring ${c.name} with NumPy`);
  peerTimes.set(c.name, measurePeerSpec(peer, { type: 'program', program: c.peer }, 0));
}
const loadAfter = loadavg()[0]!;

const rows = measurements.map((m) => {
  const c = BENCH_CASES.find((x) => x.name === m.case)!;
  const p = peerTimes.get(m.case);
  const base = ratioToBaseline(m, c.baseline, measurements);
  return [
    m.case,
    m.backend,
    fmtSeconds(m.seconds),
    (1 / m.seconds).toFixed(m.seconds > 0.1 ? 2 : 1),
    m.tensorBytes === null ? '-' : fmtMiB(m.tensorBytes),
    m.rssBytes === null ? '-' : fmtMiB(m.rssBytes),
    p ? fmtSeconds(p) : '-',
    p ? (m.seconds / p).toFixed(2) : '-',
    base === null ? '-' : `${base.toFixed(2)} × ${c.baseline!.split('/')[1]}`,
  ];
});
if (rows.length > 0) {
  console.log(table(['case', 'backend', 's/step', 'steps/s', 'tensor MiB', 'peak RSS MiB', 'numpy s/step', 'ratio', 'vs base'], rows));
  console.log(
    `\nratio = ours / NumPy (below 1: faster than the peer); vs base = s/step over the named case's on the same backend. ` +
      `s/step excludes the first step; ntk/* is seconds per probe observation (best after the first).`,
  );
  const backendsMeasured = backends.filter((b) => measurements.some((m) => m.backend === b));
  if (backendsMeasured.length > 1) {
    const pivot = stepsPerSecondTable(measurements, cases.map((c) => c.name), backendsMeasured);
    console.log(`\nSteps per second\n\n${table(pivot.header, pivot.rows)}`);
  }
}
if (opRows.length > 0) {
  const ops = opRows.map((o) => {
    const p = peerTimes.get(o.case);
    return [o.case, o.backend, fmtSeconds(o.seconds), p ? fmtSeconds(p) : '-', p ? (o.seconds / p).toFixed(2) : '-'];
  });
  console.log(`\n${table(['operation', 'runs on', 's/call', 'numpy s/call', 'ratio'], ops)}`);
  console.log('\nBest of several calls after a warm-up; NumPy float32 for Jacobians, float64 (LAPACK) for eigh and Cholesky.');
}
for (const [b, d] of devices) console.log(`${b}: ${d}`);
console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
if (!peer) console.log('NumPy peer not found at ../shared/peers/numpy_peer.py: peer columns are empty.');
for (const s of skipped) console.log(`skipped ${s}`);
if (values.json) {
  writeFileSync(values.json, JSON.stringify({ load: [loadBefore, loadAfter], measurements, operations: opRows, peer: Object.fromEntries(peerTimes) }, null, 2));
}
