import { Rng } from '@precond/core';
import { describe, expect, it } from 'vitest';
import { oneHotPairInputs, oneHotSumTargets, PAIR_SEQUENCE_LENGTH, roundHalfEven, splitPairs, tokenPairInputs, trainCount, type PairList } from './pairs.js';

/** Pair codes a·p + b of a list (the index of the pair in the peer's unshuffled table). */
const codes = (pairs: PairList) => Array.from(pairs.a, (a, i) => a * pairs.p + pairs.b[i]!);

describe('split size', () => {
  it('rounds halves to even, as Python round does', () => {
    // Python 3: round(0.5), round(1.5), round(2.5), round(4.5), round(7.5) = 0, 2, 2, 4, 8.
    expect([0.5, 1.5, 2.5, 4.5, 7.5].map(roundHalfEven)).toEqual([0, 2, 2, 4, 8]);
    expect([476.1, 108.9, 34.3, 3.49999].map(roundHalfEven)).toEqual([476, 109, 34, 3]);
  });

  it("is the peer's int(round(trainFraction · p²))", () => {
    // Printed by Python 3 for int(round(f * p * p)): 0.9·529 = 476.1 → 476 (E3); 0.5·9409 = 4704.5
    // → 4704 (E6, p = 97, where Math.round would give 4705); 0.5·9 = 4.5 → 4; 0.3·25 = 7.5 → 8.
    expect(trainCount(23, 0.9)).toBe(476);
    expect(trainCount(97, 0.5)).toBe(4704);
    expect(trainCount(3, 0.5)).toBe(4);
    expect(trainCount(5, 0.3)).toBe(8);
  });
});

describe('splitPairs', () => {
  it('splits the 529 pairs of p = 23 into 476 training and 53 test pairs, each pair once', () => {
    const { train, test } = splitPairs(23, 0.9, new Rng(0));
    expect(train.a).toHaveLength(476);
    expect(test.a).toHaveLength(529 - 476);
    const all = [...codes(train), ...codes(test)].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 529 }, (_, k) => k));
    for (const list of [train, test]) {
      expect(list.p).toBe(23);
      for (let i = 0; i < list.a.length; i++) {
        expect(list.a[i]).toBeGreaterThanOrEqual(0);
        expect(list.b[i]).toBeLessThan(23);
      }
    }
  });

  it('is fixed by the stream: equal seeds give equal splits, other seeds other splits', () => {
    const first = splitPairs(23, 0.9, new Rng(7));
    const again = splitPairs(23, 0.9, new Rng(7));
    expect(codes(again.train)).toEqual(codes(first.train));
    expect(codes(again.test)).toEqual(codes(first.test));
    // Another seed draws another permutation; the chance that two random 53-pair test sets of 529
    // coincide is 1/C(529, 53), nil.
    const other = splitPairs(23, 0.9, new Rng(8));
    expect(new Set(codes(other.test))).not.toEqual(new Set(codes(first.test)));
  });

  it('uses the permutation rng.permutation(p²) draws, first pairs for training', () => {
    const order = new Rng(3).permutation(25);
    const { train, test } = splitPairs(5, 0.6, new Rng(3));
    // 0.6 · 25 = 15 training pairs: the first 15 of the permutation, decoded as a = ⌊k/5⌋, b = k mod 5.
    expect(codes(train)).toEqual(Array.from(order.slice(0, 15)));
    expect(codes(test)).toEqual(Array.from(order.slice(15)));
  });

  it('rejects p < 2 and fractions that leave a set empty', () => {
    expect(() => splitPairs(1, 0.5, new Rng(0))).toThrow(/p must be an integer ≥ 2, got 1/);
    // round(0.1 · 4) = 0 and round(0.9 · 4) = 4 of 4 pairs.
    expect(() => splitPairs(2, 0.1, new Rng(0))).toThrow(/gives 0 of 4/);
    expect(() => splitPairs(2, 0.9, new Rng(0))).toThrow(/gives 4 of 4/);
  });
});

describe('one-hot encoding', () => {
  const pairs: PairList = { p: 5, a: Int32Array.from([3, 0, 4]), b: Int32Array.from([4, 0, 1]) };

  it('puts ones at columns a and p + b of 2p inputs', () => {
    const x = oneHotPairInputs(pairs);
    expect(x).toHaveLength(3 * 10);
    // Row 0, (3, 4): columns 3 and 5 + 4 = 9. Row 1, (0, 0): 0 and 5. Row 2, (4, 1): 4 and 6.
    const ones = [0, 1, 2].map((i) => [...x.slice(i * 10, i * 10 + 10)].flatMap((v, c) => (v === 1 ? [c] : [])));
    expect(ones).toEqual([
      [3, 9],
      [0, 5],
      [4, 6],
    ]);
    expect(x.reduce((s, v) => s + v, 0)).toBe(6);
  });

  it('puts the one of the target at (a + b) mod p', () => {
    const y = oneHotSumTargets(pairs);
    // (3 + 4) mod 5 = 2, (0 + 0) mod 5 = 0, (4 + 1) mod 5 = 0.
    expect(Array.from(y)).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it('writes the token sequence [a, b, =] with = as id p', () => {
    expect(PAIR_SEQUENCE_LENGTH).toBe(3);
    // (3, 4), (0, 0), (4, 1) with p = 5: '=' is token 5, the vocabulary {0, …, 5} has p + 1 ids.
    expect(Array.from(tokenPairInputs(pairs))).toEqual([3, 4, 5, 0, 0, 5, 4, 1, 5]);
  });
});
