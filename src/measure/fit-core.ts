/**
 * Pieces shared by the 2-D (fit.ts) and 3-D (fit3d.ts) maximum-likelihood Gaussian fits: the
 * pixel-integrated 1-D Gaussian along one window axis and its derivatives, ln Γ, the damped
 * Cholesky solve of one Levenberg–Marquardt step, and the photon conversion of the data.
 */

import { erfc } from '../math/psf.js';

/** Largest window half-width of a fit along any axis. */
export const MAX_HW = 10;
/** Largest number of pixels along one window axis. */
export const MAX_N = 2 * MAX_HW + 1;
const INV_SQRT_2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;

const edgeU = new Float64Array(MAX_N + 1);
const edgeP = new Float64Array(MAX_N + 1);

/**
 * e[i] = E(k0 + i), i < n, for centre x0 and width s: one erfc per pixel edge, the tails
 * combined as in psf.ts `pixelIntegratedGaussianRow` (no cancellation far from the centre).
 */
export function axisValues(n: number, k0: number, x0: number, s: number, e: Float64Array): void {
  const f = INV_SQRT_2 / s;
  let uPrev = (k0 - 0.5 - x0) * f;
  let tPrev = 0.5 * erfc(Math.abs(uPrev));
  for (let i = 0; i < n; i++) {
    const u = (k0 + i + 0.5 - x0) * f;
    const t = 0.5 * erfc(Math.abs(u));
    e[i] = u <= 0 ? t - tPrev : uPrev > 0 ? tPrev - t : 1 - tPrev - t;
    uPrev = u;
    tPrev = t;
  }
}

/**
 * First and second derivatives of E(k0 + i), i < n ≤ MAX_N, with respect to the centre x0 and
 * the width s, from the standard normal density φ at the standardised edges u = (k ± ½ − x0)/s:
 *   ∂Φ(u)/∂x0 = −φ/s, ∂Φ(u)/∂s = −uφ/s, ∂²Φ/∂x0² = −uφ/s², ∂²Φ/∂x0∂s = (1−u²)φ/s²,
 *   ∂²Φ/∂s² = u(2−u²)φ/s², and E = Φ(u₊) − Φ(u₋).
 */
export function axisDerivatives(
  n: number,
  k0: number,
  x0: number,
  s: number,
  d1: Float64Array,
  ds: Float64Array,
  d11: Float64Array,
  d1s: Float64Array,
  dss: Float64Array,
): void {
  const invS = 1 / s;
  const invS2 = invS * invS;
  for (let j = 0; j <= n; j++) {
    const u = (k0 + j - 0.5 - x0) * invS;
    edgeU[j] = u;
    edgeP[j] = INV_SQRT_2PI * Math.exp(-0.5 * u * u);
  }
  for (let i = 0; i < n; i++) {
    const um = edgeU[i];
    const up = edgeU[i + 1];
    const pm = edgeP[i];
    const pp = edgeP[i + 1];
    d1[i] = (pm - pp) * invS;
    ds[i] = (um * pm - up * pp) * invS;
    d11[i] = (um * pm - up * pp) * invS2;
    d1s[i] = ((1 - up * up) * pp - (1 - um * um) * pm) * invS2;
    dss[i] = (up * (2 - up * up) * pp - um * (2 - um * um) * pm) * invS2;
  }
}

/** ln Γ(z) for z > 0 (Lanczos, g = 7, 9 terms; relative error ~1e-15). */
export function lnGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - lnGamma(1 - z);
  const x = z - 1;
  let a = 0.99999999999980993;
  a += 676.5203681218851 / (x + 1);
  a += -1259.1392167224028 / (x + 2);
  a += 771.32342877765313 / (x + 3);
  a += -176.61502916214059 / (x + 4);
  a += 12.507343278686905 / (x + 5);
  a += -0.13857109526572012 / (x + 6);
  a += 9.9843695780195716e-6 / (x + 7);
  a += 1.5056327351493116e-7 / (x + 8);
  const t = x + 7.5;
  return 0.9189385332046727 + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Scratch of {@link solveDamped} for p ≤ `size` parameters. */
export interface StepScratch {
  /** Compact system matrix, then its Cholesky factor (size²). */
  amat: Float64Array;
  rhs: Float64Array;
  sol: Float64Array;
}

/** Scratch for {@link solveDamped} with up to `size` parameters. */
export function stepScratch(size: number): StepScratch {
  return { amat: new Float64Array(size * size), rhs: new Float64Array(size), sol: new Float64Array(size) };
}

/**
 * Solve (H + λ·diag(F))·step = grad over the parameters listed in active[0..q) by Cholesky
 * (H, F: p×p row-major with row stride `stride`); the other entries of `step` are 0. Returns
 * false when the matrix is not positive definite.
 */
export function solveDamped(
  h: Float64Array,
  fisher: Float64Array,
  grad: Float64Array,
  stride: number,
  active: Int32Array,
  q: number,
  lambda: number,
  step: Float64Array,
  w: StepScratch,
): boolean {
  const { amat, rhs, sol } = w;
  for (let a = 0; a < q; a++) {
    const ia = active[a];
    for (let c = 0; c < q; c++) amat[a * q + c] = h[ia * stride + active[c]];
    amat[a * q + a] += lambda * fisher[ia * stride + ia];
    rhs[a] = grad[ia];
  }
  // In-place Cholesky (lower triangle of amat).
  for (let j = 0; j < q; j++) {
    let d = amat[j * q + j];
    for (let m = 0; m < j; m++) d -= amat[j * q + m] * amat[j * q + m];
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    amat[j * q + j] = ljj;
    for (let i = j + 1; i < q; i++) {
      let v = amat[i * q + j];
      for (let m = 0; m < j; m++) v -= amat[i * q + m] * amat[j * q + m];
      amat[i * q + j] = v / ljj;
    }
  }
  for (let i = 0; i < q; i++) {
    let v = rhs[i];
    for (let m = 0; m < i; m++) v -= amat[i * q + m] * sol[m];
    sol[i] = v / amat[i * q + i];
  }
  for (let i = q - 1; i >= 0; i--) {
    let v = sol[i];
    for (let m = i + 1; m < q; m++) v -= amat[m * q + i] * sol[m];
    sol[i] = v / amat[i * q + i];
  }
  step.fill(0);
  for (let a = 0; a < q; a++) step[active[a]] = sol[a];
  return true;
}

/** Median of v[0..n) (sorts that part of v in place); 0 when n = 0. */
export function medianInPlace(v: Float64Array, n: number): number {
  if (n === 0) return 0;
  // Insertion sort: n is small (a window's perimeter).
  for (let a = 1; a < n; a++) {
    const x = v[a];
    let c = a - 1;
    while (c >= 0 && v[c] > x) {
      v[c + 1] = v[c];
      c--;
    }
    v[c + 1] = x;
  }
  return n % 2 === 1 ? v[(n - 1) >> 1] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
