import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addSpot,
  erf,
  erfc,
  erfDiff,
  pixelIntegratedGaussian,
  pixelIntegratedGaussianDs,
  pixelIntegratedGaussianDx0,
  pixelIntegratedGaussianRow,
  spotHalfWidth,
} from './psf.js';

function relErr(got: number, want: number): number {
  return want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
}

describe('erf / erfc', () => {
  it('matches reference values to < 1e-14 relative', () => {
    // Values from mpmath at 40 digits, rounded to double.
    const erfRef: [number, number][] = [
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [-1, -0.8427007929497149],
      [4, 0.9999999845827421],
      [0.1, 0.1124629160182849],
      [0.3, 0.3286267594591274],
      [-0.3, -0.3286267594591274],
      [0.75, 0.7111556336535151],
      [1.2, 0.9103139782296353],
      [2.5, 0.999593047982555],
      [3.3, 0.9999969422902035],
      [5.5, 0.9999999999999927],
    ];
    for (const [x, want] of erfRef) assert.ok(relErr(erf(x), want) < 1e-14, `erf(${x}) = ${erf(x)} vs ${want}`);
    const erfcRef: [number, number][] = [
      [0.3, 0.6713732405408726],
      [1, 0.15729920705028513],
      [2, 0.004677734981047266],
      [3, 2.209049699858544e-5],
      [5, 1.537459794428035e-12],
      [7.5, 2.776649386030569e-26],
      [10, 2.088487583762545e-45],
      [20, 5.395865611607901e-176],
      [26, 5.663192408856143e-296],
      [-2, 1.9953222650189528],
    ];
    for (const [x, want] of erfcRef) assert.ok(relErr(erfc(x), want) < 1e-14, `erfc(${x}) = ${erfc(x)} vs ${want}`);
  });

  it('has the right symmetries and limits', () => {
    assert.equal(erf(0), 0);
    assert.equal(erfc(0), 1);
    assert.equal(erf(Number.POSITIVE_INFINITY), 1);
    assert.equal(erf(Number.NEGATIVE_INFINITY), -1);
    assert.equal(erfc(Number.POSITIVE_INFINITY), 0);
    assert.equal(erfc(Number.NEGATIVE_INFINITY), 2);
    assert.ok(Number.isNaN(erf(Number.NaN)));
    assert.ok(Number.isNaN(erfc(Number.NaN)));
    assert.ok(relErr(erf(1e-200), 1.1283791670955126e-200) < 1e-15);
    for (let x = -6; x <= 6; x += 0.0137) {
      assert.equal(erf(-x), -erf(x));
      assert.ok(Math.abs(erf(x) + erfc(x) - 1) < 2e-16 * 2);
    }
  });

  it('is monotone across the algorithm switch points', () => {
    for (const x0 of [0.5, 1.5, 3]) {
      let prev = erf(x0 - 1e-6);
      for (let k = -50; k <= 50; k++) {
        const v = erf(x0 + k * 2e-8);
        assert.ok(v >= prev, `erf not monotone near ${x0}`);
        prev = v;
      }
    }
  });

  it('erfDiff is accurate far in the tails', () => {
    // erf(6.1) − erf(6) = erfc(6) − erfc(6.1) (both ~1e-17: direct erf subtraction would give 0).
    const want = 1.5205134562305194e-17; // mpmath
    assert.ok(relErr(erfDiff(6, 6.1), want) < 1e-12);
    assert.ok(relErr(erfDiff(-6.1, -6), want) < 1e-12);
    assert.ok(relErr(erfDiff(-0.2, 0.3), erf(0.3) + erf(0.2)) < 1e-15);
  });
});

