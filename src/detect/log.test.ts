import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Plane, Point } from '../core/types.js';
import { UserError } from '../core/errors.js';
import { pointsMatching } from '../evaluate/metrics.js';
import { addSpot } from '../math/psf.js';
import { simulateImage, simToPlane, type SimParams } from '../simulate/simulate.js';
import {
  AUTO_FDR,
  autoThreshold,
  detectLoG,
  detectLoGWithThreshold,
  expectedNoiseMaxima,
  findLocalMaxima,
  logFilter,
  logKernel,
  logKernel2D,
  medianFilter3x3,
  refineSubpixel,
  robustLevel,
} from './log.js';
import { mirrorIndex } from '../math/mirror.js';

function plane(height: number, width: number, fn: (r: number, c: number) => number): Plane {
  const data = new Float32Array(height * width);
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) data[r * width + c] = fn(r, c);
  return { data, height, width };
}

/** A spot of a noiseless test image: centre (y, x), PSF sigma, continuous peak amplitude `amp`. */
interface TestSpot {
  y: number;
  x: number;
  /** amplitude of the continuous Gaussian above background (photons = 2 pi sigma^2 amp) */
  amp: number;
  sigma: number;
}

/** Noiseless image: flat background `bg` plus pixel-integrated Gaussian spots (psf.addSpot). */
function renderSpots(height: number, width: number, spots: readonly TestSpot[], bg: number): Plane {
  const mu = new Float64Array(height * width).fill(bg);
  for (const s of spots) addSpot(mu, height, width, s.y, s.x, 2 * Math.PI * s.sigma * s.sigma * s.amp, s.sigma);
  return { data: Float32Array.from(mu), height, width };
}

/** Pure Poisson noise (no read noise, gain 1, offset 0), as in the ISBI SNR definition. */
const POISSON_ONLY: Partial<SimParams> = { shotNoise: true, readNoise: 0, gain: 1, offset: 0 };

/** Seeded simulated image (src/simulate) as a Plane plus its ground-truth centres. */
function simulate(params: Partial<SimParams>, seed: number): { plane: Plane; truth: Point[] } {
  const sim = simulateImage({ ...POISSON_ONLY, ...params }, seed);
  return { plane: simToPlane(sim), truth: sim.spots.map((s) => [s.y, s.x] as Point) };
}

/** Brute-force 2-D convolution with the dense kernel and mirror border. */
function bruteLoG(p: Plane, radius: number, exact: boolean): Float64Array {
  const { size, data: k } = logKernel2D(radius, { exact });
  const half = (size - 1) / 2;
  const out = new Float64Array(p.height * p.width);
  for (let r = 0; r < p.height; r++) {
    for (let c = 0; c < p.width; c++) {
      let s = 0;
      for (let y = -half; y <= half; y++) {
        const rr = mirrorIndex(r + y, p.height);
        for (let x = -half; x <= half; x++) {
          s += k[(y + half) * size + (x + half)] * p.data[rr * p.width + mirrorIndex(c + x, p.width)];
        }
      }
      out[r * p.width + c] = s;
    }
  }
  return out;
}

test('mirrorIndex reflects without repeating the edge, any distance', () => {
  assert.deepEqual(
    [-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7].map((i) => mirrorIndex(i, 4)),
    [3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1],
  );
  assert.equal(mirrorIndex(-5, 1), 0);
  assert.equal(mirrorIndex(7, 2), 1);
});

