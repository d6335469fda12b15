import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augment, flip, roll, rot90 } from './augment.js';
import { Rng } from '../math/rng.js';
import type { Point } from '../core/types.js';

const S = 8;
/** An image with a single bright pixel at each point (rounded). */
function dots(points: Point[]): Float32Array {
  const img = new Float32Array(S * S);
  for (const [r, c] of points) img[Math.round(r) * S + Math.round(c)] = 1;
  return img;
}
function brightPixels(img: Float32Array): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < img.length; i++) if (img[i] > 0.5) out.push([Math.floor(i / S), i % S]);
  return out;
}
const sortPts = (p: Point[]) => [...p].sort((a, b) => a[0] - b[0] || a[1] - b[1]);

test('flip, rot90 and roll move the labels exactly with the pixels', () => {
  const pts: Point[] = [
    [1, 2],
    [6, 0],
    [3, 7],
  ];
  const img = dots(pts);
  for (const t of [flip(img, S, pts, 0), flip(img, S, pts, 1), rot90(img, S, pts), roll(img, S, pts, 4, 0), roll(img, S, pts, 4, -4)]) {
    assert.deepEqual(sortPts(brightPixels(t.img)), sortPts(t.points));
  }
});

test('rot90 four times is the identity; flips preserve the pixel sum', () => {
  const pts: Point[] = [[1.3, 2.2]];
  const img = Float32Array.from({ length: S * S }, (_, i) => (i * 7) % 11);
  let cur: { img: Float32Array; points: Point[] } = { img, points: pts };
  for (let k = 0; k < 4; k++) cur = rot90(cur.img, S, cur.points);
  assert.deepEqual(cur.img, img);
  assert.ok(Math.abs(cur.points[0][0] - 1.3) < 1e-12 && Math.abs(cur.points[0][1] - 2.2) < 1e-12);
  const f = flip(img, S, pts, 1);
  assert.equal(
    f.img.reduce((a, b) => a + b, 0),
    img.reduce((a, b) => a + b, 0),
  );
});

test('sub-pixel positions follow a flip in the pixel-centre convention', () => {
  const f = flip(new Float32Array(S * S), S, [[-0.4, 2.25]], 0);
  assert.ok(Math.abs(f.points[0][0] - 7.4) < 1e-12 && f.points[0][1] === 2.25);
});

test('roll wraps spots that leave the crop to the other side', () => {
  const r = roll(new Float32Array(S * S), S, [[7.2, 0]], 4, 0);
  assert.ok(Math.abs(r.points[0][0] - 3.2) < 1e-12);
});

test('augment is seeded and keeps every label on its bright pixel', () => {
  const pts: Point[] = [
    [0, 0],
    [5, 3],
    [2, 6],
  ];
  const img = dots(pts);
  const all = { flip: true, rotate: true, illuminate: false, gaussian_noise: false, translate: true };
  const a = augment(img, S, pts, all, new Rng(5), 4);
  const b = augment(img, S, pts, all, new Rng(5), 4);
  assert.deepEqual(a, b);
  assert.deepEqual(sortPts(brightPixels(a.img)), sortPts(a.points));
  const noisy = augment(img, S, pts, { ...all, illuminate: true, gaussian_noise: true }, new Rng(6), 4);
  assert.notDeepEqual(noisy.img, img);
  assert.deepEqual(img, dots(pts), 'the input is not modified');
});
