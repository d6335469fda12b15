/** Counts per cell (issue 14): predictImage with a cell mask, the `cell` column and the per-cell table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDetector, predictImage } from './predict.js';
import { resultCellTable, resultTable } from './table.js';
import { resultSpots } from './result.js';
import { simulateImage } from '../simulate/simulate.js';
import type { RawImage } from '../io/image/read.js';
import type { LabelImage } from '../measure/cells.js';
import type { Point } from '../core/types.js';

const H = 96;
const W = 96;

/** Cell 1: rows 4–36 × cols 4–40; cell 2: rows 4–36 × cols 52–92; cell 3: disk of radius 16 at (68, 64). */
function cells(): LabelImage {
  const data = new Uint16Array(H * W);
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      if (r >= 4 && r <= 36 && c >= 4 && c <= 40) data[r * W + c] = 1;
      else if (r >= 4 && r <= 36 && c >= 52 && c <= 92) data[r * W + c] = 2;
      else if ((r - 68) ** 2 + (c - 64) ** 2 <= 16 ** 2) data[r * W + c] = 3;
    }
  }
  return { data, shape: [H, W], path: 'cells_mask.tif' };
}
// 3 spots in cell 1, 2 in cell 2, 4 in cell 3, 2 outside
const POSITIONS: Point[] = [
  [12, 12],
  [20, 30],
  [30, 14],
  [14, 62],
  [28, 84],
  [60, 56],
  [62, 72],
  [76, 58],
  [74, 72],
  [60, 16],
  [86, 24],
];
const EXPECTED = [1, 1, 1, 2, 2, 3, 3, 3, 3, 0, 0];

const raw = (data: Float32Array | Uint16Array, shape: number[], axes?: string): RawImage => ({
  path: 'img.tif',
  data,
  shape,
  dtype: 'float32',
  axes,
  warnings: [],
});

test('2-D: every spot gets the label at its position; the per-cell table counts them exactly, cell 0 first', async () => {
  const sim = simulateImage({ height: H, width: W, positions: POSITIONS, snr: 15, structures: 0, gradient: 0 }, 11);
  const detector = await createDetector({ method: 'log' });
  const mask = cells();
  const res = await predictImage(raw(sim.image, [H, W]), detector, { method: 'log', mask });
  const spots = resultSpots(res);
  assert.equal(spots.length, POSITIONS.length);
  for (const s of spots) {
    const k = POSITIONS.findIndex(([y, x]) => Math.hypot(y - s.y, x - s.x) < 1.5);
    assert.ok(k >= 0, `spot at ${s.y}, ${s.x}`);
    assert.equal(s.cell, EXPECTED[k], `spot at ${s.y}, ${s.x}`);
  }
  const t = resultTable(res, {});
  assert.deepEqual(t.columns, ['y [px]', 'x [px]', 'quality', 'cell']);
  assert.deepEqual(t.rows.map((r) => r[3]).sort(), spots.map((s) => s.cell).sort());
  const c = resultCellTable(res)!;
  const disk = Array.from(mask.data).filter((v) => v === 3).length;
  assert.deepEqual(c.columns, ['cell', 'spots', 'area', 'centroid_y', 'centroid_x']);
  assert.deepEqual(
    c.rows.map((r) => r.slice(0, 3)),
    [
      [0, 2, H * W - 33 * 37 - 33 * 41 - disk],
      [1, 3, 33 * 37],
      [2, 2, 33 * 41],
      [3, 4, disk],
    ],
  );
  assert.deepEqual(c.rows[1].slice(3), [20, 22]);
  assert.deepEqual(c.rows[3].slice(3), [68, 64]);
  // without a mask: no cell column, no per-cell table
  const plain = await predictImage(raw(sim.image, [H, W]), detector, { method: 'log' });
  assert.equal(resultTable(plain, {}).columns.includes('cell'), false);
  assert.equal(resultCellTable(plain), undefined);
});

