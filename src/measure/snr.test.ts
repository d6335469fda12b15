import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { erf } from '../math/psf.js';
import { peakFraction, peakIntensityForSnr, peakSnr, photonsForSnr } from './snr.js';

describe('peak SNR (ISBI convention)', () => {
  it('solves √I_peak = (SNR + √(SNR² + 4β))/2 (anchors.md §7 values for β = 10)', () => {
    const want: [number, number][] = [
      [1, 13.7],
      [2, 18.6],
      [4, 33.0],
      [7, 67.5],
    ];
    for (const [snr, peak] of want) {
      const got = peakIntensityForSnr(snr, 10);
      assert.equal(got.toFixed(1), peak.toFixed(1));
      assert.ok(Math.abs((got - 10) / Math.sqrt(got) - snr) < 1e-12);
    }
    assert.ok(Math.abs(peakIntensityForSnr(3, 0) - 9) < 1e-12);
    assert.ok(Math.abs(peakIntensityForSnr(0, 10) - 10) < 1e-12);
    assert.throws(() => peakIntensityForSnr(-1, 10), RangeError);
  });

  it('the peak pixel of a centred spot holds N·E(0)² photons, E(0) = erf(1/(2√2σ))', () => {
    const s = 1.3;
    const e0 = erf(1 / (2 * Math.SQRT2 * s));
    assert.ok(Math.abs(peakFraction(s) - e0 * e0) < 1e-15);
    assert.ok(peakFraction(s, 0.4, -0.3) < peakFraction(s));
  });

  it('photonsForSnr and peakSnr are inverse to each other', () => {
    for (const snr of [0.5, 1, 2, 4, 7, 20]) {
      for (const s of [0.8, 1.5, 2.5]) {
        for (const beta of [0, 10, 250]) {
          const n = photonsForSnr(snr, s, beta);
          assert.ok(Math.abs(peakSnr(n, s, beta) - snr) < 1e-9 * Math.max(1, snr));
          const n2 = photonsForSnr(snr, s, beta, 0.3, -0.45);
          assert.ok(n2 > n, 'an off-centre spot needs more photons');
          assert.ok(Math.abs(peakSnr(n2, s, beta, 0.3, -0.45) - snr) < 1e-9 * Math.max(1, snr));
        }
      }
    }
    assert.equal(peakSnr(0, 1, 0), 0);
  });
});
