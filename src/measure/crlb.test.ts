import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crlbGaussian2D, fisherGaussian2D } from './crlb.js';
import { invertSpd } from '../math/linalg.js';
import { Rng } from '../math/rng.js';

/** anchors.md §6.3: σ (px), N, β, exact CRLB std of x (px), 17×17 window, offset (0.3, −0.2). */
const TABLE: [number, number, number, number][] = [
  [1.0, 300, 10, 0.092],
  [1.0, 1000, 10, 0.041],
  [1.5, 100, 10, 0.419],
  [1.5, 300, 10, 0.165],
  [1.5, 1000, 10, 0.068],
  [1.5, 1000, 100, 0.133],
  [1.5, 3000, 10, 0.033],
  [2.0, 1000, 10, 0.101],
  [2.0, 300, 100, 0.7],
];

/** Mortensen et al. 2010 MLE variance: (s_a²/N) / [−∫₀¹ t ln t/(t+ρ) dt], ρ = 2π s_a² β/N (a = 1 px). */
function mortensenMle(s: number, n: number, beta: number): number {
  const sa2 = s * s + 1 / 12;
  const rho = (2 * Math.PI * sa2 * beta) / n;
  const m = 200_000;
  let integral = 0;
  for (let i = 0; i < m; i++) {
    const t = (i + 0.5) / m;
    integral -= (t * Math.log(t)) / (t + rho);
  }
  integral /= m;
  return Math.sqrt(sa2 / n / integral);
}

describe('exact CRLB of the pixel-integrated Gaussian', () => {
  for (const [s, n, beta, want] of TABLE) {
    it(`reproduces anchors.md §6.3: σ=${s}, N=${n}, β=${beta} → ${want.toFixed(3)} px`, () => {
      // The table does not say which axis carries which offset; both readings give the value.
      for (const [oy, ox] of [
        [0.3, -0.2],
        [-0.2, 0.3],
      ]) {
        const r = crlbGaussian2D({ sigma: s, photons: n, background: beta, offsetY: oy, offsetX: ox });
        assert.equal(r.size, 4);
        assert.equal(r.x.toFixed(3), want.toFixed(3), `x with offset (${oy}, ${ox}): ${r.x}`);
        assert.equal(r.y.toFixed(3), want.toFixed(3), `y with offset (${oy}, ${ox}): ${r.y}`);
      }
      // Independent check: Mortensen's MLE formula agrees to < 0.5 % (anchors.md §6.3).
      const r = crlbGaussian2D({ sigma: s, photons: n, background: beta, offsetY: 0.3, offsetX: -0.2 });
      const mort = mortensenMle(s, n, beta);
      assert.ok(Math.abs(r.x / mort - 1) < 0.005, `exact ${r.x} vs Mortensen ${mort}`);
    });
  }

  it('tends to σ²/N (plus the pixel term) for a fine-sampled spot without background', () => {
    const s = 8;
    const n = 1000;
    const r = crlbGaussian2D({ sigma: s, photons: n, background: 0, halfWidth: 48 });
    const want = Math.sqrt((s * s + 1 / 12) / n);
    assert.ok(Math.abs(r.x / want - 1) < 1e-3, `${r.x} vs ${want}`);
    // Photon count: Var(N) = N when the background is known to be ~0 and orthogonal.
    assert.ok(Math.abs(r.photons / Math.sqrt(n) - 1) < 0.05, `sd(N) ${r.photons}`);
  });

  it('read noise r acts exactly like extra background r² in the Fisher denominator', () => {
    const a = crlbGaussian2D({ sigma: 1.3, photons: 500, background: 5, readNoise: 2, offsetY: 0.1, offsetX: 0.4 });
    const b = crlbGaussian2D({ sigma: 1.3, photons: 500, background: 9, offsetY: 0.1, offsetX: 0.4 });
    assert.ok(Math.abs(a.x - b.x) < 1e-14);
    assert.ok(Math.abs(a.y - b.y) < 1e-14);
    const c = crlbGaussian2D({ sigma: 1.3, photons: 500, background: 5, offsetY: 0.1, offsetX: 0.4 });
    assert.ok(a.x > c.x, 'read noise worsens the bound');
  });

  it('swapping the offsets swaps the axes; more photons give a smaller bound', () => {
    const a = crlbGaussian2D({ sigma: 1.1, photons: 400, background: 10, offsetY: 0.45, offsetX: 0 });
    const b = crlbGaussian2D({ sigma: 1.1, photons: 400, background: 10, offsetY: 0, offsetX: 0.45 });
    assert.ok(Math.abs(a.y - b.x) < 1e-15 && Math.abs(a.x - b.y) < 1e-15);
    assert.notEqual(a.x, a.y);
    const c = crlbGaussian2D({ sigma: 1.1, photons: 800, background: 10, offsetY: 0.45, offsetX: 0 });
    assert.ok(c.x < a.x && c.y < a.y);
  });

  it('σ as a 5th unknown never lowers the bound', () => {
    for (const [s, n, beta] of TABLE) {
      const known = crlbGaussian2D({ sigma: s, photons: n, background: beta, offsetY: 0.3, offsetX: -0.2 });
      const free = crlbGaussian2D({ sigma: s, photons: n, background: beta, offsetY: 0.3, offsetX: -0.2, fitSigma: true });
      assert.equal(free.size, 5);
      assert.ok(free.sigma !== undefined && free.sigma > 0 && Number.isFinite(free.sigma));
      assert.ok(free.x >= known.x * (1 - 1e-12) && free.y >= known.y * (1 - 1e-12));
      assert.ok(free.photons > known.photons, 'σ and N are correlated, so N gets worse');
    }
  });

  it('returns Infinity when the spot carries no information', () => {
    const r = crlbGaussian2D({ sigma: 1.5, photons: 0, background: 10 });
    assert.equal(r.x, Number.POSITIVE_INFINITY);
    assert.equal(r.y, Number.POSITIVE_INFINITY);
  });

  it('rejects invalid input', () => {
    assert.throws(() => crlbGaussian2D({ sigma: 0, photons: 10, background: 1 }), RangeError);
    assert.throws(() => crlbGaussian2D({ sigma: 1, photons: -1, background: 1 }), RangeError);
    assert.throws(() => crlbGaussian2D({ sigma: 1, photons: 1, background: 1, halfWidth: 2.5 }), RangeError);
  });

  it('the Fisher matrix is symmetric', () => {
    const { matrix, size } = fisherGaussian2D({ sigma: 1.2, photons: 700, background: 12, offsetY: 0.2, offsetX: -0.4, fitSigma: true });
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) assert.equal(matrix[i * size + j], matrix[j * size + i]);
  });
});

describe('invertSpd', () => {
  it('inverts random SPD matrices', () => {
    const rng = new Rng(11);
    for (const n of [1, 2, 4, 5, 7]) {
      const b = Array.from({ length: n * n }, () => rng.normal());
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = i === j ? 0.5 : 0;
          for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
          a[i * n + j] = s;
        }
      }
      const inv = invertSpd(a, n);
      assert.ok(inv);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
          assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-10, `n=${n} (${i},${j}) = ${s}`);
        }
      }
    }
  });

  it('returns null for a singular or indefinite matrix', () => {
    assert.equal(invertSpd(Float64Array.from([1, 1, 1, 1]), 2), null);
    assert.equal(invertSpd(Float64Array.from([1, 2, 2, 1]), 2), null);
  });
});