test('exact kernel equals TrackMate createLoGKernel (values, size, sign)', () => {
  for (const radius of [1, 2, 3.5, 6]) {
    const sigma = radius / Math.SQRT2;
    const hk = Math.max(2, Math.trunc(3 * sigma + 0.5) + 1);
    const { size, data } = logKernel2D(radius, { exact: true });
    assert.equal(size, 3 + 2 * hk, `size at radius ${radius}`);
    const mid = 1 + hk;
    const C = 1 / Math.PI / sigma / sigma;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const dx = x - mid;
        const dy = y - mid;
        const mantissa = (1 / sigma / sigma) * ((dx * dx) / sigma / sigma - 1) + (1 / sigma / sigma) * ((dy * dy) / sigma / sigma - 1);
        const want = -C * mantissa * Math.exp(-(dx * dx + dy * dy) / 2 / sigma / sigma);
        assert.ok(Math.abs(data[y * size + x] - want) < 1e-12 * Math.max(1, Math.abs(want)), `radius ${radius} at (${dy}, ${dx})`);
      }
    }
    // negated LoG: positive centre
    assert.ok(data[mid * size + mid] > 0);
  }
  assert.equal(logKernel(2).half, 6);
});

test('default kernel sums to 0; TrackMate exact kernel sums to a small residue', () => {
  for (const radius of [0.5, 1, 1.5, 2, 3, 5, 9]) {
    const sum = (k: Float64Array): number => k.reduce((a, b) => a + b, 0);
    const zero = logKernel2D(radius);
    const exact = logKernel2D(radius, { exact: true });
    assert.ok(Math.abs(sum(zero.data)) < 1e-12, `zero-sum at radius ${radius}: ${sum(zero.data)}`);
    if (radius >= 1) {
      assert.ok(Math.abs(sum(exact.data)) < 0.02, `exact residue at radius ${radius}: ${sum(exact.data)}`);
      // the correction is tiny relative to the kernel's centre value
      const mid = (zero.size * zero.size - 1) / 2;
      assert.ok(Math.abs(zero.data[mid] - exact.data[mid]) < 0.01 * exact.data[mid]);
    }
  }
});

test('logFilter equals brute-force mirror-border convolution', () => {
  let seed = 1;
  const rand = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (const [h, w] of [
    [23, 17],
    [5, 9],
    [1, 6],
  ] as const) {
    const p = plane(h, w, () => 100 * rand());
    for (const radius of [1, 2, 3.3]) {
      for (const exact of [false, true]) {
        const got = logFilter(p, radius, { exact });
        const want = bruteLoG(p, radius, exact);
        for (let i = 0; i < got.length; i++) {
          assert.ok(Math.abs(got[i] - want[i]) < 1e-4 * (1 + Math.abs(want[i])), `${h}x${w} r${radius} ${exact} at ${i}: ${got[i]} vs ${want[i]}`);
        }
      }
    }
  }
});

test('flat image: response ~0 everywhere (exactly level * kernel sum with the exact kernel)', () => {
  for (const radius of [1, 2, 3, 5]) {
    const p = plane(40, 50, () => 100);
    const f = logFilter(p, radius);
    for (const v of f) assert.ok(Math.abs(v) < 1e-6, `radius ${radius}: ${v}`);
    const fx = logFilter(p, radius, { exact: true });
    const ksum = logKernel2D(radius, { exact: true }).data.reduce((a, b) => a + b, 0);
    for (const v of fx) assert.ok(Math.abs(v - 100 * ksum) < 1e-4);
  }
});

test('response to a matched Gaussian spot is about its amplitude / sigma^2', () => {
  const sigma = 2;
  const p = renderSpots(64, 64, [{ y: 32, x: 32, amp: 200, sigma }], 50);
  const f = logFilter(p, Math.SQRT2 * sigma);
  const peak = f[32 * 64 + 32];
  assert.ok(Math.abs(peak - 200 / (sigma * sigma)) < 0.05 * (200 / (sigma * sigma)), `peak ${peak}`);
});

