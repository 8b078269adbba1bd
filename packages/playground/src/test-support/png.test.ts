import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { colourStats, decodePng } from './png.js';

/** A PNG of `rows` (each a filter byte and the row's bytes), CRCs left zero (the decoder does not read them). */
function png(width: number, height: number, colourType: 2 | 6, rows: number[][]): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    new DataView(out.buffer).setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, colourType, 0, 0, 0], 8);
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Uint8Array.from(rows.flat()))), chunk('IEND', new Uint8Array())];
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

describe('decodePng', () => {
  it('undoes the five row filters (2×3 RGB; values worked out by hand from the PNG specification)', () => {
    const image = png(2, 5, 2, [
      [0, 10, 20, 30, 40, 50, 60], // none: as is
      [1, 1, 2, 3, 4, 4, 4], // sub: + left pixel → (1,2,3), (5,6,7)
      [2, 1, 1, 1, 0, 0, 0], // up: + row above → (2,3,4), (5,6,7)
      [3, 0, 0, 0, 1, 1, 1], // average: + ⌊(left + up)/2⌋ → (1,1,2), (4,4,5)
      [4, 5, 5, 5, 0, 0, 0], // Paeth
    ]);
    const { width, height, rgba } = decodePng(image);
    expect([width, height]).toEqual([2, 5]);
    const pixel = (x: number, y: number) => [...rgba.subarray((y * 2 + x) * 4, (y * 2 + x) * 4 + 4)];
    expect(pixel(0, 0)).toEqual([10, 20, 30, 255]);
    expect(pixel(1, 1)).toEqual([5, 6, 7, 255]);
    expect(pixel(0, 2)).toEqual([2, 3, 4, 255]);
    expect(pixel(1, 2)).toEqual([5, 6, 7, 255]);
    // Row 3, average: x=0: ⌊(0 + 2)/2⌋ = 1, ⌊(0 + 3)/2⌋ = 1, ⌊(0 + 4)/2⌋ = 2; x=1: 1 + ⌊(1 + 5)/2⌋ = 4, 1 + ⌊(1 + 6)/2⌋ = 4, 1 + ⌊(2 + 7)/2⌋ = 5.
    expect(pixel(0, 3)).toEqual([1, 1, 2, 255]);
    expect(pixel(1, 3)).toEqual([4, 4, 5, 255]);
    // Row 4, Paeth: x=0 has no left, so up: 5 + (1,1,2); x=1: a = (6,6,7), b = (4,4,5), c = (1,1,2),
    // p = a + b − c = (9,9,10), nearest of a, b, c is a → 0 + (6,6,7).
    expect(pixel(0, 4)).toEqual([6, 6, 7, 255]);
    expect(pixel(1, 4)).toEqual([6, 6, 7, 255]);
    // Ten pixels, (5,6,7) and (6,6,7) twice each: eight colours, none of them white.
    expect(colourStats({ width, height, rgba })).toEqual({ distinct: 8, nonWhite: 1 });
  });

  it('reads the alpha channel of RGBA images, and refuses what it does not read', () => {
    expect([...decodePng(png(1, 1, 6, [[0, 255, 255, 255, 128]])).rgba]).toEqual([255, 255, 255, 128]);
    expect(colourStats(decodePng(png(1, 1, 6, [[0, 255, 255, 255, 255]])))).toEqual({ distinct: 1, nonWhite: 0 });
    expect(() => decodePng(new Uint8Array([1, 2, 3]))).toThrow('not a PNG file');
  });
});
