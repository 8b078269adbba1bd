import { useBackend } from '@precond/runtime-node';
import { defineExperiment, MemoryRunStore, runVariant } from '@precond/core';
import { sgd } from '@precond/optimizer-first-order';
import { fourierTarget } from '@precond/task-fourier-target';
import { shampoo } from '../dist/index.js';
await useBackend('cpu');
const steps = Number(process.argv[2] ?? 200);
const configs = JSON.parse(process.argv[3]);
for (const { lr, ...opts } of configs) {
  const variants = { v: opts.plain ? { optimizer: sgd({ lr }) } : { optimizer: sgd({ lr }), preconditioner: shampoo(opts) } };
  const exp = defineExperiment({ name: 'e1', task: fourierTarget(), settings: { steps, log: { every: steps } }, variants });
  const store = new MemoryRunStore();
  const out = await runVariant({ experiment: exp, variant: 'v', seed: 0, store, location: 'r', environment: { backend: { name: 'x', version: '' } } });
  const rows = (await (await store.open('r')).readText('metrics.jsonl')).trim().split('\n').map((l) => JSON.parse(l));
  const last = rows[rows.length - 1];
  console.log(JSON.stringify({ lr, ...opts }), out.status, last.step, last.loss, last['opt.shampoo.root_residual'] ?? '', last['opt.shampoo.root_failures'] ?? '');
}