test('single noiseless spot at sub-pixel position is found within 0.1 px', () => {
  for (const sigma of [1, 1.5, 2]) {
    const p = renderSpots(48, 64, [{ y: 20.3, x: 31.7, amp: 100, sigma }], 10);
    const d = detectLoG(p, { radius: Math.SQRT2 * sigma, threshold: 1 });
    assert.equal(d.length, 1, `sigma ${sigma}: ${JSON.stringify(d)}`);
    const err = Math.hypot(d[0].y - 20.3, d[0].x - 31.7);
    assert.ok(err < 0.1, `sigma ${sigma}: error ${err}`);
  }
  // and on a grid of sub-pixel offsets (sigma 1.5: quadratic pixel-locking bias stays < 0.1 px)
  for (let dy = 0; dy < 1; dy += 0.25) {
    for (let dx = 0; dx < 1; dx += 0.25) {
      const p = renderSpots(40, 40, [{ y: 18 + dy, x: 21 + dx, amp: 100, sigma: 1.5 }], 10);
      const d = detectLoG(p, { radius: Math.SQRT2 * 1.5, threshold: 1 });
      assert.equal(d.length, 1);
      assert.ok(Math.hypot(d[0].y - 18 - dy, d[0].x - 21 - dx) < 0.1, `offset ${dy}, ${dx}`);
    }
  }
});

test('subpixel: false returns the integer maximum', () => {
  const p = renderSpots(48, 64, [{ y: 20.3, x: 31.7, amp: 100, sigma: 1.5 }], 10);
  const d = detectLoG(p, { radius: 2.1, threshold: 1, subpixel: false });
  assert.equal(d.length, 1);
  assert.deepEqual([d[0].y, d[0].x], [20, 32]);
});

test('two separated spots are both found, ordered by quality; threshold drops the weak one', () => {
  const p = renderSpots(
    64,
    64,
    [
      { y: 15.2, x: 12.6, amp: 60, sigma: 1.5 },
      { y: 44.7, x: 50.1, amp: 150, sigma: 1.5 },
    ],
    20,
  );
  const d = detectLoG(p, { radius: 2.12, threshold: 1 });
  assert.equal(d.length, 2);
  assert.ok(d[0].score > d[1].score);
  assert.ok(Math.hypot(d[0].y - 44.7, d[0].x - 50.1) < 0.1);
  assert.ok(Math.hypot(d[1].y - 15.2, d[1].x - 12.6) < 0.1);
  const strong = detectLoG(p, { radius: 2.12, threshold: (d[0].score + d[1].score) / 2 });
  assert.equal(strong.length, 1);
  assert.ok(Math.hypot(strong[0].y - 44.7, strong[0].x - 50.1) < 0.1);
  // quality is the filtered value at the integer peak
  const f = logFilter(p, 2.12);
  assert.equal(d[0].score, f[45 * 64 + 50]);
});

test('constant image gives no detections (fixed and auto thresholds, tiny planes too)', () => {
  for (const [h, w] of [
    [32, 32],
    [1, 1],
    [1, 5],
    [2, 3],
  ] as const) {
    const p = plane(h, w, () => 42);
    assert.deepEqual(detectLoG(p, { radius: 2, threshold: 0 }), []);
    assert.deepEqual(detectLoG(p, { radius: 2, threshold: -1 }), []);
    assert.deepEqual(detectLoG(p, { radius: 2, threshold: 'auto' }), []);
    assert.deepEqual(detectLoG(p, { radius: 2, threshold: -1, median: true }), []);
  }
});

test('spots on the border (row 0, corner) are handled', () => {
  const p = renderSpots(
    32,
    40,
    [
      { y: 0, x: 20, amp: 100, sigma: 1.5 },
      { y: 31, x: 39, amp: 100, sigma: 1.5 },
    ],
    10,
  );
  const d = detectLoG(p, { radius: 2.12, threshold: 1 });
  assert.equal(d.length, 2);
  const sorted = [...d].sort((a, b) => a.y - b.y);
  assert.deepEqual([sorted[0].y, sorted[0].x], [0, 20]);
  assert.deepEqual([sorted[1].y, sorted[1].x], [31, 39]);
  // a spot just inside the border is still found and refined; its mirror image (at row -1.3,
  // as in TrackMate's mirror extension) pulls the row estimate towards the border by ~0.4 px
  const q = renderSpots(32, 40, [{ y: 1.3, x: 10.6, amp: 100, sigma: 1.5 }], 10);
  const e = detectLoG(q, { radius: 2.12, threshold: 1 });
  assert.equal(e.length, 1);
  assert.ok(Math.abs(e[0].x - 10.6) < 0.1 && Math.abs(e[0].y - 1.3) < 0.5, JSON.stringify(e));
});

