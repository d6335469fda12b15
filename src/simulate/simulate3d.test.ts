import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addSpot3D, resolveSim3dParams, simulateStack } from './simulate3d.js';
import { crlbGaussian3D } from '../measure/crlb.js';
import { UserError } from '../core/errors.js';

const SMALL = { depth: 8, height: 48, width: 48 };

describe('simulateStack', () => {
  it('is deterministic per seed, and the seed matters', () => {
    const a = simulateStack({ ...SMALL, count: 5 }, 7);
    const b = simulateStack({ ...SMALL, count: 5 }, 7);
    const c = simulateStack({ ...SMALL, count: 5 }, 8);
    assert.equal(a.image.length, 8 * 48 * 48);
    assert.deepEqual(a.image, b.image);
    assert.deepEqual(a.spots, b.spots);
    assert.notDeepEqual(a.image, c.image);
    // independent streams: the read noise does not move the spots
    const d = simulateStack({ ...SMALL, count: 5, readNoise: 3 }, 7);
    assert.deepEqual(
      d.spots.map((s) => [s.z, s.y, s.x, s.photons]),
      a.spots.map((s) => [s.z, s.y, s.x, s.photons]),
    );
  });

  it('places spots inside the margins, with the default smFISH σ and integer uint16 counts', () => {
    const r = simulateStack({ ...SMALL, count: 40, marginZ: 2 }, 3);
    assert.equal(r.spots.length, 40);
    for (const s of r.spots) {
      assert.ok(s.z >= 2 && s.z <= 5 && s.y >= 3 && s.y <= 44 && s.x >= 3 && s.x <= 44, JSON.stringify(s));
      assert.equal(s.sigma, 1.3);
      assert.equal(s.sigmaZ, 1.5);
      assert.ok(s.photons >= 300 && s.photons <= 3000);
      assert.ok(s.crlbZ > s.crlbX && s.crlbX > 0 && s.crlbZ < 1, `${s.crlbZ} ${s.crlbX}`);
    }
    for (const v of r.image) assert.ok(Number.isInteger(v) && v >= 0 && v <= 65535);
    // mean count ≈ offset + background (spots add a little)
    const mean = r.image.reduce((a, b) => a + b, 0) / r.image.length;
    assert.ok(mean > 110 && mean < 125, `mean ${mean}`);
  });

  it('a noise-free spot holds its photons (within 2 %) and its centroid is its (z, y, x) within 0.01 voxel', () => {
    const pos: [number, number, number] = [7.3, 23.6, 24.2];
    const r = simulateStack(
      { depth: 16, height: 48, width: 48, positions: [pos], photons: [2000, 2000], background: 0, shotNoise: false, readNoise: 0, offset: 0 },
      1,
    );
    const mu = r.expected;
    let sum = 0;
    let mz = 0;
    let my = 0;
    let mx = 0;
    for (let s = 0; s < 16; s++) {
      for (let y = 0; y < 48; y++) {
        for (let x = 0; x < 48; x++) {
          const v = mu[(s * 48 + y) * 48 + x];
          sum += v;
          mz += v * s;
          my += v * y;
          mx += v * x;
        }
      }
    }
    assert.ok(Math.abs(sum - 2000) / 2000 < 0.02, `sum ${sum}`);
    assert.ok(Math.abs(mz / sum - pos[0]) < 0.01, `z ${mz / sum}`);
    assert.ok(Math.abs(my / sum - pos[1]) < 0.01, `y ${my / sum}`);
    assert.ok(Math.abs(mx / sum - pos[2]) < 0.01, `x ${mx / sum}`);
    // axes are not swapped: the slice with the most photons is round(z), its brightest pixel (round(y), round(x))
    let best = 0;
    for (let k = 1; k < mu.length; k++) if (mu[k] > mu[best]) best = k;
    assert.deepEqual([Math.floor(best / 2304), Math.floor((best % 2304) / 48), best % 48], [7, 24, 24]);
    // the camera image equals the rounded expectation
    assert.deepEqual(r.image, mu.map(Math.round));
  });

  it('addSpot3D is separable: a wider σ_z spreads the same photons over more slices', () => {
    const a = new Float64Array(12 * 20 * 20);
    const b = new Float64Array(12 * 20 * 20);
    assert.ok(Math.abs(addSpot3D(a, 12, 20, 20, [6, 10, 10], 1000, 1.3, 1) - 1000) < 0.01);
    const added = addSpot3D(b, 12, 20, 20, [6, 10, 10], 1000, 1.3, 2);
    assert.ok(added < 997 && added > 996, `${added}: the tails beyond the 12 slices (Φ(−2.75) + Φ(−3.25)) are lost`);
    const centre = (6 * 20 + 10) * 20 + 10;
    assert.ok(a[centre] > 1.5 * b[centre]);
    // within one slice the lateral profile has the same shape
    assert.ok(Math.abs(a[centre + 1] / a[centre] - b[centre + 1] / b[centre]) < 1e-12);
  });

  it('an SNR target gives the peak voxel that SNR; the CRLB is the per-spot crlbGaussian3D', () => {
    const r = simulateStack({ ...SMALL, positions: [[4, 20, 30]], snr: 5, background: 10, readNoise: 0 }, 2);
    const s = r.spots[0];
    assert.ok(Math.abs(s.peakSnr - 5) < 1e-9, `${s.peakSnr}`);
    const c = crlbGaussian3D({ sigma: 1.3, sigmaZ: 1.5, photons: s.photons, background: 10, halfWidthZ: 8, sliceRange: [-4, 3] });
    assert.ok(Math.abs(c.z - s.crlbZ) < 1e-12 && Math.abs(c.x - s.crlbX) < 1e-12);
  });

  it('rejects bad parameters with a UserError', () => {
    assert.throws(() => resolveSim3dParams({ depth: 0 }), UserError);
    assert.throws(() => resolveSim3dParams({ depth: 4, marginZ: 2 }), UserError);
    assert.throws(() => resolveSim3dParams({ sigmaZ: [2, 1] }), UserError);
    assert.throws(() => resolveSim3dParams({ sigmaZ: [0, 1] }), UserError);
    assert.throws(() => resolveSim3dParams({ sigma: [-1, 1] }), UserError);
    assert.throws(() => resolveSim3dParams({ positions: [[1, 2] as unknown as [number, number, number]] }), UserError);
    assert.throws(() => simulateStack({ ...SMALL, count: 50, minDistance: 30 }, 0), UserError);
  });
});
