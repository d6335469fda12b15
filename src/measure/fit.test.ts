import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitSpot, fitSpots, type FitOptions, type FitResult } from './fit.js';
import { fitEfficiency } from './efficiency.js';
import { crlbGaussian2D } from './crlb.js';
import { addSpot, pixelIntegratedGaussian } from '../math/psf.js';
import { logFactorial, Rng } from '../math/rng.js';
import { simulateImage, simToPlane, type SimResult } from '../simulate/simulate.js';
import { peakSnr } from './snr.js';
import type { Plane } from '../core/types.js';

/** Expected-photon image (float32) with a flat background and the given spots. */
function render(height: number, width: number, background: number, spots: { y: number; x: number; n: number; s: number }[]): Plane {
  const img = new Float64Array(height * width).fill(background);
  for (const p of spots) addSpot(img, height, width, p.y, p.x, p.n, p.s);
  return { data: Float32Array.from(img), height, width };
}

function poissonPlane(plane: Plane, seed: number): Plane {
  const rng = new Rng(seed, 9);
  return { ...plane, data: plane.data.map((m) => rng.poisson(m)) };
}

const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('fitSpot: noiseless spots', () => {
  const cases: [number, number, number][] = [
    // [dy, dx, σ]
    [0, 0, 1.3],
    [0.31, -0.27, 1.2],
    [-0.45, 0.12, 1.6],
    [0.49, 0.49, 1.0],
    [-0.2, 0.4, 2.0],
  ];
  for (const [dy, dx, s] of cases) {
    it(`recovers y, x, N, b, σ exactly at offset (${dy}, ${dx}), σ = ${s}`, () => {
      const y = 12 + dy;
      const x = 15 + dx;
      const plane = render(25, 30, 6, [{ y, x, n: 900, s }]);
      const f = fitSpot(plane, 12.3, 14.8);
      assert.ok(f.converged, 'converged');
      assert.equal(f.status, 'ok');
      assert.ok(Math.abs(f.y - y) < 1e-4, `y ${f.y} vs ${y}`);
      assert.ok(Math.abs(f.x - x) < 1e-4, `x ${f.x} vs ${x}`);
      assert.ok(relErr(f.photons, 900) < 1e-4, `N ${f.photons}`);
      assert.ok(relErr(f.background, 6) < 1e-4, `b ${f.background}`);
      assert.ok(Math.abs(f.sigma - s) < 1e-4, `σ ${f.sigma}`);
      assert.ok(f.iterations <= 12, `iterations ${f.iterations}`);
      // Derived quantities.
      assert.ok(Math.abs(f.fwhm - 2 * Math.sqrt(2 * Math.LN2) * f.sigma) < 1e-12);
      assert.ok(Math.abs(f.amplitude - f.photons / (2 * Math.PI * f.sigma ** 2)) < 1e-9);
      const snr = peakSnr(f.photons, f.sigma, f.background, f.y - Math.round(f.y), f.x - Math.round(f.x));
      assert.ok(Math.abs(f.snr - snr) < 1e-9);
    });
  }

  it('with σ fixed, keeps σ and recovers the rest', () => {
    const plane = render(21, 21, 10, [{ y: 10.2, x: 9.65, n: 400, s: 1.5 }]);
    const f = fitSpot(plane, 10, 10, { sigma: 1.5 });
    assert.ok(f.converged);
    assert.equal(f.sigma, 1.5);
    assert.ok(Math.abs(f.y - 10.2) < 1e-4 && Math.abs(f.x - 9.65) < 1e-4);
    assert.ok(relErr(f.photons, 400) < 1e-4 && relErr(f.background, 10) < 1e-4);
  });

  it('works with half-widths 4 and 5', () => {
    const plane = render(31, 31, 3, [{ y: 15.37, x: 14.81, n: 2000, s: 1.8 }]);
    for (const halfWidth of [4, 5]) {
      const f = fitSpot(plane, 15.6, 15.1, { halfWidth });
      assert.ok(f.converged);
      assert.ok(Math.abs(f.y - 15.37) < 1e-4 && Math.abs(f.x - 14.81) < 1e-4);
      assert.ok(relErr(f.photons, 2000) < 1e-4 && Math.abs(f.sigma - 1.8) < 1e-4);
    }
  });

  it('reports the CRLB of its own window (matches crlbGaussian2D) and the Poisson log-likelihood', () => {
    const y = 10.23;
    const x = 11.71; // nearest pixel (10, 12): offsets (0.23, −0.29)
    const plane = render(22, 24, 8, [{ y, x, n: 600, s: 1.4 }]);
    const f = fitSpot(plane, 10.1, 11.8); // window centred on pixel (10, 12)
    for (const fitSigma of [true, false]) {
      const g = fitSigma ? f : fitSpot(plane, 10.1, 11.8, { sigma: 1.4 });
      const want = crlbGaussian2D({
        sigma: 1.4,
        photons: 600,
        background: 8,
        offsetY: y - 10,
        offsetX: x - 12,
        halfWidth: 3,
        fitSigma,
      });
      assert.ok(relErr(g.crlbY, want.y) < 1e-4, `crlbY ${g.crlbY} vs ${want.y}`);
      assert.ok(relErr(g.crlbX, want.x) < 1e-4, `crlbX ${g.crlbX} vs ${want.x}`);
    }
    // Log-likelihood on integer data, recomputed from psf.ts at the fitted parameters.
    const counts = poissonPlane(plane, 5);
    const h = fitSpot(counts, 10, 12);
    let ll = 0;
    for (let r = 7; r <= 13; r++) {
      for (let c = 9; c <= 15; c++) {
        const m = h.photons * pixelIntegratedGaussian(r, h.y, h.sigma) * pixelIntegratedGaussian(c, h.x, h.sigma) + h.background;
        const d = counts.data[r * counts.width + c];
        ll += d * Math.log(m) - m - logFactorial(d);
      }
    }
    assert.ok(Math.abs(h.logLikelihood - ll) < 1e-8 * Math.abs(ll), `${h.logLikelihood} vs ${ll}`);
  });
});

