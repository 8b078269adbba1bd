import { describe, expect, it } from 'vitest';
import { fourierModeErrors } from './fourier-mode-errors.js';
import { midpointGrid, sampleTarget, sineSum, trainingGrid } from './target.js';

const PAPER = { frequencies: [3, 5, 7], amplitudes: [1 / 3, 2 / 3, 1], phases: [-1, -2, -3] };
/** The paper's target written out term by term: u(x) = 1/3 Σ_{k=1..3} k sin((2k+1)πx − k). */
const paperU = (x: number) =>
  (1 * Math.sin(3 * Math.PI * x - 1) + 2 * Math.sin(5 * Math.PI * x - 2) + 3 * Math.sin(7 * Math.PI * x - 3)) / 3;

describe('grids', () => {
  it('trainingGrid is NumPy linspace(-1, 1, 100, endpoint=False)', () => {
    const x = trainingGrid([-1, 1], 100);
    // Values printed by NumPy 2.4 for np.linspace(-1, 1, 100, endpoint=False)[[0, 1, 37, 99]] and
    // the spacing g[1] − g[0] (float64 reprs).
    expect(x).toHaveLength(100);
    expect(x[0]).toBe(-1);
    expect(x[1]).toBe(-0.98);
    expect(x[37]).toBe(-0.26);
    expect(x[99]).toBe(0.98);
    expect(x[1]! - x[0]!).toBe(0.020000000000000018);
    // b = 1 is left out: the grid is periodic, the step from the last point to b is one spacing.
    expect(1 - x[99]!).toBeCloseTo(0.02, 15);
  });

  it('midpointGrid lies halfway between neighbouring training points', () => {
    const x = trainingGrid([-1, 1], 100);
    const m = midpointGrid([-1, 1], 100);
    // a + (i + ½)·0.02: −0.99 first, 0.99 last (halfway between 0.98 and b = 1).
    expect(m[0]).toBeCloseTo(-0.99, 15);
    expect(m[99]).toBeCloseTo(0.99, 15);
    for (let i = 0; i < 99; i++) expect(m[i]).toBeCloseTo((x[i]! + x[i + 1]!) / 2, 14);
  });
});

describe('the E1 target', () => {
  it('sineSum with the default components is the paper formula', () => {
    for (const x of [-1, -0.37, 0, 0.123, 0.98]) expect(sineSum(x, PAPER)).toBeCloseTo(paperU(x), 14);
    // Hand value: u(0) = (sin(−1) + 2 sin(−2) + 3 sin(−3))/3 = (−0.841471 − 1.818595 − 0.423360)/3.
    expect(sineSum(0, PAPER)).toBeCloseTo(-1.027809, 6);
    expect(() => sineSum(0, { ...PAPER, phases: [0] })).toThrow(/3, 3 and 1/);
  });

  it('samples u at the float32 grid, matching the NumPy peer', () => {
    const { x, y } = sampleTarget(trainingGrid([-1, 1], 100), PAPER);
    expect(x[37]).toBe(Math.fround(-0.26));
    // y = u(x) for the stored float32 x, up to one float32 rounding of y.
    for (const i of [0, 37, 99]) expect(y[i]).toBe(Math.fround(paperU(x[i]!)));
    // numpy_peer.e1_data() y[0], y[37], y[99] (float32, printed with NumPy 2.4). The peer evaluates u
    // in float32, with arguments up to |7πx − 3| ≈ 25 rounded to 2^-20 ≈ 1e-6 each, so it differs
    // from the float64 evaluation by a few 1e-6 (measured 1.4e-6 at most here): tolerance 5e-6.
    const peer: Record<number, number> = { 0: 1.027809500694275, 37: -0.4164275825023651, 99: 0.5062374472618103 };
    for (const [i, v] of Object.entries(peer)) expect(Math.abs(y[Number(i)]! - v)).toBeLessThan(5e-6);
  });

  it('puts the three sines on DFT bins 3, 5, 7 with |ê| = a_j/2 on [-1, 1) with 100 points', () => {
    // sin(ωπx + φ) at x_t = −1 + 2t/n is sin(2π ω t/n + φ − ωπ): ω whole cycles over the grid, so
    // bin ω gets a_ω/2 (see the fourierModeErrors tests) and every other bin 0. The data deviates
    // from exact grid samples only by rounding: x to float32 (|δx| ≤ 2^-25, times max|u'| ≤
    // π(1 + 10/3 + 7) ≈ 35.6, gives 1.1e-6) and y to float32 (≤ 2^-24 · max|u| ≤ 2^-24 · 2 = 1.2e-7);
    // a DFT mean moves by at most the largest deviation: tolerance 1.5e-6.
    const { y } = sampleTarget(trainingGrid([-1, 1], 100), PAPER);
    const expected = [0, 0, 0, 1 / 6, 0, 1 / 3, 0, 1 / 2, 0, 0];
    fourierModeErrors(y, 10).forEach((m, k) => expect(Math.abs(m - expected[k]!)).toBeLessThan(1.5e-6));
  });

  it('on [a, b) puts frequency ω on bin ω(b − a)/2', () => {
    // [0, 1): sin(4πx) runs 2 cycles over the domain, so it lands on bin 2 with |ê| = 0.8/2.
    const { y } = sampleTarget(trainingGrid([0, 1], 64), { frequencies: [4], amplitudes: [0.8], phases: [0.3] });
    // Same rounding bound as above with max|u'| = 0.8·4π ≈ 10: 3.2e-7 + 6e-8, tolerance 5e-7.
    fourierModeErrors(y, 6).forEach((m, k) => expect(Math.abs(m - (k === 2 ? 0.4 : 0))).toBeLessThan(5e-7));
  });
});
