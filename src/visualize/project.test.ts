import { test } from 'node:test';
import assert from 'node:assert/strict';
import { depthColor, maxProjection, renderMaxProjection } from './project.js';

const pixel = (r: { rgb: Uint8Array; width: number }, y: number, x: number) => {
  const o = (y * r.width + x) * 3;
  return [r.rgb[o], r.rgb[o + 1], r.rgb[o + 2]];
};

test('maxProjection takes the maximum over z per (y, x), axes not swapped', () => {
  // 3 slices of 2 rows × 4 columns; the bright voxel sits at z=2, y=1, x=3
  const data = new Float32Array(3 * 2 * 4);
  data[2 * 8 + 1 * 4 + 3] = 9;
  data[0 * 8 + 0 * 4 + 1] = 5;
  const p = maxProjection({ data, depth: 3, height: 2, width: 4 });
  assert.equal(p.length, 8);
  assert.equal(p[1 * 4 + 3], 9);
  assert.equal(p[0 * 4 + 1], 5);
  assert.equal(p[1 * 4 + 1], 0);
});

test('rings sit around the spot (row = y, column = x) and take the colour of its z', () => {
  const D = 5;
  const H = 20;
  const W = 40; // not square: a swap of y and x would move the ring off the picture's place
  const data = new Float32Array(D * H * W);
  const r = renderMaxProjection(
    { data, depth: D, height: H, width: W },
    [
      [0, 5, 30],
      [4, 15, 8],
    ],
    { scale: 2, radius: 4 },
  );
  assert.equal(r.width, 80);
  assert.equal(r.height, 40);
  // centre of pixel (5, 30) at (10.5, 60.5) in the ×2 picture; ring passes 4 px to its right (x 64.5 → 64 or 65)
  const right = [pixel(r, 10, 64), pixel(r, 11, 65), pixel(r, 10, 65), pixel(r, 11, 64)];
  assert.ok(
    right.some((c) => c.join() === depthColor(0).join()),
    `first slice colour at the ring: ${JSON.stringify(right)}`,
  );
  const left = [pixel(r, 30, 13), pixel(r, 31, 12), pixel(r, 30, 12), pixel(r, 31, 13)]; // (15, 8) → (30.5, 16.5), left 4
  assert.ok(
    left.some((c) => c.join() === depthColor(1).join()),
    `last slice colour at the ring: ${JSON.stringify(left)}`,
  );
  // nothing drawn at the swapped places (y=30 is off a 20-row stack; (8, 15) → (16.5, 30.5))
  assert.deepEqual(pixel(r, 16, 34), [0, 0, 0]);
  // first slice blue, last red
  assert.ok(depthColor(0)[2] > 200 && depthColor(0)[0] < 100);
  assert.ok(depthColor(1)[0] > 200 && depthColor(1)[2] < 100);
});

test('big stacks are block-averaged; reference points are white crosses at the shrunk place', () => {
  const data = new Float32Array(2 * 100 * 60);
  const r = renderMaxProjection({ data, depth: 2, height: 100, width: 60 }, [], { maxSide: 50, reference: [[1, 41.5, 21.5]] });
  assert.equal(r.shrink, 2);
  assert.equal(r.height, 50);
  assert.equal(r.width, 30);
  // (41.5, 21.5) → (20.5, 10.5) → rounded (21, 11)
  assert.deepEqual(pixel(r, 21, 11), [255, 255, 255]);
  assert.deepEqual(pixel(r, 21 - 1, 11), [255, 255, 255]);
  assert.deepEqual(pixel(r, 11, 21), [0, 0, 0]);
});
