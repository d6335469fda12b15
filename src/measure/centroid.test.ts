import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianMaskCentroid } from './centroid.js';
import { addSpot } from '../math/psf.js';
import { Rng } from '../math/rng.js';

test('Gaussian-mask centroid: exact on a noiseless symmetric spot, from a start 0.8 px off (the 7×7 window clips a wide spot a little)', () => {
  for (const sigma of [0.7, 1.3, 2.2]) {
    const img = new Float64Array(32 * 32);
    addSpot(img, 32, 32, 15.37, 16.81, 1000, sigma);
    const [r, c] = gaussianMaskCentroid(img, 32, 32, 15.9, 16.2, { sigma: 1.3, half: 3, iterations: 30, maxShift: 2 });
    const tol = sigma > 2 ? 0.05 : 0.02;
    assert.ok(Math.abs(r - 15.37) < tol && Math.abs(c - 16.81) < tol, `σ ${sigma}: ${r}, ${c}`);
  }
});

test('Gaussian-mask centroid: on noisy spots it beats a start position 0.4 px off; a far pull is refused', () => {
  const rng = new Rng(3);
  let before = 0;
  let after = 0;
  for (let k = 0; k < 200; k++) {
    const y = 10 + rng.uniform();
    const x = 10 + rng.uniform();
    const img = new Float64Array(21 * 21);
    addSpot(img, 21, 21, y, x, 600, 1.3);
    for (let i = 0; i < img.length; i++) img[i] += Math.sqrt(img[i] + 10) * rng.normal();
    const r0 = y + 0.4 * rng.normal();
    const c0 = x + 0.4 * rng.normal();
    const [r, c] = gaussianMaskCentroid(img, 21, 21, r0, c0);
    before += (r0 - y) ** 2 + (c0 - x) ** 2;
    after += (r - y) ** 2 + (c - x) ** 2;
  }
  assert.ok(Math.sqrt(after / 200) < 0.6 * Math.sqrt(before / 200), `RMSE ${Math.sqrt(after / 200)} vs ${Math.sqrt(before / 200)}`);
  // a bright neighbour 2.5 px away pulls the start more than 1 px: the start is kept
  const img = new Float64Array(21 * 21);
  addSpot(img, 21, 21, 10, 12.5, 5000, 1.3);
  assert.deepEqual(gaussianMaskCentroid(img, 21, 21, 10, 10), [10, 10]);
});
