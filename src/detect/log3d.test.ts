import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Stack } from '../core/types.js';
import { UserError } from '../core/errors.js';
import { Rng } from '../math/rng.js';
import { simulateStack } from '../simulate/simulate3d.js';
import { detectLoG } from './log.js';
import { robustLevel } from './autothreshold.js';
import { detectLoG3D, expectedNoiseMaxima3D, findLocalMaxima3D, logFilter3D, refineSubvoxel } from './log3d.js';
import { expectedNoiseMaxima } from './autothreshold.js';

interface G3 {
  z: number;
  y: number;
  x: number;
  amp: number;
  sigma: number;
  sigmaZ: number;
}

/** Noise-free stack: background + continuous 3-D Gaussians sampled at voxel centres. */
function gaussStack(depth: number, height: number, width: number, spots: G3[], background = 0): Stack {
  const data = new Float32Array(depth * height * width).fill(background);
  for (const s of spots) {
    for (let z = 0; z < depth; z++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const q = ((x - s.x) ** 2 + (y - s.y) ** 2) / (2 * s.sigma * s.sigma) + (z - s.z) ** 2 / (2 * s.sigmaZ * s.sigmaZ);
          data[(z * height + y) * width + x] += s.amp * Math.exp(-q);
        }
      }
    }
  }
  return { data, depth, height, width };
}

function poissonStack(depth: number, height: number, width: number, seed: number, mean: (z: number, y: number, x: number) => number): Stack {
  const rng = new Rng(seed);
  const data = new Float32Array(depth * height * width);
  for (let z = 0; z < depth; z++)
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[(z * height + y) * width + x] = rng.poisson(mean(z, y, x));
  return { data, depth, height, width };
}

const R = 1.5 * Math.SQRT2; // radius matched to sigma 1.5

test('detectLoG3D: one noise-free spot, found once at its (z, y, x) within 0.2 voxel, axes not swapped', () => {
  const truth = { z: 7.3, y: 30.2, x: 33.7 };
  const st = gaussStack(16, 64, 64, [{ ...truth, amp: 100, sigma: 1.5, sigmaZ: 1.5 }]);
  const { spots, threshold } = detectLoG3D(st, { radius: R, threshold: 1 });
  assert.equal(threshold, 1);
  assert.equal(spots.length, 1);
  const s = spots[0];
  assert.ok(Math.abs(s.z - truth.z) < 0.2, `z ${s.z}`);
  assert.ok(Math.abs(s.y - truth.y) < 0.2, `y ${s.y}`);
  assert.ok(Math.abs(s.x - truth.x) < 0.2, `x ${s.x}`);
  // quality = response at the integer maximum ~ (3 sqrt(pi) / 2) A / sigma for a matched isotropic spot
  const f = logFilter3D(st, R, R);
  assert.equal(s.score, f[(7 * 64 + 30) * 64 + 34]);
  const predicted = ((3 * Math.sqrt(Math.PI)) / 2) * (100 / 1.5);
  assert.ok(Math.abs(s.score / predicted - 1) < 0.06, `score ${s.score} vs ${predicted}`);
  // without refinement: the integer voxel
  const integer = detectLoG3D(st, { radius: R, threshold: 1, subpixel: false }).spots;
  assert.deepEqual(
    integer.map((p) => [p.z, p.y, p.x]),
    [[7, 30, 34]],
  );
  // a transposed stack (x <-> z) moves the spot accordingly: the axes are not swapped
  const tr = gaussStack(64, 64, 16, [{ z: truth.x, y: truth.y, x: truth.z, amp: 100, sigma: 1.5, sigmaZ: 1.5 }]);
  const t = detectLoG3D(tr, { radius: R, threshold: 1 }).spots;
  assert.equal(t.length, 1);
  assert.ok(Math.abs(t[0].z - truth.x) < 0.2 && Math.abs(t[0].y - truth.y) < 0.2 && Math.abs(t[0].x - truth.z) < 0.2);
});

test('detectLoG3D: a flat stack gives a zero response and no spots', () => {
  const st: Stack = { data: new Float32Array(8 * 20 * 24).fill(123), depth: 8, height: 20, width: 24 };
  const f = logFilter3D(st, 2, 3);
  let max = 0;
  for (const v of f) max = Math.max(max, Math.abs(v));
  assert.ok(max < 1e-9, `max |response| ${max}`);
  assert.equal(detectLoG3D(st, { radius: 2, radiusZ: 3, threshold: 0 }).spots.length, 0);
  assert.equal(detectLoG3D(st, { radius: 2, threshold: 'auto' }).spots.length, 0);
});