/** A z-stack of `depth` slices with Gaussian spots at (z, y, x). */
function zstack(spots: [number, number, number][], depth: number): Float32Array {
  const data = new Float32Array(depth * H * W).fill(100);
  for (const [sz, sy, sx] of spots)
    for (let z = 0; z < depth; z++)
      for (let r = 0; r < H; r++)
        for (let c = 0; c < W; c++)
          data[(z * H + r) * W + c] += 2000 * Math.exp(-((z - sz) ** 2) / (2 * 1.2 ** 2) - ((r - sy) ** 2 + (c - sx) ** 2) / (2 * 1.5 ** 2));
  return data;
}

test('3-D: a 2-D mask serves every slice of a z-stack (3-D spots and --per-plane); a 3-D mask is looked up at the slice of the spot', async () => {
  const detector = await createDetector({ method: 'log' });
  const truth: [number, number, number][] = [
    [2.2, 20, 20],
    [5, 20, 70],
    [4, 68, 64],
    [3, 86, 24],
  ];
  const data = zstack(truth, 8);
  const res = await predictImage(raw(data, [8, H, W], 'zyx'), detector, { method: 'log', mask: cells() });
  assert.ok(res.volumes);
  const spots = resultSpots(res).sort((a, b) => a.z! - b.z!);
  assert.deepEqual(
    spots.map((s) => s.cell),
    [1, 0, 3, 2],
  );
  const t = resultTable(res, {});
  assert.equal(t.columns.at(-1), 'cell');
  assert.deepEqual(
    resultCellTable(res)!.rows.map((r) => r.slice(0, 2)),
    [
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 1],
    ],
  );
  // plane by plane: every detection of a spot is in its cell
  const pp = await predictImage(raw(data, [8, H, W], 'zyx'), detector, { method: 'log', mask: cells(), threeD: false });
  assert.ok(resultSpots(pp).length >= 4);
  for (const s of resultSpots(pp)) assert.equal(s.cell, s.y > 50 ? (s.x > 40 ? 3 : 0) : s.x > 45 ? 2 : 1);
  assert.equal(resultTable(pp, {}).columns.join(','), 'y [px],x [px],quality,c,t,z,cell');
  // a 3-D mask: cell 5 only in slices 3–5 around the spot at (4, 68, 64)
  const m3 = new Uint8Array(8 * H * W);
  for (let z = 3; z <= 5; z++) for (let r = 60; r < 76; r++) for (let c = 56; c < 72; c++) m3[(z * H + r) * W + c] = 5;
  const r3 = await predictImage(raw(data, [8, H, W], 'zyx'), detector, { method: 'log', mask: { data: m3, shape: [8, H, W] } });
  assert.deepEqual(
    resultSpots(r3)
      .sort((a, b) => a.z! - b.z!)
      .map((s) => s.cell),
    [0, 0, 5, 0],
  );
  const c3 = resultCellTable(r3)!;
  assert.deepEqual(c3.columns, ['cell', 'spots', 'area', 'centroid_z', 'centroid_y', 'centroid_x']);
  assert.deepEqual(c3.rows[1], [5, 1, 3 * 16 * 16, 4, 67.5, 63.5]);
});

test('a mask of another size is refused before detection, naming the mask file', async () => {
  const detector = await createDetector({ method: 'log' });
  const sim = simulateImage({ height: H, width: W, positions: POSITIONS, snr: 15, structures: 0, gradient: 0 }, 11);
  const mask = { data: new Uint8Array(50 * 60), shape: [50, 60], path: 'small.tif' };
  await assert.rejects(predictImage(raw(sim.image, [H, W]), detector, { method: 'log', mask }), (e: Error & { file?: string }) => {
    assert.equal(e.message, 'mask is 50×60, image is 96×96');
    assert.equal(e.file, 'small.tif');
    return true;
  });
  const m3 = { data: new Uint8Array(3 * H * W), shape: [3, H, W], path: 'm3.tif' };
  await assert.rejects(predictImage(raw(zstack([], 8), [8, H, W], 'zyx'), detector, { method: 'log', mask: m3 }), /mask is 3×96×96, image is 8×96×96/);
});
