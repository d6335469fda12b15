import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitSpot3D, fitSpots3D, type SpotFit3D } from './fit3d.js';
import { addSpot3D, simulateStack, type Point3 } from '../simulate/simulate3d.js';
import { Rng } from '../math/rng.js';
import type { Stack } from '../core/types.js';

/** Expected-photon stack with a flat background and one spot. */
function render(d: number, h: number, w: number, background: number, pt: Point3, n: number, s: number, sz: number): Stack {
  const data = new Float64Array(d * h * w).fill(background);
  addSpot3D(data, d, h, w, pt, n, s, sz);
  return { data, depth: d, height: h, width: w };
}

const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('fitSpot3D: noiseless spots', () => {
  const cases: [Point3, number, number][] = [
    // [offset (dz, dy, dx), σ, σ_z]
    [[0, 0, 0], 1.3, 1.8],
    [[0.31, -0.27, 0.12], 1.2, 1.5],
    [[-0.45, 0.2, -0.38], 1.6, 2.2],
    [[0.1, 0.45, 0.49], 1.0, 1.3],
  ];
  for (const [[dz, dy, dx], s, sz] of cases) {
    it(`recovers z, y, x, N, b, σ, σ_z at offset (${dz}, ${dy}, ${dx}), σ = ${s}, σ_z = ${sz}`, () => {
      const st = render(11, 19, 21, 8, [5 + dz, 9 + dy, 10 + dx], 2500, s, sz);
      const f = fitSpot3D(st, 5, 9, 10);
      assert.equal(f.status, 'ok');
      assert.ok(Math.abs(f.z - (5 + dz)) < 1e-3, `z ${f.z}`);
      assert.ok(Math.abs(f.y - (9 + dy)) < 1e-3, `y ${f.y}`);
      assert.ok(Math.abs(f.x - (10 + dx)) < 1e-3, `x ${f.x}`);
      assert.ok(relErr(f.photons, 2500) < 0.005, `N ${f.photons}`);
      assert.ok(Math.abs(f.background - 8) < 0.01, `b ${f.background}`);
      assert.ok(relErr(f.sigma, s) < 0.01, `σ ${f.sigma}`);
      assert.ok(relErr(f.sigmaZ, sz) < 0.01, `σ_z ${f.sigmaZ}`);
      assert.ok(f.crlbZ > f.crlbY && f.crlbY > 0 && f.crlbX > 0 && Number.isFinite(f.crlbZ));
    });
  }

  it('keeps the axes apart: a different offset along each axis, a non-cubic stack, starts off by up to ½ voxel', () => {
    // Offsets chosen so that any swap of two axes moves the answer by > 0.3 voxel.
    const truth: Point3 = [4.4, 12.05, 7.7];
    const st = render(9, 23, 15, 5, truth, 3000, 1.4, 1.9);
    const f = fitSpot3D(st, 4, 12, 8);
    assert.equal(f.status, 'ok');
    assert.deepEqual(
      [f.z, f.y, f.x].map((v) => Number(v.toFixed(4))),
      truth,
    );
  });

  it('respects a fixed σ and σ_z (and still finds the centre when they are right)', () => {
    const st = render(11, 19, 21, 8, [5.2, 9.1, 9.8], 2500, 1.3, 1.8);
    const wrong = fitSpot3D(st, 5, 9, 10, { sigma: 1.6, sigmaZ: 1.2 });
    assert.equal(wrong.sigma, 1.6);
    assert.equal(wrong.sigmaZ, 1.2);
    const right = fitSpot3D(st, 5, 9, 10, { sigma: 1.3, sigmaZ: 1.8 });
    assert.equal(right.sigma, 1.3);
    assert.equal(right.sigmaZ, 1.8);
    assert.ok(Math.abs(right.z - 5.2) < 1e-4 && Math.abs(right.y - 9.1) < 1e-4 && Math.abs(right.x - 9.8) < 1e-4);
    assert.ok(relErr(right.photons, 2500) < 1e-4);
    // Only σ_z fixed: σ is fitted.
    const half = fitSpot3D(st, 5, 9, 10, { sigmaZ: 1.8 });
    assert.equal(half.sigmaZ, 1.8);
    assert.ok(relErr(half.sigma, 1.3) < 1e-3, `σ ${half.sigma}`);
    // Fewer free parameters → a smaller bound.
    const free = fitSpot3D(st, 5, 9, 10);
    assert.ok(right.crlbZ < free.crlbZ && right.crlbY < free.crlbY);
  });

  it('converts counts to photons with gain, offset and read noise as in 2-D', () => {
    const photons = render(11, 19, 21, 8, [5.2, 9.3, 9.8], 2500, 1.3, 1.8);
    const counts: Stack = { ...photons, data: photons.data.map((v) => 100 + 2.5 * v) };
    const f = fitSpot3D(counts, 5, 9, 10, { gain: 2.5, offset: 100 });
    assert.equal(f.status, 'ok');
    assert.ok(relErr(f.photons, 2500) < 0.005 && Math.abs(f.background - 8) < 0.01);
    assert.ok(Math.abs(f.z - 5.2) < 1e-3 && Math.abs(f.y - 9.3) < 1e-3 && Math.abs(f.x - 9.8) < 1e-3);
    // Read noise leaves the noiseless optimum in place and raises the bound.
    const r = fitSpot3D(counts, 5, 9, 10, { gain: 2.5, offset: 100, readNoise: 5 });
    assert.ok(Math.abs(r.z - 5.2) < 1e-3 && relErr(r.photons, 2500) < 0.005);
    assert.ok(r.crlbZ > f.crlbZ);
  });
});

