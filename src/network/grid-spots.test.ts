import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSpots, detectSpots, encodeSpots } from './grid-spots.js';
import type { Point } from '../core/types.js';

test('encode/decode round trip in the pixel-centre convention, cells = pixel blocks', () => {
  const pts: Point[] = [
    [-0.5, -0.5],
    [0, 0],
    [3.49, 3.2],
    [3.5, 7.9],
    [15.49, 10.2],
  ];
  const g = encodeSpots(pts, 16, 12, 4);
  assert.equal(g.nrow, 4);
  assert.equal(g.ncol, 3);
  // pixel row 3 (centre 3.0, covers [2.5, 3.5)) is in cell row 0; 3.5 (pixel 4) in cell row 1
  const p = (cr: number, cc: number) => g.data[(cr * g.ncol + cc) * 3];
  assert.equal(p(0, 0), 1);
  assert.equal(p(1, 2), 1);
  assert.equal(p(3, 2), 1);
  const d = decodeSpots(g, 4, 0.5);
  // (−0.5,−0.5), (0,0) and (3.49,3.2) share cell (0,0): the last one wins, as the original
  const expected: Point[] = [
    [3.49, 3.2],
    [3.5, 7.9],
    [15.49, 10.2],
  ];
  assert.equal(d.points.length, 3);
  d.points.forEach(([r, c], i) => {
    assert.ok(Math.abs(r - expected[i][0]) < 1e-5 && Math.abs(c - expected[i][1]) < 1e-5, `${r},${c}`);
  });
  // every relative offset lies in [0, 1)
  for (let i = 0; i < g.data.length; i += 3) {
    if (g.data[i] > 0) assert.ok(g.data[i + 1] >= 0 && g.data[i + 1] < 1 && g.data[i + 2] >= 0 && g.data[i + 2] < 1);
  }
});

test('spots outside the image are not encoded', () => {
  const g = encodeSpots(
    [
      [-0.6, 2],
      [8, 8],
      [2, 7.5],
    ],
    8,
    8,
    4,
  );
  let n = 0;
  for (let i = 0; i < g.data.length; i += 3) n += g.data[i];
  assert.equal(n, 0);
});

test('decode uses the given cell size for grids smaller than 3 cells', () => {
  const g = encodeSpots([[5.2, 1.1]], 8, 4, 4);
  assert.deepEqual([g.nrow, g.ncol], [2, 1]);
  const d = decodeSpots(g, 4, 0.5);
  assert.ok(Math.abs(d.points[0][0] - 5.2) < 1e-5 && Math.abs(d.points[0][1] - 1.1) < 1e-5);
});

describe('detectSpots: cells that share one spot', () => {
  // a 2×2 grid of 4 px cells; p and in-cell offsets per cell (codec convention, pixel edges)
  const grid = (cells: [number, number, number][]) => ({ data: Float32Array.from(cells.flat()), nrow: 2, ncol: 2 });
  it('a spot split over two cells (both below the threshold) becomes one detection with their summed p', () => {
    // cell (0,0) puts it at row 2.5 (edge coords 3.0), cell (1,0) at row 4.5 (5.0): 2 px apart, on the border
    const g = grid([
      [0.3, 0.75, 0.5],
      [0, 0, 0],
      [0.35, 0.25, 0.5],
      [0, 0, 0],
    ]);
    const d = detectSpots(g, 4, 0.5);
    assert.equal(d.points.length, 1);
    assert.ok(Math.abs(d.probabilities[0] - 0.65) < 1e-6);
    assert.ok(Math.abs(d.points[0][0] - (0.3 * 2.5 + 0.35 * 4.5) / 0.65) < 1e-5);
    assert.equal(decodeSpots(g, 4, 0.5).points.length, 0, 'plain decoding loses it');
  });
  it('two detected spots 2 px apart in neighbouring cells stay two; a duplicate within 1.5 px becomes one', () => {
    const two = grid([
      [0.9, 0.75, 0.5],
      [0, 0, 0],
      [0.8, 0.25, 0.5],
      [0, 0, 0],
    ]);
    assert.equal(detectSpots(two, 4, 0.5).points.length, 2);
    const dup = grid([
      [0.9, 0.9, 0.5],
      [0, 0, 0],
      [0.8, 0.05, 0.5],
      [0, 0, 0],
    ]);
    const d = detectSpots(dup, 4, 0.5);
    assert.equal(d.points.length, 1);
    assert.equal(d.probabilities[0], 1);
  });
});
