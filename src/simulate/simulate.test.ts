import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../core/errors.js';
import { crlbGaussian2D } from '../measure/crlb.js';
import { backgroundMap, defaultSimParams, resolveSimParams, simToPlane, simulateImage, snrPresets, spotCount, type SimParams } from './simulate.js';

/** Noise-free, camera-free settings: image = round(expected). */
const NOISELESS: Partial<SimParams> = { shotNoise: false, readNoise: 0, gain: 1, offset: 0 };

describe('simulateImage', () => {
  it('is deterministic for a seed and changes with the seed', () => {
    const params: Partial<SimParams> = { height: 96, width: 128, density: 20, placement: 'clustered', gradient: 0.3, structures: 2 };
    const a = simulateImage(params, 123);
    const b = simulateImage(params, 123);
    assert.deepEqual(a.image, b.image);
    assert.deepEqual(a.spots, b.spots);
    assert.deepEqual(a.background, b.background);
    const c = simulateImage(params, 124);
    assert.notDeepEqual(a.image, c.image);
    assert.notDeepEqual(
      a.spots.map((s) => [s.y, s.x]),
      c.spots.map((s) => [s.y, s.x]),
    );
  });

  it('keeps spot positions when only the noise model changes (independent streams)', () => {
    const a = simulateImage({ height: 64, width: 64, count: 10 }, 5);
    const b = simulateImage({ height: 64, width: 64, count: 10, readNoise: 3, gain: 2.5 }, 5);
    assert.deepEqual(
      a.spots.map((s) => [s.y, s.x, s.sigma, s.photons]),
      b.spots.map((s) => [s.y, s.x, s.sigma, s.photons]),
    );
    assert.notDeepEqual(a.image, b.image);
  });

  it('uses the documented defaults and spot count', () => {
    const p = resolveSimParams();
    assert.equal(p.height, 512);
    assert.equal(p.width, 512);
    assert.equal(spotCount(p), Math.round((10 * 512 * 512) / 1e4));
    assert.equal(spotCount(resolveSimParams({ count: 7 })), 7);
    assert.equal(spotCount(resolveSimParams({ count: 7, positions: [[5, 5]] })), 1);
    assert.deepEqual(defaultSimParams.pairSeparation, [1.5, 6]);
  });

  it('conserves photons: Σ(expected − background) = Σ N for spots away from the border', () => {
    const sim = simulateImage({ height: 160, width: 160, count: 40, margin: 12, sigma: [1, 2] }, 9);
    let sum = 0;
    for (let i = 0; i < sim.expected.length; i++) sum += sim.expected[i] - sim.background[i];
    const total = sim.spots.reduce((acc, s) => acc + s.photons, 0);
    // The ±⌈4σ+2⌉ render window drops < 1.2e-6 of each spot (σ ≤ 2); float32 storage ~1e-7.
    assert.ok(Math.abs(sum / total - 1) < 2e-6, `Σ ${sum} vs ΣN ${total}`);
  });

  it('follows the pixel-centre convention: a spot at (10, 20) peaks at row 10, col 20', () => {
    for (const [y, x] of [
      [10, 20],
      [10.3, 20.4],
      [10.6, 19.55],
    ]) {
      const sim = simulateImage({ height: 32, width: 48, positions: [[y, x]], sigma: [1.3, 1.3], photons: [2000, 2000], ...NOISELESS }, 1);
      const w = sim.width;
      let best = 0;
      for (let i = 1; i < sim.expected.length; i++) if (sim.expected[i] > sim.expected[best]) best = i;
      assert.equal(Math.floor(best / w), Math.round(y));
      assert.equal(best % w, Math.round(x));
      // Intensity-weighted centroid of the background-subtracted window ±8 px.
      let m0 = 0;
      let my = 0;
      let mx = 0;
      for (let r = Math.round(y) - 8; r <= Math.round(y) + 8; r++) {
        for (let c = Math.round(x) - 8; c <= Math.round(x) + 8; c++) {
          const v = sim.expected[r * w + c] - sim.background[r * w + c];
          m0 += v;
          my += v * r;
          mx += v * c;
        }
      }
      assert.ok(Math.abs(my / m0 - y) < 0.01, `centroid row ${my / m0} vs ${y}`);
      assert.ok(Math.abs(mx / m0 - x) < 0.01, `centroid col ${mx / m0} vs ${x}`);
      assert.equal(sim.spots[0].y, y);
      assert.equal(sim.spots[0].x, x);
      assert.equal(sim.spots[0].partner, -1);
    }
  });

  it('hits the target SNR (round trip on a noiseless centred spot)', () => {
    for (const level of [1, 2, 4, 7] as const) {
      for (const sigma of [1, 1.6]) {
        const sim = simulateImage({ ...snrPresets[level], ...NOISELESS, height: 41, width: 41, positions: [[20, 20]], sigma: [sigma, sigma] }, 3);
        const k = 20 * sim.width + 20;
        const iPeak = sim.expected[k];
        const iBg = sim.background[k];
        assert.equal(iBg, 10);
        const measured = (iPeak - iBg) / Math.sqrt(iPeak);
        assert.ok(Math.abs(measured - level) < 1e-5, `SNR ${level}: measured ${measured}`);
        assert.ok(Math.abs(sim.spots[0].peakSnr - level) < 1e-9);
        // With gain 1, offset 0 and no noise the camera image is the rounded expectation.
        assert.equal(sim.image[k], Math.round(iPeak));
      }
    }
  });

  it('SNR mode: per-spot peak SNR ≤ target (spots are off-centre), jitter and ranges respected', () => {
    const sim = simulateImage({ ...snrPresets[4], height: 128, width: 128, count: 60 }, 8);
    for (const s of sim.spots) {
      assert.ok(s.peakSnr <= 4 + 1e-9, `peakSnr ${s.peakSnr}`);
      assert.ok(s.peakSnr > 4 * 0.5, `peakSnr ${s.peakSnr}`);
    }
    const ranged = simulateImage({ ...snrPresets[2], snr: [2, 7], photonJitter: 0.2, height: 128, width: 128, count: 60 }, 8);
    for (const s of ranged.spots) assert.ok(s.peakSnr > 2 * 0.8 * 0.5 && s.peakSnr < 7 * 1.2 + 1e-9);
    const snrs = ranged.spots.map((s) => s.peakSnr);
    assert.ok(Math.max(...snrs) - Math.min(...snrs) > 2, 'SNR range is used');
  });

  it('clustered placement: pairs with separation in [1.5, 6] px plus singletons', () => {
    const sim = simulateImage({ height: 256, width: 256, count: 101, placement: 'clustered', singletonFraction: 0.2 }, 4);
    assert.equal(sim.spots.length, 101);
    let pairs = 0;
    let singles = 0;
    sim.spots.forEach((s, i) => {
      if (s.partner < 0) {
        singles++;
        return;
      }
      const q = sim.spots[s.partner];
      assert.equal(q.partner, i, 'partners are mutual');
      const d = Math.hypot(s.y - q.y, s.x - q.x);
      assert.ok(d >= 1.5 - 1e-9 && d <= 6 + 1e-9, `separation ${d}`);
      if (i < s.partner) pairs++;
    });
    assert.equal(pairs, Math.round((101 * 0.8) / 2));
    assert.equal(singles, 101 - 2 * pairs);
    const custom = simulateImage({ height: 128, width: 128, count: 40, placement: 'clustered', singletonFraction: 0, pairSeparation: [3, 3.5] }, 4);
    for (const s of custom.spots) {
      const q = custom.spots[s.partner];
      const d = Math.hypot(s.y - q.y, s.x - q.x);
      assert.ok(d >= 3 - 1e-9 && d <= 3.5 + 1e-9);
    }
  });

  it('respects the margin and the minimum distance', () => {
    const sim = simulateImage({ height: 128, width: 96, count: 150, margin: 10, minDistance: 5 }, 2);
    for (const s of sim.spots) {
      assert.ok(s.y >= 10 && s.y <= 127 - 10 && s.x >= 10 && s.x <= 95 - 10);
    }
    for (let i = 0; i < sim.spots.length; i++) {
      for (let j = i + 1; j < sim.spots.length; j++) {
        const d = Math.hypot(sim.spots[i].y - sim.spots[j].y, sim.spots[i].x - sim.spots[j].x);
        assert.ok(d >= 5, `spots ${i}, ${j} at ${d}`);
      }
    }
    assert.throws(() => simulateImage({ height: 32, width: 32, count: 500, minDistance: 5 }, 1), UserError);
  });

  it('stores per-spot CRLB for the local background and read noise', () => {
    const sim = simulateImage({ height: 128, width: 128, count: 20, readNoise: 1.5, gradient: 0.5, structures: 2 }, 6);
    for (const s of sim.spots) {
      const ry = Math.round(s.y);
      const rx = Math.round(s.x);
      assert.ok(Math.abs(s.background - sim.background[ry * sim.width + rx]) < 1e-5 * s.background);
      const want = crlbGaussian2D({
        sigma: s.sigma,
        photons: s.photons,
        background: s.background,
        readNoise: 1.5,
        offsetY: s.y - ry,
        offsetX: s.x - rx,
        halfWidth: Math.max(8, Math.ceil(4 * s.sigma + 2)),
      });
      assert.equal(s.crlbY, want.y);
      assert.equal(s.crlbX, want.x);
      assert.ok(s.crlbX > 0 && s.crlbX < 1);
    }
  });

  it('camera model: counts = offset + gain·(Poisson(μ) + N(0, r)), integer, clipped to uint16', () => {
    const beta = 50;
    const gain = 2;
    const offset = 100;
    const read = 2;
    const sim = simulateImage({ height: 200, width: 200, count: 0, background: beta, gain, offset, readNoise: read }, 10);
    let s = 0;
    let s2 = 0;
    for (const v of sim.image) {
      assert.ok(Number.isInteger(v));
      s += v;
      s2 += v * v;
    }
    const n = sim.image.length;
    const mean = s / n;
    const v = s2 / n - mean * mean;
    const wantVar = gain * gain * (beta + read * read) + 1 / 12; // + rounding
    assert.ok(Math.abs(mean - (offset + gain * beta)) < 5 * Math.sqrt(wantVar / n), `mean ${mean}`);
    assert.ok(Math.abs(v / wantVar - 1) < 0.03, `variance ${v} vs ${wantVar}`);

    const hot = simulateImage({ height: 32, width: 32, positions: [[16, 16]], photons: [1e6, 1e6], sigma: [1, 1], gain: 10 }, 1);
    assert.equal(Math.max(...hot.image), 65535);
    const low = simulateImage({ height: 32, width: 32, count: 0, offset: -50, background: 1 }, 1);
    assert.equal(Math.min(...low.image), 0);
    for (const v2 of [...hot.image, ...low.image]) assert.ok(v2 >= 0 && v2 <= 65535 && Number.isInteger(v2));
  });

  it('background: gradient within β(1 ± g), structures raise it up to β(1 + A)', () => {
    const p = resolveSimParams({ height: 100, width: 150, background: 20, gradient: 0.4 });
    const bg = backgroundMap(p, 3);
    const lo = Math.min(...bg);
    const hi = Math.max(...bg);
    assert.ok(lo >= 20 * 0.6 - 1e-9 && hi <= 20 * 1.4 + 1e-9);
    assert.ok(lo < 20 * 0.61 && hi > 20 * 1.39, `ramp spans [${lo}, ${hi}]`);
    const q = resolveSimParams({ height: 200, width: 200, background: 20, structures: 3, structureAmplitude: 1, structureRadius: [30, 40] });
    const bs = backgroundMap(q, 3);
    assert.ok(Math.min(...bs) >= 20 - 1e-9);
    assert.ok(Math.max(...bs) > 20 * 1.95 && Math.max(...bs) <= 40 + 1e-9);
  });

  it('simulates 512×512 with 500 spots well under a second', () => {
    simulateImage({ height: 64, width: 64, count: 5 }, 1); // warm-up
    const t0 = performance.now();
    const sim = simulateImage({ count: 500, structures: 4, gradient: 0.2 }, 77);
    const ms = performance.now() - t0;
    assert.equal(sim.spots.length, 500);
    assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  });

  it('converts to a Plane and rejects invalid parameters with a UserError', () => {
    const sim = simulateImage({ height: 16, width: 24, count: 1 }, 1);
    const plane = simToPlane(sim);
    assert.equal(plane.height, 16);
    assert.equal(plane.width, 24);
    assert.equal(plane.data, sim.image);
    for (const bad of [
      { height: 0 },
      { sigma: [2, 1] as [number, number] },
      { sigma: [0, 1] as [number, number] },
      { placement: 'grid' as unknown as 'uniform' },
      { margin: 300 },
      { gain: 0 },
      { gradient: 1.5 },
      { structureAmplitude: -1 },
      { count: -1 },
      { positions: [[1, Number.NaN]] as [number, number][] },
    ]) {
      assert.throws(() => resolveSimParams(bad), UserError, JSON.stringify(bad));
    }
  });
});