test('local maxima: strict threshold, one pixel per plateau, mirror border', () => {
  // 2x2 plateau -> its first pixel in raster order
  const f = new Float32Array(5 * 5);
  f[1 * 5 + 2] = f[1 * 5 + 3] = f[2 * 5 + 2] = f[2 * 5 + 3] = 7;
  assert.deepEqual(Array.from(findLocalMaxima(f, 5, 5, 0)), [1 * 5 + 2]);
  assert.deepEqual(Array.from(findLocalMaxima(f, 5, 5, 7)), []); // strictly above threshold
  // border pixel: maximum at (0, 0) with mirrored neighbours
  const g = new Float32Array(4 * 4);
  g[0] = 3;
  g[1] = 1;
  assert.deepEqual(Array.from(findLocalMaxima(g, 4, 4, 0)), [0]);
  // plateau across the border
  const h = new Float32Array(3 * 4);
  h[0] = h[1] = 5;
  assert.deepEqual(Array.from(findLocalMaxima(h, 3, 4, 0)), [0]);
  // NaN never a maximum, never blocks
  const n = new Float32Array(9);
  n[4] = 2;
  n[0] = NaN;
  assert.deepEqual(Array.from(findLocalMaxima(n, 3, 3, 0)), [4]);
});

test('refineSubpixel recovers the vertex of a concave quadratic, moving base pixels', () => {
  const H = 12;
  const W = 12;
  const r0 = 5.3;
  const c0 = 6.8;
  const f = new Float32Array(H * W);
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const dr = r - r0;
      const dc = c - c0;
      f[r * W + c] = 100 - 2 * dr * dr - 3 * dc * dc + 1 * dr * dc;
    }
  }
  for (const [r, c] of [
    [5, 7],
    [4, 5],
    [7, 8],
  ] as const) {
    const [rr, cc] = refineSubpixel(f, H, W, r, c);
    assert.ok(Math.abs(rr - r0) < 1e-4 && Math.abs(cc - c0) < 1e-4, `from (${r}, ${c}): ${rr}, ${cc}`);
  }
  // within 1 px of the border: integer position returned
  assert.deepEqual(refineSubpixel(f, H, W, 0, 7), [0, 7]);
  // saddle (not negative definite): integer position returned
  const s = new Float32Array(25);
  for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) s[r * 5 + c] = -((r - 2.2) ** 2) + (c - 2.1) ** 2;
  assert.deepEqual(refineSubpixel(s, 5, 5, 2, 2), [2, 2]);
});

test('3x3 median filter removes a hot pixel and mirrors at the border', () => {
  const p = plane(5, 6, (r, c) => r + c);
  p.data[2 * 6 + 3] = 1000;
  p.data[0] = -50;
  const m = medianFilter3x3(p);
  assert.equal(m.data[2 * 6 + 3], 5);
  // corner (0,0): window via mirror = rows {1,0,1} x cols {1,0,1}: -50, 1 x4, 2 x4 -> 1
  assert.equal(m.data[0], 1);
  // detectLoG with median ignores a single hot pixel
  const q = plane(32, 32, () => 10);
  q.data[16 * 32 + 16] = 5000;
  assert.equal(detectLoG(q, { radius: 2, threshold: 1 }).length, 1);
  assert.equal(detectLoG(q, { radius: 2, threshold: 1, median: true }).length, 0);
});

