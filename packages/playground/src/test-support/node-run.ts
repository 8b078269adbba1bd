import { decodeSafetensors, MemoryRunStore, runVariant, type Overrides, type RunEnvironment, type RunFolder } from '@precond/core';
import { loadRun, type LoadedRun } from '@precond/report';
import { catalogEntry, DEFAULT_CHOICES } from '../experiments/catalog.js';

/** A run of a catalog experiment in this Node process, on whatever tfjs backend is active. */
export interface NodeRun {
  readonly store: MemoryRunStore;
  readonly loaded: LoadedRun;
  /** The training loss the optimizer reported at each step 1..N (before that step's update). */
  readonly stepLosses: number[];
}

/** Run `variant` of the playground's E1 (the same spec the browser runs) into a memory store. */
export async function runInNode(options: {
  readonly experiment?: string;
  readonly variant: string;
  readonly seed: number;
  readonly overrides: Overrides;
  readonly backend: RunEnvironment['backend'];
}): Promise<NodeRun> {
  const store = new MemoryRunStore();
  const stepLosses: number[] = [];
  const outcome = await runVariant({
    experiment: catalogEntry(options.experiment ?? 'spectral-bias').build(DEFAULT_CHOICES),
    variant: options.variant,
    seed: options.seed,
    overrides: options.overrides,
    store,
    location: 'run',
    environment: { backend: options.backend },
    onEvent: (e) => {
      if (e.type === 'step') stepLosses.push(e.loss);
    },
  });
  if (outcome.status !== 'completed') throw new Error(`the Node run ended ${outcome.status}: ${outcome.error?.message ?? ''}`);
  return { store, loaded: await loadRun(await store.open('run')), stepLosses };
}

/** The parameters a run folder checkpointed at `step` (checkpoints/step-N/params.safetensors), by name. */
export async function checkpointParams(folder: RunFolder, step: number): Promise<Map<string, Float32Array>> {
  const path = `checkpoints/step-${step}/params.safetensors`;
  const { tensors } = decodeSafetensors(await folder.readBytes(path), `${folder.location}/${path}`);
  return new Map(Object.entries(tensors).map(([name, t]) => [name, t.data as Float32Array]));
}

/**
 * How two parameter sets differ, against how far training moved them: max over parameters of
 * ‖a − b‖_∞, and of ‖b − b₀‖_∞ (the reference's distance from its initial values).
 */
export function parameterDifference(a: Map<string, Float32Array>, b: Map<string, Float32Array>, b0: Map<string, Float32Array>): { difference: number; moved: number } {
  let difference = 0;
  let moved = 0;
  for (const [name, ref] of b) {
    const got = a.get(name);
    const start = b0.get(name);
    if (!got || !start || got.length !== ref.length) throw new Error(`parameter '${name}' is missing or has another size`);
    ref.forEach((v, i) => {
      difference = Math.max(difference, Math.abs(got[i]! - v));
      moved = Math.max(moved, Math.abs(v - start[i]!));
    });
  }
  return { difference, moved };
}
