import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSpots } from './render.js';

test('contrast stretch maps the percentiles to black and white; rings are drawn around the spot', () => {
  const H = 16;
  const W = 16;
  const data = Float32Array.from({ length: H * W }, (_, i) => i);
  const r = renderSpots({ data, height: H, width: W }, [{ points: [[8, 4]], color: [255, 0, 0] }], { scale: 4, low: 0, high: 100, radius: 6 });
  assert.equal(r.width, 64);
  assert.equal(r.height, 64);
  assert.equal(r.rgb[0], 0, 'darkest pixel is black');
  const last = (64 * 64 - 1) * 3;
  assert.equal(r.rgb[last + 1], 255, 'brightest pixel is white');
  // centre of pixel (8, 4) at (33.5, 17.5) in the ×4 picture; the ring passes 6 px to its right
  const o = (34 * 64 + 24) * 3;
  assert.deepEqual([r.rgb[o], r.rgb[o + 1], r.rgb[o + 2]], [255, 0, 0]);
  // the centre itself stays grey
  const c = (34 * 64 + 18) * 3;
  assert.equal(r.rgb[c], r.rgb[c + 1]);
});