describe('fitSpot3D: edges and guards', () => {
  it('fits a spot on the first and on the last slice (clipped box)', () => {
    for (const z of [0, 0.3, 8.8, 9]) {
      const st = render(10, 17, 17, 8, [z, 8.2, 7.9], 3000, 1.3, 1.6);
      const f = fitSpot3D(st, z, 8, 8);
      assert.equal(f.status, 'ok', `z ${z}`);
      assert.ok(Math.abs(f.z - z) < 1e-3 && Math.abs(f.y - 8.2) < 1e-3 && Math.abs(f.x - 7.9) < 1e-3, `z ${z}: ${f.z}`);
      assert.ok(relErr(f.photons, 3000) < 0.005 && relErr(f.sigmaZ, 1.6) < 0.01);
    }
  });

  it('noisy spots on the first slice: each fit is ok or falls back cleanly to its start', () => {
    const positions: Point3[] = [];
    for (let i = 0; i < 20; i++) positions.push([0.25 * (i % 3), 8 + 14 * Math.floor(i / 5), 8 + 14 * (i % 5) + 0.3]);
    const sim = simulateStack({ depth: 6, height: 70, width: 70, positions, marginZ: 0, snr: 6, sigmaZ: [1.8, 1.8] }, 3);
    const stack: Stack = { data: sim.image, depth: 6, height: 70, width: 70 };
    const fits = fitSpots3D(
      stack,
      positions.map(([z, y, x]) => ({ z: Math.round(z), y: Math.round(y), x: Math.round(x) })),
      { offset: 100, readNoise: 1 },
    );
    let ok = 0;
    fits.forEach((f, i) => {
      const [z, y, x] = positions[i];
      assert.ok(Number.isFinite(f.photons) && Number.isFinite(f.crlbZ));
      if (f.status === 'ok') {
        ok++;
        assert.ok(Math.abs(f.z - z) < 0.6 && Math.abs(f.y - y) < 0.3 && Math.abs(f.x - x) < 0.3, `spot ${i}: ${f.z}, ${f.y}, ${f.x}`);
      } else {
        assert.deepEqual([f.z, f.y, f.x], [Math.round(z), Math.round(y), Math.round(x)]);
      }
    });
    assert.ok(ok >= 15, `${ok}/20 ok`);
  });

  it('reports the peak SNR of the simulator (noiseless expected stack)', () => {
    const sim = simulateStack({ depth: 9, height: 20, width: 20, positions: [[4.2, 9.7, 10.3]], snr: 6, sigmaZ: [1.8, 1.8] }, 1);
    const f = fitSpot3D({ data: sim.expected, depth: 9, height: 20, width: 20 }, 4, 10, 10);
    assert.ok(Math.abs(f.snr - sim.spots[0].peakSnr) < 1e-4, `${f.snr} vs ${sim.spots[0].peakSnr}`);
  });

  it('a one-slice stack, an empty box and out-of-stack starts do not throw', () => {
    const one = render(1, 15, 15, 5, [0, 7, 7], 1000, 1.3, 1.5);
    assert.ok(Number.isFinite(fitSpot3D(one, 0, 7, 7).photons));
    const flat: Stack = { data: new Uint16Array(5 * 9 * 9).fill(3), depth: 5, height: 9, width: 9 };
    const f = fitSpot3D(flat, -3, 20, 4);
    assert.ok(['ok', 'not-converged'].includes(f.status));
    assert.throws(() => fitSpot3D(flat, 2, 4, 4, { halfWidthZ: 0 }), /halfWidthZ/);
    assert.throws(() => fitSpot3D({ ...flat, depth: 4 }, 2, 4, 4), RangeError);
  });

  it('fitSpots3D: moved and not-converged fits keep the start', () => {
    const st = render(11, 19, 21, 8, [5.2, 9.3, 9.8], 2500, 1.3, 1.8);
    const [ok, moved] = fitSpots3D(st, [
      { z: 5, y: 9, x: 10 },
      { z: 5, y: 7.6, x: 10 },
    ]);
    assert.equal(ok.status, 'ok');
    assert.ok(Math.abs(ok.y - 9.3) < 1e-3);
    assert.equal(moved.status, 'moved');
    assert.deepEqual([moved.z, moved.y, moved.x], [5, 7.6, 10]);
    assert.ok(moved.shift > 1);
    const [cut] = fitSpots3D(st, [{ z: 5, y: 9, x: 10 }], { maxIterations: 1 });
    assert.equal(cut.status, 'not-converged');
    assert.deepEqual([cut.z, cut.y, cut.x], [5, 9, 10]);
  });
});

