// The schedule: moving averages of the factors, separate factor and inverse periods, burn-in, and
// the diagnostics each update reports.
import * as tf from '@tensorflow/tfjs-core';
import { mseLoss, Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { add, directionOn, factorTolerance, flat, makeKfac, meanOuter, normals, read, relativeError, scale, updateOn, withOnes, type Mat, disposeAfterEachTest } from './test-support/reference.js';

const { track, tensor, linearModel } = disposeAfterEachTest();

/** A 2 → 1 linear layer with a bias. */
const linear = () => linearModel(2, 1, 1);

describe('moving averages', () => {
  it('initialise at the first factor update, then A ← decay·A + (1 − decay)·A_batch (two steps by hand)', async () => {
    const model = linear();
    const rng = new Rng(3);
    const [x1, x2] = [normals(rng, 6, 2), normals(rng, 6, 2)];
    const [y1, y2] = [normals(rng, 6, 1), normals(rng, 6, 1)];
    const h = 2;
    // Empirical statistics, so G changes with the batch too: G_batch = (1/n) Σ (h r_i)².
    const k = track(makeKfac(model, { estimation: 'empirical', decay: 0.9 }));
    const w = read(model.params[0]!.variable).map((r) => r[0]!);
    const b = read(model.params[1]!.variable)[0]![0]!;
    const gBatch = (x: Mat, y: Mat) => [[x.reduce((s, xi, i) => s + (h * (xi[0]! * w[0]! + xi[1]! * w[1]! + b - y[i]![0]!)) ** 2, 0) / x.length]];

    await updateOn(k, 1, model, { x: tensor(x1), y: tensor(y1) }, mseLoss(h), rng);
    const first = (await k.inspect()).blocks[0]!.factors!;
    // The first update initialises: A = A(batch 1), not 0.1·A(batch 1).
    expect(relativeError(first.a, flat(meanOuter(withOnes(x1), 6)))).toBeLessThan(factorTolerance());
    expect(relativeError(first.g, flat(gBatch(x1, y1)))).toBeLessThan(1e-5);

    await updateOn(k, 2, model, { x: tensor(x2), y: tensor(y2) }, mseLoss(h), rng);
    const second = (await k.inspect()).blocks[0]!.factors!;
    const expectedA = add(scale(meanOuter(withOnes(x1), 6), 0.9), scale(meanOuter(withOnes(x2), 6), 0.1));
    const expectedG = add(scale(gBatch(x1, y1), 0.9), scale(gBatch(x2, y2), 0.1));
    // The average itself is float64 on every backend; the batch factors are exact to factorTolerance.
    expect(relativeError(second.a, flat(expectedA))).toBeLessThan(factorTolerance());
    expect(relativeError(second.g, flat(expectedG))).toBeLessThan(1e-5);
  });
});

describe('periods', () => {
  it('update factors every factorUpdateEvery and inverses every inverseUpdateEvery updates, independently', async () => {
    const model = linear();
    const rng = new Rng(4);
    const k = track(makeKfac(model, { estimation: 'empirical', factorUpdateEvery: 2, inverseUpdateEvery: 3 }));
    const seen: { factors: number; inverses: number; inverseA: number }[] = [];
    for (let u = 1; u <= 7; u++) {
      // A new batch every update, so the factors (and inverses computed from them) change whenever updated.
      await updateOn(k, u, model, { x: tensor(normals(rng, 5, 2)), y: tensor(normals(rng, 5, 1)) }, mseLoss(), rng);
      const info = await k.inspect();
      seen.push({ factors: info.factorUpdates, inverses: info.inverseUpdates, inverseA: info.blocks[0]!.inverses!.a[0]! });
    }
    // Factors at updates 1, 3, 5, 7 ((u − 1) % 2 = 0); inverses at 1, 4, 7 ((u − 1) % 3 = 0).
    expect(seen.map((s) => s.factors)).toEqual([1, 1, 2, 2, 3, 3, 4]);
    expect(seen.map((s) => s.inverses)).toEqual([1, 1, 1, 2, 2, 2, 3]);
    // The inverse in use changes exactly when it is recomputed.
    const changed = seen.map((s, i) => i > 0 && s.inverseA !== seen[i - 1]!.inverseA);
    expect(changed).toEqual([false, false, false, true, false, false, true]);
  });

  it('burn-in: factors accumulate and apply returns the gradient unchanged; the first inverse comes right after', async () => {
    const model = linear();
    const rng = new Rng(5);
    const batch = { x: tensor(normals(rng, 8, 2)), y: tensor(normals(rng, 8, 1)) };
    const k = track(makeKfac(model, { burnIn: 2 }));
    for (const u of [1, 2]) {
      const { metrics, grads, direction } = await directionOn(k, u, model, batch, mseLoss(), rng);
      expect(metrics['kfac.burn_in']).toBe(1);
      expect(direction).toEqual(grads);
      expect((await k.inspect()).blocks[0]!.factorUpdates).toBe(u);
      expect((await k.inspect()).blocks[0]!.inverses).toBeNull();
    }
    const { metrics, grads, direction } = await directionOn(k, 3, model, batch, mseLoss(), rng);
    expect(metrics['kfac.burn_in']).toBeUndefined();
    expect((await k.inspect()).inverseUpdates).toBe(1);
    expect(direction).not.toEqual(grads);
  });

  it('apply before the first update passes the gradient through (new tensors)', () => {
    const model = linear();
    const k = track(makeKfac(model));
    const grads = model.params.map((p) => track(tf.onesLike(p.variable)));
    const out = k.apply(grads);
    out.forEach((d, i) => {
      expect(d).not.toBe(grads[i]);
      expect(Array.from(d.dataSync())).toEqual(Array.from(grads[i]!.dataSync()));
    });
    tf.dispose(out);
  });
});

describe('diagnostics', () => {
  it('the first update reports the blocks and fallbacks; every update reports λ and the failure count', async () => {
    const model = linear();
    const rng = new Rng(6);
    const batch = { x: tensor(normals(rng, 4, 2)), y: tensor(normals(rng, 4, 1)) };
    const k = track(makeKfac(model, { damping: 0.02 }));
    const first = await updateOn(k, 1, model, batch, mseLoss(), rng);
    expect(first).toEqual({ 'kfac.blocks': 1, 'kfac.fallback_params': 0, 'kfac.damping': 0.02, 'kfac.inverse_failures': 0 });
    const second = await updateOn(k, 2, model, batch, mseLoss(), rng);
    expect(second).toEqual({ 'kfac.damping': 0.02, 'kfac.inverse_failures': 0 });
  });
});