describe('fitSpot: efficiency on simulated isolated spots (σ 1.5, β 10, Poisson)', () => {
  function simulate(snr: number, seed: number): SimResult {
    return simulateImage(
      {
        height: 400,
        width: 400,
        count: 450,
        snr,
        background: 10,
        shotNoise: true,
        readNoise: 0,
        gain: 1,
        offset: 0,
        sigma: [1.5, 1.5],
        minDistance: 10,
        margin: 6,
      },
      seed,
    );
  }

  function evaluateFits(sim: SimResult, opts: FitOptions, seed: number) {
    const plane = simToPlane(sim);
    const rng = new Rng(seed, 1);
    const fits = sim.spots.map((s) => fitSpot(plane, s.y + rng.uniformRange(-0.5, 0.5), s.x + rng.uniformRange(-0.5, 0.5), opts));
    return { ...fitEfficiency(sim.spots, fits), notConverged: fits.filter((f) => !f.converged).length };
  }

  for (const [snr, seed] of [
    [7, 71],
    [4, 41],
  ] as const) {
    it(`SNR ${snr}: RMSE ≤ 1.2 × mean √CRLB per axis, photons unbiased`, () => {
      const sim = simulate(snr, seed);
      assert.ok(sim.spots.length >= 400);
      const free = evaluateFits(sim, {}, seed);
      const fixed = evaluateFits(sim, { sigma: 1.5 }, seed);
      const msg = (r: typeof free): string =>
        `n ${r.n} RMSE/√CRLB y ${r.effY.toFixed(3)} x ${r.effX.toFixed(3)} photons bias mean ` +
        `${(100 * r.bias).toFixed(2)} % median ${(100 * r.medianBias).toFixed(2)} % not converged ${r.notConverged}`;
      console.log(`# SNR ${snr} σ fitted: ${msg(free)}`);
      console.log(`# SNR ${snr} σ fixed:  ${msg(fixed)}`);
      for (const r of [free, fixed]) {
        assert.ok(r.effY <= 1.2 && r.effX <= 1.2, msg(r));
        assert.ok(r.effY >= 0.8 && r.effX >= 0.8, `suspiciously below the CRLB: ${msg(r)}`);
        assert.ok(r.notConverged <= r.n / 100, msg(r));
      }
      // σ known: the mean photon count is unbiased; σ fitted in a 7×7 window: the estimator's
      // distribution is right-skewed (σ–N–b trade-off), its median is unbiased.
      assert.ok(Math.abs(fixed.bias) < 0.03, msg(fixed));
      assert.ok(Math.abs(free.medianBias) < 0.04, msg(free));
      assert.ok(Math.abs(free.bias) < (snr >= 7 ? 0.03 : 0.12), msg(free));
    });
  }
});

