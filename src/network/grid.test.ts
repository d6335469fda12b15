import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Point } from '../core/types.js';
import { sharedPath } from '../testutil/shared.js';
import { decodeGrid, encodeGrid, lookupProbabilities, nextPower, postprocessPrediction, type Grid } from './grid.js';

interface GridCase {
  name: string;
  coords: Point[];
  image_size: number;
  cell_size: number;
  expected: { shape: [number, number, number]; nonzero_cells: number[][]; decoded: Point[] };
}

interface PostprocessCase {
  name: string;
  image_shape: [number, number];
  matrix_nonzero: number[][];
  matrix_shape: [number, number, number];
  expected: { 'default_0.5': Point[]; 'probability_0.8_with_p': number[][] };
}

/** Golden values; reading throws (and the tests fail) when shared/ is missing. */
const golden = JSON.parse(readFileSync(sharedPath('reference', 'metric_cases.json'), 'utf8')) as {
  grid_cases: GridCase[];
  postprocess_case: PostprocessCase;
  next_power_of_two: Record<string, number>;
};

function close(actual: number, expected: number, what: string, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

function closeRows(actual: readonly (readonly number[])[], expected: readonly (readonly number[])[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: count`);
  expected.forEach((row, i) => {
    assert.equal(actual[i].length, row.length, `${what}[${i}] width`);
    row.forEach((v, j) => close(actual[i][j], v, `${what}[${i}][${j}]`));
  });
}

/** Non-empty cells as [cr, cc, p, relRow, relCol], row-major. */
function nonzeroCells(g: Grid): number[][] {
  const out: number[][] = [];
  for (let cr = 0; cr < g.nrow; cr++) {
    for (let cc = 0; cc < g.ncol; cc++) {
      const o = (cr * g.ncol + cc) * 3;
      if (g.data[o] !== 0) out.push([cr, cc, g.data[o], g.data[o + 1], g.data[o + 2]]);
    }
  }
  return out;
}

test('golden: next_power table', () => {
  const table = Object.entries(golden.next_power_of_two);
  assert.ok(table.length >= 14);
  for (const [n, expected] of table) assert.equal(nextPower(Number(n)), expected, `next_power(${n})`);
  assert.equal(nextPower(-3), 0);
  assert.equal(nextPower(2.5), 4);
});

test('golden: all grid encode/decode cases', () => {
  assert.equal(golden.grid_cases.length, 4);
  for (const c of golden.grid_cases) {
    const g = encodeGrid(c.coords, c.image_size, { cellSize: c.cell_size });
    assert.deepEqual([g.nrow, g.ncol, 3], c.expected.shape, `${c.name} shape`);
    assert.ok(g.data instanceof Float64Array);
    closeRows(nonzeroCells(g), c.expected.nonzero_cells, `${c.name} cells`);
    const d = decodeGrid(g, c.image_size);
    closeRows(d.points, c.expected.decoded, `${c.name} decoded`);
    assert.deepEqual(d.probabilities, new Array(c.expected.decoded.length).fill(1));
  }
});

function gridFromNonzero(c: PostprocessCase, dtype: 'float32' | 'float64'): Grid {
  const [nrow, ncol] = c.matrix_shape;
  const data = dtype === 'float32' ? new Float32Array(nrow * ncol * 3) : new Float64Array(nrow * ncol * 3);
  for (const [cr, cc, p, rr, rc] of c.matrix_nonzero) data.set([p, rr, rc], (cr * ncol + cc) * 3);
  return { data, nrow, ncol };
}

test('golden: predict post-processing (100x300 image padded to 128x512)', () => {
  const c = golden.postprocess_case;
  const grid = gridFromNonzero(c, 'float64');
  const [H, W] = c.image_shape;
  const def = postprocessPrediction(grid, H, W);
  assert.deepEqual([def.paddedHeight, def.paddedWidth, def.imageSize], [128, 512, 512]);
  closeRows(def.points, c.expected['default_0.5'], 'default 0.5');
  const p8 = postprocessPrediction(grid, H, W, 0.8);
  closeRows(
    p8.points.map((p, i) => [p[0], p[1], p8.probabilities[i]]),
    c.expected['probability_0.8_with_p'],
    'probability 0.8',
  );
  // decoding without the crop keeps the spots in the padded part too
  const all = decodeGrid(grid, 512);
  assert.ok(all.points.length > def.points.length);
  assert.ok(all.points.some(([r, cc]) => r > H || cc > W));
});

test('upstream unit cases: (5, 8) in a 12 px image, cell (0, 1) of a 4x4 grid on 512 px', () => {
  const g = encodeGrid([[5, 8]], 12, { cellSize: 4 });
  assert.deepEqual(Array.from(g.data.subarray((1 * 3 + 2) * 3, (1 * 3 + 2) * 3 + 3)), [1, 0.25, 0]);
  const grid: Grid = { data: new Float64Array(4 * 4 * 3), nrow: 4, ncol: 4 };
  grid.data.set([1, 0.5, 0.5], (0 * 4 + 1) * 3);
  assert.deepEqual(decodeGrid(grid, 512).points, [[64, 192]]);
});

test('decode threshold is strict, and compared in float32 for a Float32Array grid', () => {
  const g64: Grid = { data: new Float64Array(2 * 2 * 3), nrow: 2, ncol: 2 };
  g64.data.set([0.5, 0.1, 0.1], 0);
  g64.data.set([Math.fround(0.8), 0.2, 0.2], 3);
  assert.equal(decodeGrid(g64, 8).points.length, 1); // 0.5 is not > 0.5
  assert.equal(decodeGrid(g64, 8, 0.8).points.length, 1); // fround(0.8) > 0.8 in float64
  const g32: Grid = { data: Float32Array.from(g64.data), nrow: 2, ncol: 2 };
  assert.equal(decodeGrid(g32, 8, 0.8).points.length, 0); // float32(0.8) is not > float32(0.8)
  // cell = 8 // max(2, 2, 3) = 2: the channel depth takes part in the max (upstream quirk)
  assert.deepEqual(decodeGrid(g32, 8).points, [[Math.fround(0.2) * 2, 2 + Math.fround(0.2) * 2]]);
});

test('encode: collisions, border clamp, non-square grid, smoothing, float32 storage', () => {
  const g = encodeGrid(
    [
      [5.1, 5.2],
      [6.9, 6.8],
      [32, 32],
    ],
    32,
    { cellSize: 4 },
  );
  assert.deepEqual(
    nonzeroCells(g).map((x) => x.slice(0, 2)),
    [
      [1, 1],
      [7, 7],
    ],
  );
  const wide = encodeGrid([[11, 19.5]], 12, { cellSize: 4, sizeC: 20 });
  assert.deepEqual([wide.nrow, wide.ncol], [3, 5]);
  assert.deepEqual(nonzeroCells(wide), [[2, 4, 1, 0.75, 0.875]]);
  const smooth = encodeGrid([[1, 1]], 8, { cellSize: 4, smoothFactor: 0.9 });
  assert.equal(smooth.data[0], 0.9);
  assert.equal(smooth.data[3], 1 - 0.9);
  const f32 = encodeGrid([[1.3, 2.7]], 8, { cellSize: 4, dtype: 'float32' });
  assert.ok(f32.data instanceof Float32Array);
  assert.equal(f32.data[1], Math.fround(1.3 / 4));
  // negative coordinates are clamped into the first cell (upstream would wrap around)
  assert.deepEqual(nonzeroCells(encodeGrid([[-0.5, 3]], 8, { cellSize: 4 })), [[0, 0, 1, -0.125, 0.75]]);
  assert.throws(() => encodeGrid([[NaN, 1]], 8), /finite/);
});

test('probability lookup uses the square-grid rule and stays inside the grid', () => {
  const grid: Grid = { data: new Float64Array(2 * 4 * 3), nrow: 2, ncol: 4 };
  for (let k = 0; k < 8; k++) grid.data[k * 3] = k / 10;
  // image 16 (cell 4); row 8 = padded border exactly: upstream would index row 2 of 2 rows
  assert.deepEqual(
    lookupProbabilities(
      grid,
      [
        [0, 0],
        [5.5, 13],
        [8, 16],
      ],
      16,
    ),
    [0, 0.7, 0.7],
  );
});

test('encode then decode round-trips every coordinate in [0, imageSize]', () => {
  let s = 3;
  const rand = (): number => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  for (const cell of [1, 2, 4, 8]) {
    const size = 64;
    const pts: Point[] = [];
    const seen = new Set<string>();
    for (let k = 0; k < 40; k++) {
      const p: Point = [rand() * size, rand() * size];
      const key = `${Math.floor(Math.floor(p[0]) / cell)},${Math.floor(Math.floor(p[1]) / cell)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      pts.push(p);
    }
    const decoded = decodeGrid(encodeGrid(pts, size, { cellSize: cell }), size).points;
    const sortKey = (p: Point): number => Math.floor(p[0] / cell) * 1e6 + Math.floor(p[1] / cell);
    const expected = [...pts].sort((a, b) => sortKey(a) - sortKey(b));
    closeRows(decoded, expected, `cell ${cell}`);
  }
});
