import type { ExperimentSpec } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { variantForms } from '../form/slots.js';
import { CATALOG, catalogEntry, DEFAULT_CHOICES } from './catalog.js';

/** The resolved options of every slot of every variant: what a run of it records as its config. */
function resolved(spec: ExperimentSpec) {
  return Object.fromEntries(Object.keys(spec.variants).map((v) => [v, variantForms(spec, v).map((f) => [f.title, f.initial])]));
}

describe('the catalog', () => {
  it("E1 has every variant of experiments/spectral-bias/experiment.ts (the CLI's E1), resolved alike; keep the two in step", async () => {
    // Loaded by URL: that file belongs to a Node project and is not part of this package's build.
    const url = new URL('../../../../experiments/spectral-bias/experiment.ts', import.meta.url).href;
    const full = ((await import(/* @vite-ignore */ url)) as { default: ExperimentSpec }).default;
    // The CLI's E1 runs the NTK probe; the page adds it only when asked (catalog.ts), so the two
    // are compared without it, and the probe separately.
    expect(full.probes?.map((p) => p.meta.id)).toEqual(['ntk']);
    const cli: ExperimentSpec = { ...full, probes: undefined };
    const here = catalogEntry('spectral-bias').build(DEFAULT_CHOICES);
    expect(here.name).toBe(cli.name);
    expect(here.settings).toEqual(cli.settings);
    const mine = resolved(here);
    for (const [variant, forms] of Object.entries(resolved(cli))) expect(mine[variant], `variant '${variant}'`).toEqual(forms);
    // The one variant the playground adds.
    expect(Object.keys(here.variants).filter((v) => !(v in cli.variants))).toEqual(['lm-adaptive']);
  });

  it('builds every experiment, with and without the NTK probe', () => {
    for (const entry of Object.values(CATALOG)) {
      expect(entry.build(DEFAULT_CHOICES).name).toBe(entry.id);
      expect(entry.build({ ...DEFAULT_CHOICES, ntk: true }).probes?.map((p) => p.meta.id)).toEqual(['ntk']);
    }
  });

  it('names the experiments there are when asked for another', () => {
    expect(() => catalogEntry('e9')).toThrow("no experiment 'e9' in the playground; experiments: spectral-bias, modular-addition");
  });
});