test('invalid options are user errors', () => {
  const p = plane(8, 8, () => 1);
  assert.throws(() => detectLoG(p, { radius: 0, threshold: 1 }), UserError);
  assert.throws(() => detectLoG(p, { radius: NaN, threshold: 1 }), UserError);
  assert.throws(() => detectLoG(p, { radius: 2, threshold: NaN }), UserError);
  assert.throws(() => logFilter(p, -1), UserError);
});

test('robustLevel: median and MAD-sigma of a known sample', () => {
  const f = new Float32Array([1, 2, 3, 4, 100]);
  const { median, sigma } = robustLevel(f);
  assert.equal(median, 3);
  assert.ok(Math.abs(sigma - 1.4826) < 1e-9);
  const g = new Float32Array([4, 1, 3, 2]);
  assert.equal(robustLevel(g).median, 2.5);
});

test('expected noise maxima (Gaussian-field Euler characteristic) matches pure Poisson noise', () => {
  const { plane: p } = simulate({ height: 512, width: 512, count: 0, background: 100 }, 99);
  const radius = 2.5;
  const f = logFilter(p, radius);
  const { median, sigma } = robustLevel(f);
  for (const u of [3, 3.5]) {
    const n = findLocalMaxima(f, 512, 512, median + u * sigma).length;
    const e = expectedNoiseMaxima(u, 512 * 512, radius / Math.SQRT2);
    assert.ok(n > e / 2.5 && n < e * 2.5, `u ${u}: observed ${n}, expected ${e.toFixed(1)}`);
  }
});

test('auto threshold: >= 90% of SNR-7 spots with <= 10% false positives (256x256)', () => {
  for (const [sigma, bg, seed] of [
    [1.5, 10, 2024],
    [1, 100, 7],
    [2, 30, 11],
  ] as const) {
    // ISBI peak SNR 7 of the pixel-integrated spot (src/measure/snr.ts), spots >= 3 sigma + 2 px
    // apart, anywhere in the image (margin 0)
    const { plane: p, truth } = simulate(
      { height: 256, width: 256, count: 120, sigma: [sigma, sigma], background: bg, snr: 7, minDistance: 3 * sigma + 2, margin: 0 },
      seed,
    );
    assert.equal(truth.length, 120);
    const { spots: detections, threshold } = detectLoGWithThreshold(p, { radius: Math.SQRT2 * sigma, threshold: 'auto' });
    assert.ok(Number.isFinite(threshold) && threshold > 0);
    const m = pointsMatching(
      detections.map((d) => [d.y, d.x] as Point),
      truth,
      { cutoff: 3 },
    );
    assert.ok(m.recall >= 0.9, `sigma ${sigma} bg ${bg}: recall ${m.recall}`);
    assert.ok(m.fp <= 0.1 * detections.length, `sigma ${sigma} bg ${bg}: ${m.fp} FP of ${detections.length}`);
    assert.equal(autoThreshold(p, Math.SQRT2 * sigma), threshold);
  }
  assert.equal(AUTO_FDR, 0.1);
});

test('auto threshold on pure noise keeps (almost) nothing', () => {
  for (const bg of [10, 100]) {
    const { plane: p } = simulate({ height: 256, width: 256, count: 0, background: bg }, 3);
    assert.ok(detectLoG(p, { radius: 2, threshold: 'auto' }).length <= 3);
  }
});

test('auto threshold on a noiseless synthetic spot keeps the spot only', () => {
  const p = renderSpots(48, 64, [{ y: 20.3, x: 31.7, amp: 100, sigma: 1.5 }], 10);
  const d = detectLoG(p, { radius: 2.12, threshold: 'auto' });
  assert.equal(d.length, 1);
  assert.ok(Math.hypot(d[0].y - 20.3, d[0].x - 31.7) < 0.1);
});