describe('fitSpots: guard', () => {
  const shifted = (f: FitResult, r: number, c: number): number => Math.hypot(f.y - r, f.x - c);

  it('a start next to two overlapping spots never moves more than maxShift', () => {
    const truth = render(30, 30, 10, [
      { y: 14.6, x: 13.2, n: 1500, s: 1.4 },
      { y: 15.3, x: 16.4, n: 1200, s: 1.4 },
    ]);
    const plane = poissonPlane(truth, 3);
    const starts = [
      { y: 15, x: 14.8 },
      { y: 14.2, x: 15.6 },
      { y: 16.5, x: 12.5 },
      { y: 13, x: 17 },
      { y: 15, x: 15 },
    ];
    for (const maxShift of [0.5, 1]) {
      const res = fitSpots(plane, starts, { maxShift });
      res.forEach((f, i) => {
        const d = shifted(f, starts[i].y, starts[i].x);
        assert.ok(d <= maxShift + 1e-12, `start ${i} moved ${d}`);
        assert.ok(Number.isFinite(f.photons) && Number.isFinite(f.sigma));
        if (f.status !== 'ok') {
          assert.equal(f.converged, false);
          assert.deepEqual([f.y, f.x], [starts[i].y, starts[i].x]);
        }
      });
    }
    // A start on the brighter spot: the single-spot fit is pulled > 1 px towards the blend
    // (the window holds both spots); the guard keeps the start.
    const free = fitSpot(plane, 14.4, 12.9);
    assert.ok(free.shift > 1, `unguarded shift ${free.shift}`);
    const [g] = fitSpots(plane, [{ y: 14.4, x: 12.9 }]);
    assert.equal(g.status, 'moved');
    assert.equal(g.converged, false);
    assert.deepEqual([g.y, g.x], [14.4, 12.9]);
    // The same start with the second spot far away (8 px): accepted and refined.
    const single = poissonPlane(
      render(30, 30, 10, [
        { y: 14.6, x: 13.2, n: 1500, s: 1.4 },
        { y: 15.3, x: 21.2, n: 1200, s: 1.4 },
      ]),
      3,
    );
    const [h] = fitSpots(single, [{ y: 14.4, x: 12.9 }]);
    assert.equal(h.status, 'ok');
    assert.ok(shifted(h, 14.6, 13.2) < 4 * h.crlbY, `${h.y}, ${h.x}`);
  });

  it('starts on pure noise never move more than maxShift, results are finite', () => {
    const plane = poissonPlane(render(64, 64, 10, []), 11);
    const rng = new Rng(12, 0);
    const starts = Array.from({ length: 100 }, () => ({ y: rng.uniformRange(0, 63), x: rng.uniformRange(0, 63) }));
    const res = fitSpots(plane, starts);
    let moved = 0;
    res.forEach((f, i) => {
      assert.ok(shifted(f, starts[i].y, starts[i].x) <= 1 + 1e-12);
      for (const v of [f.y, f.x, f.photons, f.background, f.sigma, f.snr, f.logLikelihood]) {
        assert.ok(Number.isFinite(v), JSON.stringify(f));
      }
      assert.ok(f.photons > 0 && f.background >= 0 && f.sigma >= 0.5 && f.sigma <= 3);
      if (f.status !== 'ok') moved++;
    });
    console.log(`# pure noise: ${moved}/100 fits rejected by the guard`);
  });

  it('maxShift is capped at the half-width', () => {
    const plane = poissonPlane(render(40, 40, 10, [{ y: 20, x: 23, n: 3000, s: 1.3 }]), 2);
    // The spot is 3 px from the start: reachable inside a 7×7 window only at its edge.
    const [f] = fitSpots(plane, [{ y: 20, x: 20 }], { maxShift: 100 });
    assert.ok(shifted(f, 20, 20) <= 3 + 1e-12);
  });

  it('spots at and beyond the border: clipped window, no crash, accurate when inside', () => {
    const truth = render(20, 24, 5, [
      { y: 1.2, x: 0.8, n: 800, s: 1.3 },
      { y: 18.6, x: 22.9, n: 800, s: 1.3 },
      { y: 0, x: 12, n: 800, s: 1.3 },
    ]);
    const exact = fitSpots(truth, [
      { y: 1, x: 1 },
      { y: 18.5, x: 23 },
      { y: 0.2, x: 12.3 },
    ]);
    const want = [
      [1.2, 0.8],
      [18.6, 22.9],
      [0, 12],
    ];
    exact.forEach((f, i) => {
      assert.equal(f.status, 'ok', JSON.stringify(f));
      assert.ok(Math.abs(f.y - want[i][0]) < 1e-4 && Math.abs(f.x - want[i][1]) < 1e-4, JSON.stringify(f));
      assert.ok(relErr(f.photons, 800) < 1e-4);
    });
    const noisy = poissonPlane(truth, 4);
    const starts = [
      { y: 0, x: 0 },
      { y: 19, x: 23 },
      { y: -2, x: 5 },
      { y: 30, x: -7 },
      { y: 0.4, x: 23.49 },
    ];
    const res = fitSpots(noisy, starts);
    res.forEach((f, i) => {
      assert.ok(Number.isFinite(f.y) && Number.isFinite(f.x) && Number.isFinite(f.photons), JSON.stringify(f));
      assert.ok(shifted(f, starts[i].y, starts[i].x) <= 1 + 1e-12);
    });
    // Tiny planes: too few pixels for the model → not converged, start kept, no throw.
    const tiny: Plane = { data: new Float32Array([5, 7, 6, 9]), height: 2, width: 2 };
    const [t] = fitSpots(tiny, [{ y: 0.5, x: 0.5 }]);
    assert.equal(t.converged, false);
    assert.deepEqual([t.y, t.x], [0.5, 0.5]);
  });
});