test('detectLoG3D: two spots 6 px apart are both found (in x, and 6 slices apart in z)', () => {
  for (const [a, b] of [
    [
      [8, 30, 29],
      [8, 30, 35],
    ],
    [
      [5, 30.4, 31.6],
      [11, 30.4, 31.6],
    ],
  ]) {
    const st = gaussStack(16, 64, 64, [
      { z: a[0], y: a[1], x: a[2], amp: 100, sigma: 1.3, sigmaZ: 1.3 },
      { z: b[0], y: b[1], x: b[2], amp: 80, sigma: 1.3, sigmaZ: 1.3 },
    ]);
    const { spots } = detectLoG3D(st, { radius: 1.3 * Math.SQRT2, threshold: 5 });
    assert.equal(spots.length, 2);
    // descending quality: the brighter spot first
    for (const [s, t] of [
      [spots[0], a],
      [spots[1], b],
    ] as const) {
      assert.ok(Math.hypot(s.z - t[0], s.y - t[1], s.x - t[2]) < 0.3, JSON.stringify(s));
    }
  }
});

test('detectLoG3D: radiusZ matched to elongated spots beats the isotropic setting', () => {
  // 4 spots with sigma 1.3 px laterally and 4 slices axially, Poisson noise on background 10
  const pos: [number, number, number][] = [
    [11.6, 20.3, 20.8],
    [12.2, 42.7, 21.4],
    [11.1, 21.5, 43.2],
    [12.4, 43.1, 42.6],
  ];
  const D = 24;
  const H = 64;
  const W = 64;
  const st = poissonStack(D, H, W, 7, (z, y, x) => {
    let m = 10;
    for (const [pz, py, px] of pos) m += 15 * Math.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * 1.3 * 1.3) - (z - pz) ** 2 / (2 * 4 * 4));
    return m;
  });
  const r = 1.3 * Math.SQRT2;
  const rz = 4 * Math.SQRT2;
  // signal-to-noise of the response at each spot: higher with the matched axial radius
  const snr = (radiusZ: number): number[] => {
    const f = logFilter3D(st, r, radiusZ);
    const { median, sigma } = robustLevel(f);
    return pos.map(([z, y, x]) => (f[(Math.round(z) * H + Math.round(y)) * W + Math.round(x)] - median) / sigma);
  };
  const iso = snr(r);
  const matched = snr(rz);
  for (let i = 0; i < pos.length; i++) assert.ok(matched[i] > 1.2 * iso[i], `spot ${i}: ${matched[i]} vs ${iso[i]}`);
  // matched: exactly the 4 spots, each within 0.6 slice and 0.3 px
  const good = detectLoG3D(st, { radius: r, radiusZ: rz, threshold: 'auto' }).spots;
  assert.equal(good.length, 4);
  for (const [z, y, x] of pos) {
    assert.ok(
      good.some((s) => Math.abs(s.z - z) < 0.6 && Math.hypot(s.y - y, s.x - x) < 0.3),
      `spot ${z},${y},${x}`,
    );
  }
  // isotropic: the elongated spots split along z / noise passes (more than 4 detections)
  const bad = detectLoG3D(st, { radius: r, threshold: 'auto' }).spots;
  assert.ok(bad.length > 4, `isotropic found ${bad.length}`);
});

test('detectLoG3D on a one-slice stack agrees with the 2-D detectLoG (any radiusZ)', () => {
  const st = gaussStack(1, 48, 52, [
    { z: 0, y: 20.3, x: 23.6, amp: 100, sigma: 1.4, sigmaZ: 1 },
    { z: 0, y: 31.8, x: 12.2, amp: 40, sigma: 1.4, sigmaZ: 1 },
  ]);
  const two = detectLoG({ data: st.data, height: 48, width: 52 }, { radius: 2, threshold: 1 });
  assert.equal(two.length, 2);
  for (const radiusZ of [0.05, 2]) {
    const three = detectLoG3D(st, { radius: 2, radiusZ, threshold: 1 }).spots;
    assert.equal(three.length, 2);
    for (let i = 0; i < 2; i++) {
      assert.equal(three[i].z, 0);
      assert.ok(Math.abs(three[i].y - two[i].y) < 0.05 && Math.abs(three[i].x - two[i].x) < 0.05);
    }
  }
  // the noise model of a one-slice stack is the 2-D one
  assert.equal(expectedNoiseMaxima3D(4, 1, 48, 52, 1.4, 0.7), expectedNoiseMaxima(4, 48 * 52, 1.4));
});