describe('pixel-integrated Gaussian', () => {
  it('E(k) sums to 1 and is centred on x0 (pixel k covers [k−½, k+½))', () => {
    for (const s of [0.6, 1, 1.7, 3]) {
      for (const x0 of [10, 10.25, 10.5, 9.9]) {
        let sum = 0;
        let mom = 0;
        for (let k = -40; k <= 60; k++) {
          const e = pixelIntegratedGaussian(k, x0, s);
          sum += e;
          mom += k * e;
        }
        assert.ok(Math.abs(sum - 1) < 1e-12, `sum ${sum}`);
        // The centroid of a pixel-integrated Gaussian equals x0 up to ~exp(−2π²s²).
        assert.ok(Math.abs(mom - x0) < 1e-3, `centroid ${mom} vs ${x0}`);
      }
    }
    // Pixel 0 for a spot at 0 holds erf(1/(2√2 s)) of the mass.
    assert.ok(relErr(pixelIntegratedGaussian(0, 0, 1), erf(0.5 / Math.SQRT2)) < 1e-15);
    // A spot exactly on the edge between pixels 3 and 4 splits symmetrically.
    assert.ok(Math.abs(pixelIntegratedGaussian(3, 3.5, 1.2) - pixelIntegratedGaussian(4, 3.5, 1.2)) < 1e-16);
  });

  it('the row version equals the scalar version', () => {
    const out = pixelIntegratedGaussianRow(new Float64Array(40), -5, 12.37, 1.3);
    for (let i = 0; i < 40; i++) {
      const want = pixelIntegratedGaussian(-5 + i, 12.37, 1.3);
      assert.ok(Math.abs(out[i] - want) <= 1e-16 + 1e-14 * want, `i=${i}`);
    }
  });

  it('analytic derivatives match finite differences', () => {
    const h = 1e-5;
    for (const k of [-3, -1, 0, 1, 2, 5]) {
      const x0 = 0.3;
      const s = 1.4;
      const dx = (pixelIntegratedGaussian(k, x0 + h, s) - pixelIntegratedGaussian(k, x0 - h, s)) / (2 * h);
      const ds = (pixelIntegratedGaussian(k, x0, s + h) - pixelIntegratedGaussian(k, x0, s - h)) / (2 * h);
      assert.ok(Math.abs(pixelIntegratedGaussianDx0(k, x0, s) - dx) < 1e-9, `d/dx0 at k=${k}`);
      assert.ok(Math.abs(pixelIntegratedGaussianDs(k, x0, s) - ds) < 1e-9, `d/ds at k=${k}`);
    }
  });
});

describe('addSpot', () => {
  it('conserves photons away from the border and puts the peak at the nearest pixel', () => {
    const h = 40;
    const w = 50;
    const img = new Float64Array(h * w);
    const added = addSpot(img, h, w, 18.3, 24.6, 1000, 1.5);
    let sum = 0;
    let best = -1;
    for (let i = 0; i < img.length; i++) {
      sum += img[i];
      if (best < 0 || img[i] > img[best]) best = i;
    }
    // The ±⌈4σ+2⌉ window leaves out < 1.2e-6 of the mass for σ ≤ 2.
    assert.ok(Math.abs(added - 1000) < 1.2e-3, `added ${added}`);
    assert.ok(Math.abs(sum - added) < 1e-9);
    assert.equal(Math.floor(best / w), 18);
    assert.equal(best % w, 25);
    // Only the ±⌈4σ+2⌉ window is touched.
    const hw = spotHalfWidth(1.5);
    assert.equal(hw, 8);
    assert.equal(img[(18 - hw - 1) * w + 25], 0);
    assert.ok(img[(18 - hw) * w + 25] > 0);
  });

  it('loses the mass outside the image at the border and accepts Float32Array', () => {
    const img = new Float32Array(20 * 20);
    // Row 0 covers [−0.5, 0.5): a spot centred on row 0 keeps the mass above −0.5, Φ(0.5/σ).
    const added = addSpot(img, 20, 20, 0, 10, 1000, 1);
    const want = 1000 * 0.5 * erfc(-0.5 / Math.SQRT2);
    assert.ok(Math.abs(added - want) < 1e-3, `added ${added} vs ${want}`);
    assert.equal(addSpot(img, 20, 20, -50, -50, 1000, 1), 0);
    assert.throws(() => addSpot(img, 20, 20, 5, 5, 100, 0), RangeError);
  });
});
