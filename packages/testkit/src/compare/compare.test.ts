import { describe, expect, it } from 'vitest';
import { allFinite, firstBitDifference, firstDifference, notJsonAt } from './compare.js';

describe('firstDifference', () => {
  it('finds the path of the first difference and treats NaN as equal to NaN', () => {
    expect(firstDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBeNull();
    expect(firstDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe('a[1].b: 2 vs 3');
    expect(firstDifference([1, 2], [1])).toBe('(root): length 2 vs 1');
    expect(firstDifference({ a: 1 }, { b: 1 })).toBe('a: 1 vs missing');
    expect(firstDifference({ x: Number.NaN }, { x: Number.NaN })).toBeNull();
    expect(firstDifference({ x: 'a' }, { x: 1 })).toBe('x: "a" vs 1');
  });
});

describe('notJsonAt', () => {
  it('names values JSON would change or drop', () => {
    expect(notJsonAt({ lr: 0.1, betas: [0.9, 0.999], name: 'adam', flag: false, none: null })).toBeNull();
    expect(notJsonAt({ lr: Number.NaN })).toBe('lr is NaN, which JSON cannot hold');
    expect(notJsonAt({ opt: { schedule: new Map() } })).toBe('opt.schedule is a Map object, which JSON cannot hold');
    expect(notJsonAt({ f: () => 1 })).toBe('f is a function, which JSON cannot hold');
    expect(notJsonAt({ u: undefined })).toBe('u is undefined, which JSON cannot hold');
    const plugin = { meta: {}, register: () => undefined };
    expect(notJsonAt({ inner: plugin }, (v) => v === plugin)).toBeNull();
  });
});

describe('firstBitDifference', () => {
  it('compares bits: -0 differs from 0, equal NaNs are equal', () => {
    expect(firstBitDifference(Float32Array.from([1, 2]), Float32Array.from([1, 2]))).toBe(-1);
    expect(firstBitDifference(Float32Array.from([1, -0]), Float32Array.from([1, 0]))).toBe(1);
    expect(firstBitDifference(Float32Array.from([Number.NaN]), Float32Array.from([Number.NaN]))).toBe(-1);
    expect(firstBitDifference(Float32Array.from([1, 2]), Float32Array.from([1]))).toBe(1);
    expect(allFinite([1, 2])).toBe(true);
    expect(allFinite([1, Number.POSITIVE_INFINITY])).toBe(false);
  });
});