test("detectLoG3D 'auto': few false spots on pure noise, and >= 9 of 10 bright spots", () => {
  let falses = 0;
  for (const seed of [1, 2, 3]) {
    const noise = poissonStack(16, 64, 64, seed, () => 10);
    falses += detectLoG3D(noise, { radius: 1.84, radiusZ: 2.12, threshold: 'auto' }).spots.length;
  }
  assert.ok(falses / 3 < 5, `mean false spots ${falses / 3}`);
  const sim = simulateStack({ depth: 16, height: 64, width: 64, count: 10, minDistance: 8, snr: 6, background: 10, offset: 0, readNoise: 0 }, 4);
  const st: Stack = { data: sim.image, depth: 16, height: 64, width: 64 };
  const { spots } = detectLoG3D(st, { radius: 1.3 * Math.SQRT2, radiusZ: 1.5 * Math.SQRT2, threshold: 'auto' });
  let found = 0;
  for (const t of sim.spots) if (spots.some((s) => Math.hypot(s.z - t.z, s.y - t.y, s.x - t.x) < 1.5)) found++;
  assert.ok(found >= 9, `found ${found} of 10`);
  assert.ok(spots.length <= 12, `${spots.length} detections`);
});

test('findLocalMaxima3D: one voxel per plateau, mirror border, strict threshold', () => {
  const D = 4;
  const H = 5;
  const W = 6;
  const f = new Float32Array(D * H * W);
  const at = (z: number, y: number, x: number): number => (z * H + y) * W + x;
  for (const [z, y, x] of [
    [1, 1, 1],
    [1, 1, 2],
    [1, 2, 1],
    [1, 2, 2],
    [2, 1, 1],
    [2, 1, 2],
    [2, 2, 1],
    [2, 2, 2],
  ]) {
    f[at(z, y, x)] = 5;
  }
  f[at(0, 4, 5)] = 3; // corner voxel: a maximum through the mirror border
  assert.deepEqual(
    [...findLocalMaxima3D(f, D, H, W, 2)],
    [at(0, 4, 5), at(1, 1, 1)].sort((a, b) => a - b),
  );
  assert.deepEqual([...findLocalMaxima3D(f, D, H, W, 3)], [at(1, 1, 1)]);
  assert.deepEqual([...findLocalMaxima3D(new Float32Array(D * H * W).fill(1), D, H, W, 0)], []);
});

test('refineSubvoxel: a quadratic peak is located exactly; no negative-definite Hessian -> integer', () => {
  const D = 7;
  const H = 8;
  const W = 9;
  const f = new Float32Array(D * H * W);
  const c = [3.2, 3.7, 4.4];
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) f[(z * H + y) * W + x] = 100 - 2 * (z - c[0]) ** 2 - (y - c[1]) ** 2 - 3 * (x - c[2]) ** 2 - 0.5 * (z - c[0]) * (x - c[2]);
  const [z, y, x] = refineSubvoxel(f, D, H, W, 3, 4, 4);
  assert.ok(Math.abs(z - c[0]) < 1e-4 && Math.abs(y - c[1]) < 1e-4 && Math.abs(x - c[2]) < 1e-4, `${z} ${y} ${x}`);
  // a saddle (z curves up): not negative definite -> the integer position
  for (let z2 = 0; z2 < D; z2++)
    for (let y2 = 0; y2 < H; y2++) for (let x2 = 0; x2 < W; x2++) f[(z2 * H + y2) * W + x2] = (z2 - 3.2) ** 2 - (y2 - 3.7) ** 2 - (x2 - 4.4) ** 2;
  assert.deepEqual(refineSubvoxel(f, D, H, W, 3, 4, 4), [3, 4, 4]);
});

test('detectLoG3D: bad radius / threshold are UserErrors', () => {
  const st: Stack = { data: new Float32Array(2 * 3 * 4), depth: 2, height: 3, width: 4 };
  assert.throws(() => detectLoG3D(st, { radius: 0, threshold: 1 }), UserError);
  assert.throws(() => detectLoG3D(st, { radius: 2, radiusZ: -1, threshold: 1 }), UserError);
  assert.throws(() => detectLoG3D(st, { radius: 2, threshold: Number.NaN }), UserError);
});
