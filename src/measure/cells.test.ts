import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellOf, cellTable, checkMask, toLabelImage, type LabelImage } from './cells.js';
import { UserError } from '../core/errors.js';
import type { Spot } from '../core/types.js';

/** 6×8 mask: cell 1 = rows 0–1 × cols 0–2 (6 px), cell 3 = rows 3–5 × cols 5–7 (9 px); 33 px background. */
function mask2d(): LabelImage {
  const data = new Uint16Array(6 * 8);
  for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) data[r * 8 + c] = 1;
  for (let r = 3; r < 6; r++) for (let c = 5; c < 8; c++) data[r * 8 + c] = 3;
  return { data, shape: [6, 8], path: 'm.tif' };
}
const spot = (y: number, x: number, more: Partial<Spot> = {}): Spot => ({ y, x, score: 1, ...more });

test('cellOf: the label at the rounded position, 0 outside the mask or between cells', () => {
  const m = mask2d();
  assert.equal(cellOf(m, spot(0.4, 2.4)), 1);
  assert.equal(cellOf(m, spot(0.4, 2.6)), 0, 'rounds to column 3: background');
  assert.equal(cellOf(m, spot(4.6, 6.2)), 3);
  assert.equal(cellOf(m, spot(-0.6, 1)), 0, 'rounds to row −1: outside the image');
  assert.equal(cellOf(m, spot(5.6, 7)), 0, 'rounds to row 6: outside');
  assert.equal(cellOf(m, spot(1, 1, { z: 7 })), 1, 'a 2-D mask ignores z');
  // 3-D: only slice 1 has cell 2
  const d3: LabelImage = { data: new Uint8Array(3 * 6 * 8), shape: [3, 6, 8] };
  (d3.data as Uint8Array)[48 + 2 * 8 + 4] = 2;
  assert.equal(cellOf(d3, spot(2, 4, { z: 1.3 })), 2);
  assert.equal(cellOf(d3, spot(2, 4, { z: 1.6 })), 0);
  assert.equal(cellOf(d3, spot(2, 4)), 0, 'no z: 0');
});

test('cellTable: cell 0 first, counts, areas and centroids of every label; per-channel counts', () => {
  const m = mask2d();
  const spots = [spot(0, 0, { channel: 0 }), spot(1, 2, { channel: 1 }), spot(4, 6, { channel: 1 }), spot(2, 3, { channel: 0 }), spot(0, 7, { channel: 1 })];
  const t = cellTable(m, spots, { channels: 2 });
  assert.deepEqual(t.columns, ['cell', 'spots', 'area', 'centroid_y', 'centroid_x', 'spots_c0', 'spots_c1']);
  assert.equal(t.rows.length, 3);
  const bg = { n: 0, y: 0, x: 0 };
  for (let r = 0; r < 6; r++)
    for (let c = 0; c < 8; c++)
      if (m.data[r * 8 + c] === 0) {
        bg.n++;
        bg.y += r;
        bg.x += c;
      }
  assert.deepEqual(t.rows[0], [0, 2, 33, bg.y / 33, bg.x / 33, 1, 1]);
  assert.deepEqual(t.rows[1], [1, 2, 6, 0.5, 1, 1, 1]);
  assert.deepEqual(t.rows[2], [3, 1, 9, 4, 6, 0, 1]);
  // no channels: no per-channel columns; a given `cell` is used as it is
  const u = cellTable(m, [spot(0, 0, { cell: 3 })]);
  assert.deepEqual(u.columns, ['cell', 'spots', 'area', 'centroid_y', 'centroid_x']);
  assert.deepEqual(
    u.rows.map((r) => r[1]),
    [0, 0, 1],
  );
});

test('cellTable of a 3-D mask: area in voxels and centroid_z', () => {
  const data = new Uint32Array(2 * 2 * 2);
  data[4] = 70000; // z 1, y 0, x 0
  data[7] = 70000; // z 1, y 1, x 1
  const t = cellTable({ data, shape: [2, 2, 2] }, [spot(1, 1, { z: 1 }), spot(0, 1, { z: 0 })]);
  assert.deepEqual(t.columns, ['cell', 'spots', 'area', 'centroid_z', 'centroid_y', 'centroid_x']);
  assert.deepEqual(t.rows[1], [70000, 1, 2, 1, 0.5, 0.5]);
  assert.deepEqual(t.rows[0].slice(0, 4), [0, 1, 6, 2 / 6]);
});

test('toLabelImage drops leading axes of length 1 and refuses floats, negatives and 4-D; checkMask names the mask and both sizes', () => {
  const m = toLabelImage({ data: new Uint8Array(12), shape: [1, 1, 3, 4], dtype: 'uint8', path: 'm.tif' });
  assert.deepEqual(m.shape, [3, 4]);
  const bad = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof UserError && e.file === 'm.tif' && re.test(e.message));
  bad(() => toLabelImage({ data: new Float32Array(4), shape: [2, 2], dtype: 'float32', path: 'm.tif' }), /integer labels/);
  bad(() => toLabelImage({ data: new Int16Array([0, -1, 0, 0]), shape: [2, 2], dtype: 'int16', path: 'm.tif' }), /labels ≥ 0, found -1/);
  bad(() => toLabelImage({ data: new Uint8Array(16), shape: [2, 2, 2, 2], dtype: 'uint8', path: 'm.tif' }), /2-D \(y, x\) or 3-D/);
  checkMask(m, 3, 4);
  checkMask(m, 3, 4, 9);
  bad(() => checkMask({ ...m, shape: [512, 512] }, 256, 256), /^mask is 512×512, image is 256×256$/);
  const m3 = { ...m, shape: [5, 3, 4] };
  checkMask(m3, 3, 4, 5);
  bad(() => checkMask(m3, 3, 4, 6), /^mask is 5×3×4, image is 6×3×4$/);
  bad(() => checkMask(m3, 3, 4), /^mask is 5×3×4, image is 3×4 \(no z\)$/);
});