describe('fitSpot: camera units and options', () => {
  it('counts with gain 2 and offset 100 give the same fit as photons', () => {
    const photons = poissonPlane(render(24, 24, 12, [{ y: 11.3, x: 12.6, n: 700, s: 1.5 }]), 8);
    const counts: Plane = { ...photons, data: photons.data.map((v) => 100 + 2 * v) };
    const a = fitSpot(photons, 11, 12.4);
    const b = fitSpot(counts, 11, 12.4, { gain: 2, offset: 100 });
    assert.ok(a.converged && b.converged);
    for (const k of ['y', 'x', 'photons', 'background', 'sigma', 'crlbY', 'logLikelihood'] as const) {
      assert.ok(Math.abs(a[k] - b[k]) <= 1e-9 * Math.max(1, Math.abs(a[k])), `${k}: ${a[k]} vs ${b[k]}`);
    }
    // Without gain/offset the counts are taken as photons: a different (wrong) photon scale.
    const c = fitSpot(counts, 11, 12.4);
    assert.ok(c.photons > 1.5 * a.photons);
  });

  it('clamps negative data to 0 (offset larger than the dark level)', () => {
    const plane = poissonPlane(render(24, 24, 2, [{ y: 12.2, x: 11.7, n: 900, s: 1.2 }]), 6);
    const shifted: Plane = { ...plane, data: plane.data.map((v) => v - 3) };
    const f = fitSpot(shifted, 12, 12);
    assert.ok(f.converged && f.background >= 0 && Number.isFinite(f.logLikelihood));
    assert.ok(Math.abs(f.y - 12.2) < 0.2 && Math.abs(f.x - 11.7) < 0.2);
  });

  it('accepts read noise (sCMOS approximation) and stays accurate', () => {
    const truth = render(24, 24, 10, [{ y: 11.8, x: 12.35, n: 1500, s: 1.4 }]);
    const rng = new Rng(21, 0);
    const counts: Plane = {
      ...truth,
      data: truth.data.map((m) => Math.round(100 + 2 * (rng.poisson(m) + 1.5 * rng.normal()))),
    };
    const f = fitSpot(counts, 12, 12, { gain: 2, offset: 100, readNoise: 3 });
    assert.ok(f.converged);
    assert.ok(Math.abs(f.y - 11.8) < 4 * f.crlbY && Math.abs(f.x - 12.35) < 4 * f.crlbX);
    assert.ok(relErr(f.photons, 1500) < 0.25);
  });

  it('rejects invalid options', () => {
    const plane = render(10, 10, 1, []);
    // options are the user's: a DeepblinkError with code 'invalid-option' (one line at the CLI)
    const bad = { name: 'DeepblinkError', code: 'invalid-option' };
    assert.throws(() => fitSpot(plane, 5, 5, { halfWidth: 0 }), bad);
    assert.throws(() => fitSpot(plane, 5, 5, { halfWidth: 2.5 }), bad);
    assert.throws(() => fitSpot(plane, 5, 5, { gain: 0 }), bad);
    assert.throws(() => fitSpot(plane, 5, 5, { sigma: -1 }), bad);
    assert.throws(() => fitSpot(plane, Number.NaN, 5), RangeError);
  });
});
