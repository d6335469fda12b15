import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropImage, roundHalfEven, splitItems } from './crops.js';
import type { Plane, Point } from '../core/types.js';

function ramp(h: number, w: number): Plane {
  const data = new Float32Array(h * w);
  for (let i = 0; i < data.length; i++) data[i] = i;
  return { data, height: h, width: w };
}

test('crops are non-overlapping from the top-left, remainders dropped, pixels copied', () => {
  const p = ramp(10, 13);
  const pts: Point[] = [
    [1, 1],
    [6, 2],
    [2, 7],
    [7, 8],
    [9.2, 12],
  ];
  const crops = cropImage(p, pts, 5);
  assert.equal(crops.length, 4);
  const c = crops.find((x) => x.row0 === 5 && x.col0 === 5)!;
  assert.deepEqual(c.points, [[2, 3]]);
  assert.equal(c.plane.data[0], 5 * 13 + 5);
  assert.equal(c.plane.data[24], 9 * 13 + 9);
});

test('a spot on a crop edge goes to exactly one crop (pixel-centre convention)', () => {
  const p = ramp(8, 8);
  const pts: Point[] = [
    [3.5, 1],
    [3.49, 5],
  ];
  const crops = cropImage(p, pts, 4);
  const all = crops.flatMap((c) => c.points.map(([r, cc]) => [r + c.row0, cc + c.col0]));
  assert.equal(all.length, 2);
  assert.ok(crops.find((c) => c.row0 === 4 && c.col0 === 0)!.points.length === 1);
  assert.ok(crops.find((c) => c.row0 === 0 && c.col0 === 4)!.points.length === 1);
});

test('crops with fewer than minSpots spots are dropped', () => {
  const crops = cropImage(
    ramp(8, 8),
    [
      [1, 1],
      [1, 2],
      [5, 5],
    ],
    4,
    2,
  );
  assert.equal(crops.length, 1);
  assert.equal(crops[0].row0, 0);
});

test('round half to even as Python', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 5.8, 4.6, 2.4].map(roundHalfEven), [0, 2, 2, 6, 5, 2]);
});

test('split sizes follow the original (29 tiles → 6 test, 5 valid, 18 train) and are seeded', () => {
  let s = 1;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const items = Array.from({ length: 29 }, (_, i) => i);
  const a = splitItems(items, 0.2, 0.2, rnd);
  assert.equal(a.test.length, 6);
  assert.equal(a.valid.length, 5);
  assert.equal(a.train.length, 18);
  assert.deepEqual(
    [...a.test, ...a.valid, ...a.train].sort((x, y) => x - y),
    items,
  );
  s = 1;
  const b = splitItems(items, 0.2, 0.2, rnd);
  assert.deepEqual(b, a);
});
