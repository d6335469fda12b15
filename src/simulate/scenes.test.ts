import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addAirySpot, addEmpiricalSpot, beadPsf, simulateScene } from './scenes.js';

test('scenes are a pure function of (seed, k) and hold integer camera counts', () => {
  const a = simulateScene(5, 3, 64);
  const b = simulateScene(5, 3, 64);
  assert.deepEqual(a.image, b.image);
  assert.deepEqual(a.spots, b.spots);
  assert.notDeepEqual(simulateScene(5, 4, 64).image, a.image);
  for (const v of a.image) assert.ok(Number.isInteger(v) && v >= 0);
});

test('scene mix: empty images, spots up to the border, every label inside the image', () => {
  let empty = 0;
  let border = 0;
  let spots = 0;
  const N = 200;
  for (let k = 0; k < N; k++) {
    const s = simulateScene(11, k, 64);
    if (s.spots.length === 0) empty++;
    for (const p of s.spots) {
      assert.ok(p.y >= -0.5 && p.y < 63.5 && p.x >= -0.5 && p.x < 63.5);
      if (Math.min(p.y, p.x, 63 - p.y, 63 - p.x) < 2) border++;
      spots++;
    }
  }
  // 12 % drawn empty, plus sparse draws that round to 0 spots on a small 64² image
  assert.ok(empty >= 0.06 * N && empty <= 0.4 * N, `${empty} empty of ${N}`);
  // a 2 px frame is 12 % of a 64² image
  assert.ok(border > 0.08 * spots, `${border} of ${spots} spots within 2 px of the edge`);
});

test('scene knobs fix the settings: no spots and no distractors give a noise-only image at the set level', () => {
  const s = simulateScene(1, 0, 128, [], { background: 'flat', level: 50, texture: 0, density: 0, distractors: false, camera: 1 });
  assert.equal(s.spots.length, 0);
  assert.match(s.description, /flat/);
  assert.doesNotMatch(s.description, /blob|haze|stripes|hot|saturated/);
  const t = simulateScene(1, 1, 128, [], { density: 20, snr: 6, psf: 'airy', distractors: false });
  assert.equal(t.spots.length, Math.round((20 * 128 * 128) / 1e4));
  for (const p of t.spots) assert.equal(p.snr, 6);
  assert.match(t.description, /airy/);
});

test('Airy spot: photons are conserved in the window and the peak is at the centre', () => {
  const h = 41;
  const img = new Float64Array(h * h);
  addAirySpot(img, h, h, 20, 20, 1000, 1.5);
  const sum = img.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1000) < 1e-6, `sum ${sum}`);
  let best = 0;
  for (let i = 1; i < img.length; i++) if (img[i] > img[best]) best = i;
  assert.equal(best, 20 * h + 20);
  // first dark ring at 2.9σ ≈ 4.4 px: the pixel at distance 4 is far dimmer than at distance 2
  assert.ok(img[20 * h + 24] < 0.05 * img[20 * h + 22]);
});

test('bead PSF: the mean of the brightest beads, sums to 1, centroid at the bead centre; rendered spots keep their photons', () => {
  const H = 96;
  const img = new Float64Array(H * H).fill(100);
  const centres: [number, number][] = [
    [20, 20],
    [20, 60],
    [60, 30],
    [70, 75],
  ];
  for (const [y, x] of centres) addAirySpot(img, H, H, y + 0.3, x - 0.2, 5000, 1.4);
  const psf = beadPsf({ data: Float32Array.from(img), height: H, width: H }, 7, 4);
  assert.ok(Math.abs(psf.data.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  // beads sit 0.3 px below and 0.2 px left of their maximum pixel (template centre 7, 7)
  assert.ok(Math.abs(psf.cy - 7.3) < 0.05 && Math.abs(psf.cx - 6.8) < 0.05, `centroid ${psf.cy}, ${psf.cx}`);
  const out = new Float64Array(64 * 64);
  addEmpiricalSpot(out, 64, 64, 30.4, 31.7, 1000, psf);
  assert.ok(Math.abs(out.reduce((a, b) => a + b, 0) - 1000) < 1, 'photons conserved away from the border');
  let best = 0;
  for (let i = 1; i < out.length; i++) if (out[i] > out[best]) best = i;
  assert.deepEqual([Math.floor(best / 64), best % 64], [30, 32]);
});
