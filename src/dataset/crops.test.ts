import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropImage, roundHalfEven, splitItems, splitSizes } from './crops.js';
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

test('split fractions are of all items (60/20/20 means 24/8/8 of 40), seeded, rounded half to even', () => {
  let s = 1;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const items = Array.from({ length: 29 }, (_, i) => i);
  const a = splitItems(items, 0.2, 0.2, rnd);
  assert.deepEqual([a.train.length, a.valid.length, a.test.length], [17, 6, 6]);
  assert.deepEqual(
    [...a.test, ...a.valid, ...a.train].sort((x, y) => x - y),
    items,
  );
  s = 1;
  const b = splitItems(items, 0.2, 0.2, rnd);
  assert.deepEqual(b, a);
  const sizes = (n: number, v: number, t: number) => Object.values(splitSizes(n, v, t));
  assert.deepEqual(sizes(40, 0.2, 0.2), [24, 8, 8]);
  assert.deepEqual(sizes(100, 0.1, 0.3), [60, 10, 30]);
  assert.deepEqual(sizes(5, 0.1, 0.1), [3, 1, 1], 'a non-zero fraction gets at least one item');
  assert.deepEqual(sizes(3, 0.2, 0.2), [1, 1, 1]);
  assert.deepEqual(sizes(3, 0.9, 0.9), [1, 1, 1], 'training keeps one item');
  assert.deepEqual(sizes(10, 0, 0.25), [8, 0, 2], '2.5 rounds half to even');
  assert.deepEqual(sizes(2, 0.2, 0.2), [2, 0, 0]);
  assert.deepEqual(sizes(0, 0.2, 0.2), [0, 0, 0]);
  // the splits of the bundled models' datasets (the original rule: valid of the rest) stay reproducible
  // with the fraction of all items: 3000 images, valid 0.16 = the original 0.2 of the 2400 left; 5000 at 0.1/0.1 → 0.09
  assert.deepEqual(sizes(3000, 0.16, 0.2), [1920, 480, 600]);
  assert.deepEqual(sizes(2000, 0.16, 0.2), [1280, 320, 400]);
  assert.deepEqual(sizes(5000, 0.09, 0.1), [4050, 450, 500]);
});