describe('fitSpot3D: Poisson noise (simulateStack)', () => {
  // Isolated spots on a grid (16 px apart laterally), random sub-voxel offsets; 210 spots.
  const rng = new Rng(7, 1);
  const positions: Point3[] = [];
  for (let r = 0; r < 14; r++) {
    for (let c = 0; c < 15; c++)
      positions.push([5 + rng.uniformRange(-0.5, 0.5), 10 + 16 * r + rng.uniformRange(-0.5, 0.5), 10 + 16 * c + rng.uniformRange(-0.5, 0.5)]);
  }
  const sim = simulateStack(
    {
      depth: 11,
      height: 16 * 14 + 4,
      width: 16 * 15 + 4,
      positions,
      sigma: [1.3, 1.3],
      sigmaZ: [1.8, 1.8],
      snr: 6,
      background: 10,
      readNoise: 1,
      gain: 1,
      offset: 100,
    },
    11,
  );
  const stack: Stack = { data: sim.image, depth: sim.depth, height: sim.height, width: sim.width };
  const starts = sim.spots.map((s) => ({ z: Math.round(s.z), y: Math.round(s.y), x: Math.round(s.x) }));
  const crlbKey = { z: 'crlbZ', y: 'crlbY', x: 'crlbX' } as const;

  /** Fits from the rounded truth; checks convergence, RMSE ≤ 1.3 × mean √CRLB and bias per axis. */
  function check(halfWidthZ: number, bound: 'fit' | 'simulator'): void {
    const fits: SpotFit3D[] = starts.map((s) => fitSpot3D(stack, s.z, s.y, s.x, { gain: 1, offset: 100, readNoise: 1, halfWidthZ }));
    const ok = fits.filter((f) => f.status === 'ok').length;
    assert.ok(ok >= 0.97 * fits.length, `${ok}/${fits.length} converged`);
    for (const a of ['z', 'y', 'x'] as const) {
      const err = fits.map((f, i) => f[a] - sim.spots[i][a]);
      const rmse = Math.sqrt(err.reduce((s, e) => s + e * e, 0) / err.length);
      const bias = err.reduce((s, e) => s + e, 0) / err.length;
      const crlb =
        bound === 'fit'
          ? fits.reduce((s, f) => s + f[crlbKey[a]], 0) / fits.length // this window, σ's fitted
          : sim.spots.reduce((s, q) => s + q[crlbKey[a]], 0) / sim.spots.length; // ±8 voxels, σ's known
      assert.ok(rmse <= 1.3 * crlb, `${a}: RMSE ${rmse.toFixed(4)} vs mean √CRLB ${crlb.toFixed(4)}`);
      assert.ok(Math.abs(bias) < 0.3 * rmse, `${a}: bias ${bias.toFixed(4)}, RMSE ${rmse.toFixed(4)}`);
    }
  }

  it('default box (5×7×7): RMSE of z, y, x ≤ 1.3 × the mean √CRLB of the fit (same window), small bias', () => {
    check(2, 'fit');
  });

  it("9-slice box: RMSE of z, y, x ≤ 1.3 × the simulator's √CRLB (σ, σ_z known, ±8 voxels), small bias", () => {
    check(4, 'simulator');
  });
});
