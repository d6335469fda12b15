/**
 * Maximum-likelihood sub-pixel fit of a single fluorescent spot (MLE localisation).
 *
 * Model (Smith et al. 2010, Nat Methods 7:373; anchors.md §6), in PHOTONS, over a square window
 * of (2h+1)×(2h+1) pixels (h = `halfWidth`, default 3 → 7×7) around the rounded start position,
 * clipped to the image:
 *
 *   μ_k = N·E_y(r_k)·E_x(c_k) + b,
 *   E_x(c) = ½[erf((c+½−x)/(√2σ)) − erf((c−½−x)/(√2σ))]            (likewise E_y),
 *
 * parameters θ = (y, x, N, b, σ): centre (row, col) in image pixels (src/types.ts convention:
 * the centre of pixel (r, c) is at (r, c)), total photons N of the spot, background b photons per
 * pixel, isotropic PSF standard deviation σ (px; held fixed when `opts.sigma` is given).
 *
 * Data → photons: d_k = (v_k − offset)/gain with `gain` (counts per photon, default 1) and
 * `offset` (counts, default 0). When gain/offset are unknown the defaults use the raw values as
 * if they were photons; in every case negative values (and NaN, ±∞) are set to 0, since a
 * Poisson count cannot be negative. Photons, background and amplitude are therefore reported in
 * photons (= image units minus offset, divided by gain). With `readNoise` (rms, counts) the
 * sCMOS approximation of Huang et al. 2013 is used: d_k + r² and μ_k + r² (r in photons) are
 * treated as Poisson (then d_k + r² is what is clamped at 0).
 *
 * Likelihood: Poisson, ℓ(θ) = Σ_k d_k ln μ_k − μ_k − ln Γ(d_k + 1).
 * Optimiser: Levenberg–Marquardt on ℓ. The curvature matrix is the observed information
 * −∇²ℓ = Σ_k (d_k/μ_k²)∇μ_k∇μ_kᵀ − (d_k/μ_k − 1)∇²μ_k (Newton: quadratic convergence, ~5–7
 * iterations) whenever the damped matrix is positive definite, otherwise the Fisher-scoring
 * matrix I = Σ_k ∇μ_k∇μ_kᵀ/μ_k (always positive definite; the robust choice of SMAP /
 * gdsc-smlm / MLEfit); damping adds λ·diag(I). A step is accepted only when it raises ℓ
 * (then λ ÷ 10), otherwise λ × 10 and a new step is tried from the same point. Constraints:
 * steps are limited to ±1 px in position and ±σ/2 in σ; N ≥ N_prev/10 (so N > 0); b ≥ 0;
 * σ in [0.5, h] (or `sigmaRange`); the centre stays inside the window's pixel area. A parameter
 * sitting on a bound whose step points outwards is frozen for that step (active set), so the
 * other parameters still take a proper Newton step. Converged when every change of a step is
 * below `tolerance` (position and σ in px, N and b relative to max(value, 1)), within
 * `maxIterations` (30) trial steps. A fit whose centre ends on the window boundary is reported
 * as not converged.
 *
 * Start values: the given position (r0, c0) (clamped into the image), b = median of the
 * window's perimeter pixels (robust to a neighbour touching the edge), N = Σ(d − b) clamped to
 * ≥ 1, σ = `sigmaStart` (default 1.3) or the fixed `sigma`.
 *
 * Reported extras: fwhm = 2√(2 ln 2)·σ; amplitude = N/(2πσ²) (peak of the continuous Gaussian,
 * photons/px); snr = ISBI peak SNR (Chenouard et al. 2014, src/measure/snr.ts) of the fitted
 * model, (I_peak − b)/√I_peak with I_peak = b + N·E_y·E_x the expected photons of the model's
 * brightest pixel (the pixel containing the centre); crlbY/crlbX = √CRLB of the centre from the
 * Fisher matrix above at the fitted parameters, on the pixels actually fitted, with the
 * parameters actually fitted (σ included unless fixed) — i.e. the precision a perfect estimator
 * could reach with this window (Infinity when the Fisher matrix is singular).
 *
 * {@link fitSpots} applies the fit to many detections with a guard: when a fit did not converge
 * or moved more than `maxShift` (default 1 px, at most h) from its start, the start position is
 * kept (status 'not-converged' / 'moved'), so the fit never degrades a detector's position by
 * more than `maxShift`.
 *
 * Performance: all scratch memory is module-level and reused (no allocation per iteration; a
 * few small arrays per fit for the result and the CRLB inversion); erf/exp are evaluated once
 * per pixel edge per axis (2·(2h+2) per model evaluation), not per pixel.
 */

import { invertSpd } from '../math/linalg.js';
import { axisDerivatives, axisValues, lnGamma, MAX_HW, MAX_N, medianInPlace, solveDamped, stepScratch } from './fit-core.js';
import { peakSnr } from './snr.js';
import type { FitStatus, Plane, SpotFit } from '../core/types.js';
import { UserError } from '../core/errors.js';

/** Options of {@link fitSpot} / {@link fitSpots}. */
export interface FitOptions {
  /** Window half-width h (integer 1..10): the window is (2h+1)×(2h+1) px. Default 3 (7×7). */
  halfWidth?: number;
  /** Fix σ (px) to this value instead of fitting it. Default undefined (σ is fitted). */
  sigma?: number;
  /** Start value of σ when it is fitted, px. Default 1.3. */
  sigmaStart?: number;
  /** Allowed range of σ when fitted, px. Default [0.5, halfWidth]. */
  sigmaRange?: [number, number];
  /** Camera gain, counts per photon (> 0). Default 1. */
  gain?: number;
  /** Camera offset (bias), counts. Default 0. */
  offset?: number;
  /** Gaussian read noise rms in counts (sCMOS approximation). Default 0. */
  readNoise?: number;
  /** Maximum number of LM iterations (accepted or rejected trial steps). Default 30. */
  maxIterations?: number;
  /** Convergence tolerance on the changes of an accepted step. Default 1e-6. */
  tolerance?: number;
  /** {@link fitSpots} only: largest accepted move from the start, px (clamped to ≤ h). Default 1. */
  maxShift?: number;
  /**
   * The plane is a box cut from a larger plane whose first row and column are (y, x): starts
   * and results are in the larger plane's coordinates, and the fit gives exactly what it gives
   * on the larger plane (it works in window coordinates either way). Default (0, 0).
   */
  origin?: { y: number; x: number };
}

/** Why a position was or was not taken from the fit. */
export type { FitStatus };
/** Result of one spot fit (the `fit` of a Spot). */
export type FitResult = SpotFit;

/** A start position for {@link fitSpots} (e.g. a detected `Spot`). */
export interface FitStart {
  y: number;
  x: number;
}

const FWHM_PER_SIGMA = 2 * Math.sqrt(2 * Math.LN2);
const MU_FLOOR = 1e-12;

// ---- module-level scratch (reused by every fit; fits are synchronous) ----
const data = new Float64Array(MAX_N * MAX_N); // photons (+ r²), clamped ≥ 0
const mu = new Float64Array(MAX_N * MAX_N);
// Per axis: E, ∂E/∂x0, ∂E/∂s, ∂²E/∂x0², ∂²E/∂x0∂s, ∂²E/∂s².
const ey = new Float64Array(MAX_N);
const ex = new Float64Array(MAX_N);
const ey1 = new Float64Array(MAX_N);
const ex1 = new Float64Array(MAX_N);
const eys = new Float64Array(MAX_N);
const exs = new Float64Array(MAX_N);
const ey11 = new Float64Array(MAX_N);
const ex11 = new Float64Array(MAX_N);
const ey1s = new Float64Array(MAX_N);
const ex1s = new Float64Array(MAX_N);
const eyss = new Float64Array(MAX_N);
const exss = new Float64Array(MAX_N);
const perim = new Float64Array(4 * MAX_N);
// Parameters (y, x, N, b, σ); matrices are 5×5 row-major whatever the number of free parameters.
const theta = new Float64Array(5);
const trial = new Float64Array(5);
const step = new Float64Array(5);
const grad = new Float64Array(5);
const fisher = new Float64Array(25); // expected information Σ ∇μ∇μᵀ/μ
const newton = new Float64Array(25); // observed information −∇²ℓ
const lo = new Float64Array(5);
const hi = new Float64Array(5);
const active = new Int32Array(5);
const frozen = new Uint8Array(5);
const scratch = stepScratch(5);

/** Window geometry and constants of one fit. */
interface Ctx {
  top: number;
  left: number;
  ny: number;
  nx: number;
  /** Read-noise variance in photons² (added to μ). */
  r2: number;
  /** True when σ is fitted (5 parameters), false when fixed (4). */
  fitSigma: boolean;
}

/** μ at parameters t into `mu` (and E into ey/ex); returns Σ d ln μ − μ (no ln Γ constant). */
function evaluate(ctx: Ctx, t: Float64Array): number {
  const { top, left, ny, nx, r2 } = ctx;
  axisValues(ny, top, t[0], t[4], ey);
  axisValues(nx, left, t[1], t[4], ex);
  const n = t[2];
  const b = t[3] + r2;
  let ll = 0;
  let k = 0;
  for (let i = 0; i < ny; i++) {
    const wy = n * ey[i];
    for (let j = 0; j < nx; j++, k++) {
      let m = wy * ex[j] + b;
      if (!(m > MU_FLOOR)) m = MU_FLOOR;
      mu[k] = m;
      const d = data[k];
      ll += (d > 0 ? d * Math.log(m) : 0) - m;
    }
  }
  return ll;
}

/**
 * At parameters t (after `evaluate(ctx, t)`): the gradient ∂ℓ/∂θ = Σ (d/μ − 1)∇μ into `grad`,
 * the expected (Fisher) information Σ ∇μ∇μᵀ/μ into `fisher` and the observed information
 * −∇²ℓ = Σ (d/μ²)∇μ∇μᵀ − (d/μ − 1)∇²μ into `newton` (5×5, upper and lower triangles).
 */
function assemble(ctx: Ctx, t: Float64Array): void {
  const { top, left, ny, nx, fitSigma } = ctx;
  const s = t[4];
  axisDerivatives(ny, top, t[0], s, ey1, eys, ey11, ey1s, eyss);
  axisDerivatives(nx, left, t[1], s, ex1, exs, ex11, ex1s, exss);
  const n = t[2];
  // Accumulators: gradient g*, Fisher f**, observed information h** (upper triangles; index 3 = b,
  // whose derivative ∂μ/∂b is 1). With σ fixed every σ term is 0 and is ignored later.
  // prettier-ignore
  let g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0;
  // prettier-ignore
  let f00 = 0, f01 = 0, f02 = 0, f03 = 0, f04 = 0, f11 = 0, f12 = 0, f13 = 0, f14 = 0;
  // prettier-ignore
  let f22 = 0, f23 = 0, f24 = 0, f33 = 0, f34 = 0, f44 = 0;
  // prettier-ignore
  let h00 = 0, h01 = 0, h02 = 0, h03 = 0, h04 = 0, h11 = 0, h12 = 0, h13 = 0, h14 = 0;
  // prettier-ignore
  let h22 = 0, h23 = 0, h24 = 0, h33 = 0, h34 = 0, h44 = 0;
  let k = 0;
  for (let i = 0; i < ny; i++) {
    const eyi = ey[i];
    const y1 = ey1[i];
    const ysg = fitSigma ? eys[i] : 0;
    const y11 = ey11[i];
    const y1s = fitSigma ? ey1s[i] : 0;
    const yss = fitSigma ? eyss[i] : 0;
    for (let j = 0; j < nx; j++, k++) {
      const w = 1 / mu[k];
      const dw = data[k] * w;
      const res = dw - 1;
      const w2 = dw * w;
      const exj = ex[j];
      const x1 = ex1[j];
      const xsg = fitSigma ? exs[j] : 0;
      // ∇μ
      const d0 = n * y1 * exj;
      const d1 = n * eyi * x1;
      const d2 = eyi * exj;
      const d4 = n * (ysg * exj + eyi * xsg);
      g0 += res * d0;
      g1 += res * d1;
      g2 += res * d2;
      g3 += res;
      g4 += res * d4;
      // w·∇μ∇μᵀ and (d/μ²)·∇μ∇μᵀ
      const a0 = w * d0,
        a1 = w * d1,
        a2 = w * d2,
        a4 = w * d4;
      f00 += a0 * d0;
      f01 += a0 * d1;
      f02 += a0 * d2;
      f03 += a0;
      f04 += a0 * d4;
      f11 += a1 * d1;
      f12 += a1 * d2;
      f13 += a1;
      f14 += a1 * d4;
      f22 += a2 * d2;
      f23 += a2;
      f24 += a2 * d4;
      f33 += w;
      f34 += a4;
      f44 += a4 * d4;
      const b0 = w2 * d0,
        b1 = w2 * d1,
        b2 = w2 * d2,
        b4 = w2 * d4;
      // − (d/μ − 1)·∇²μ (b enters linearly; ∂²μ/∂N² = 0).
      h00 += b0 * d0 - res * n * y11 * exj;
      h01 += b0 * d1 - res * n * y1 * x1;
      h02 += b0 * d2 - res * y1 * exj;
      h03 += b0;
      h04 += b0 * d4 - res * n * (y1s * exj + y1 * xsg);
      h11 += b1 * d1 - res * n * eyi * ex11[j];
      h12 += b1 * d2 - res * eyi * x1;
      h13 += b1;
      h14 += b1 * d4 - (fitSigma ? res * n * (ysg * x1 + eyi * ex1s[j]) : 0);
      h22 += b2 * d2;
      h23 += b2;
      h24 += b2 * d4 - res * (ysg * exj + eyi * xsg);
      h33 += w2;
      h34 += b4;
      h44 += b4 * d4 - (fitSigma ? res * n * (yss * exj + 2 * ysg * xsg + eyi * exss[j]) : 0);
    }
  }
  grad[0] = g0;
  grad[1] = g1;
  grad[2] = g2;
  grad[3] = g3;
  grad[4] = g4;
  const F = fisher;
  F[0] = f00;
  F[1] = F[5] = f01;
  F[2] = F[10] = f02;
  F[3] = F[15] = f03;
  F[4] = F[20] = f04;
  F[6] = f11;
  F[7] = F[11] = f12;
  F[8] = F[16] = f13;
  F[9] = F[21] = f14;
  F[12] = f22;
  F[13] = F[17] = f23;
  F[14] = F[22] = f24;
  F[18] = f33;
  F[19] = F[23] = f34;
  F[24] = f44;
  const H = newton;
  H[0] = h00;
  H[1] = H[5] = h01;
  H[2] = H[10] = h02;
  H[3] = H[15] = h03;
  H[4] = H[20] = h04;
  H[6] = h11;
  H[7] = H[11] = h12;
  H[8] = H[16] = h13;
  H[9] = H[21] = h14;
  H[12] = h22;
  H[13] = H[17] = h23;
  H[14] = H[22] = h24;
  H[18] = h33;
  H[19] = H[23] = h34;
  H[24] = h44;
}

/**
 * Solve (H + λ·diag(fisher))·step = grad, H = `newton` (or `fisher` when `useFisher`), over the
 * parameters listed in active[0..q) (see fit-core.ts `solveDamped`). Returns false if the matrix
 * is not positive definite.
 */
function solveStep(q: number, lambda: number, useFisher: boolean): boolean {
  return solveDamped(useFisher ? fisher : newton, fisher, grad, 5, active, q, lambda, step, scratch);
}

function validateOptions(opts: FitOptions): void {
  const hw = opts.halfWidth ?? 3;
  if (!(Number.isInteger(hw) && hw >= 1 && hw <= MAX_HW)) {
    throw new UserError(`fit option halfWidth must be an integer in [1, ${MAX_HW}], got ${hw}`, undefined, 'invalid-option');
  }
  if (opts.sigma !== undefined && !(opts.sigma > 0 && Number.isFinite(opts.sigma))) {
    throw new UserError(`fit option sigma must be > 0, got ${opts.sigma}`, undefined, 'invalid-option');
  }
  if (opts.gain !== undefined && !(opts.gain > 0 && Number.isFinite(opts.gain))) {
    throw new UserError(`fit option gain must be > 0, got ${opts.gain}`, undefined, 'invalid-option');
  }
  if (opts.offset !== undefined && !Number.isFinite(opts.offset)) {
    throw new UserError(`fit option offset must be finite, got ${opts.offset}`, undefined, 'invalid-option');
  }
  if (opts.readNoise !== undefined && !(opts.readNoise >= 0 && Number.isFinite(opts.readNoise))) {
    throw new UserError(`fit option readNoise must be >= 0, got ${opts.readNoise}`, undefined, 'invalid-option');
  }
  if (opts.sigmaStart !== undefined && !(opts.sigmaStart > 0 && Number.isFinite(opts.sigmaStart))) {
    throw new UserError(`fit option sigmaStart must be > 0, got ${opts.sigmaStart}`, undefined, 'invalid-option');
  }
  const it = opts.maxIterations;
  if (it !== undefined && !(Number.isInteger(it) && it >= 0)) {
    throw new UserError(`fit option maxIterations must be an integer >= 0, got ${it}`, undefined, 'invalid-option');
  }
  if (opts.tolerance !== undefined && !(opts.tolerance > 0)) {
    throw new UserError(`fit option tolerance must be > 0, got ${opts.tolerance}`, undefined, 'invalid-option');
  }
  if (opts.maxShift !== undefined && !(opts.maxShift >= 0)) {
    throw new UserError(`fit option maxShift must be >= 0, got ${opts.maxShift}`, undefined, 'invalid-option');
  }
  if (opts.sigmaRange !== undefined) {
    const [lo, hi] = opts.sigmaRange;
    if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) {
      throw new UserError(`fit option sigmaRange must be 0 < min <= max, got [${lo}, ${hi}]`, undefined, 'invalid-option');
    }
  }
}

/**
 * Maximum-likelihood fit of one spot started at (r0, c0); see the module header for the model,
 * the units and the constraints. Never throws for any start position (the window centre is
 * clamped into the image); throws RangeError for invalid options.
 */
export function fitSpot(plane: Plane, r0: number, c0: number, opts: FitOptions = {}): FitResult {
  validateOptions(opts);
  const { height, width } = plane;
  if (!(height >= 1 && width >= 1)) throw new RangeError('fitSpot: empty plane');
  if (!Number.isFinite(r0) || !Number.isFinite(c0)) throw new RangeError('fitSpot: start must be finite');
  const hw = opts.halfWidth ?? 3;
  const gain = opts.gain ?? 1;
  const offset = opts.offset ?? 0;
  const readPh = (opts.readNoise ?? 0) / gain;
  const r2 = readPh * readPh;
  const fixedSigma = opts.sigma;
  const sLo = fixedSigma ?? opts.sigmaRange?.[0] ?? 0.5;
  const sHi = fixedSigma ?? opts.sigmaRange?.[1] ?? Math.max(hw, 0.5);
  const maxIter = opts.maxIterations ?? 30;
  const tol = opts.tolerance ?? 1e-6;

  // Window, clipped to the image; the parameters are in window coordinates (pixel (top, left)
  // at 0), so that a box of a larger plane (opts.origin) gives the larger plane's fit exactly:
  // start − window corner is exact in floating point whichever plane it is computed in.
  const oy = opts.origin?.y ?? 0;
  const ox = opts.origin?.x ?? 0;
  const rb = r0 - oy;
  const cb = c0 - ox;
  const rc = Math.min(height - 1, Math.max(0, Math.round(rb)));
  const cc = Math.min(width - 1, Math.max(0, Math.round(cb)));
  const top = Math.max(0, rc - hw);
  const left = Math.max(0, cc - hw);
  const ny = Math.min(height - 1, rc + hw) - top + 1;
  const nx = Math.min(width - 1, cc + hw) - left + 1;
  const fitSigma = fixedSigma === undefined;
  const p = fitSigma ? 5 : 4;
  const ctx: Ctx = { top: 0, left: 0, ny, nx, r2, fitSigma };
  const ry0 = rb - top;
  const rx0 = cb - left;
  const yLo = -0.5;
  const yHi = ny - 0.5;
  const xLo = -0.5;
  const xHi = nx - 0.5;
  lo[0] = yLo;
  hi[0] = yHi;
  lo[1] = xLo;
  hi[1] = xHi;
  lo[2] = 0;
  hi[2] = Number.POSITIVE_INFINITY;
  lo[3] = 0;
  hi[3] = Number.POSITIVE_INFINITY;
  lo[4] = sLo;
  hi[4] = sHi;

  // Data in photons (+ r²), clamped at 0; start values.
  const src = plane.data;
  const invGain = 1 / gain;
  let sum = 0;
  let np = 0;
  let k = 0;
  for (let i = 0; i < ny; i++) {
    const base = (top + i) * width + left;
    for (let j = 0; j < nx; j++, k++) {
      const v = (src[base + j] - offset) * invGain + r2;
      const d = v > 0 && v < Number.POSITIVE_INFINITY ? v : 0; // NaN and ±∞ → 0 as well
      data[k] = d;
      sum += d;
      if (i === 0 || j === 0 || i === ny - 1 || j === nx - 1) perim[np++] = d;
    }
  }
  const npix = ny * nx;
  const med = medianInPlace(perim, np);
  theta[0] = Math.min(yHi, Math.max(yLo, ry0));
  theta[1] = Math.min(xHi, Math.max(xLo, rx0));
  theta[3] = Math.max(0, med - r2);
  theta[2] = Math.max(1, sum - npix * (theta[3] + r2));
  theta[4] = fixedSigma ?? Math.min(sHi, Math.max(sLo, opts.sigmaStart ?? 1.3));

  // Levenberg–Marquardt on ℓ: Newton (observed information) when it is positive definite,
  // otherwise Fisher scoring; damping λ·diag(Fisher); bound-constrained parameters whose step
  // points outwards are frozen for that step (active set).
  let ll = evaluate(ctx, theta);
  assemble(ctx, theta);
  let muAtTheta = true;
  let lambda = 1e-3;
  let converged = false;
  let iterations = 0;
  const enoughData = npix > p;
  while (enoughData && iterations < maxIter) {
    iterations++;
    frozen.fill(0);
    let ok = false;
    for (let pass = 0; pass < p; pass++) {
      let q = 0;
      for (let a = 0; a < p; a++) if (frozen[a] === 0) active[q++] = a;
      ok = solveStep(q, lambda, false) || solveStep(q, lambda, true);
      if (!ok) break;
      let newlyFrozen = false;
      for (let a = 0; a < p; a++) {
        if (frozen[a] !== 0) continue;
        if ((theta[a] <= lo[a] && step[a] < 0) || (theta[a] >= hi[a] && step[a] > 0)) {
          frozen[a] = 1;
          newlyFrozen = true;
        }
      }
      if (!newlyFrozen) break;
    }
    if (!ok) {
      lambda *= 10;
      if (lambda > 1e12) break;
      continue;
    }
    // Step limits and box constraints.
    const sNow = theta[4];
    trial[0] = Math.min(yHi, Math.max(yLo, theta[0] + Math.max(-1, Math.min(1, step[0]))));
    trial[1] = Math.min(xHi, Math.max(xLo, theta[1] + Math.max(-1, Math.min(1, step[1]))));
    trial[2] = Math.max(0.1 * theta[2], theta[2] + step[2]);
    trial[3] = Math.max(0, theta[3] + step[3]);
    trial[4] = fitSigma ? Math.min(sHi, Math.max(sLo, sNow + Math.max(-0.5 * sNow, Math.min(0.5 * sNow, step[4])))) : sNow;
    const small =
      Math.abs(trial[0] - theta[0]) < tol &&
      Math.abs(trial[1] - theta[1]) < tol &&
      Math.abs(trial[2] - theta[2]) < tol * Math.max(theta[2], 1) &&
      Math.abs(trial[3] - theta[3]) < tol * Math.max(theta[3], 1) &&
      Math.abs(trial[4] - theta[4]) < tol;
    const llTrial = evaluate(ctx, trial);
    if (llTrial >= ll) {
      for (let a = 0; a < 5; a++) theta[a] = trial[a];
      ll = llTrial;
      muAtTheta = true;
      assemble(ctx, theta);
      lambda = Math.max(1e-9, lambda * 0.1);
      if (small) {
        converged = true;
        break;
      }
    } else {
      muAtTheta = false;
      if (small) {
        // The proposed change is below the tolerance: θ is the optimum to within rounding.
        converged = true;
        break;
      }
      lambda *= 10;
      if (lambda > 1e12) break;
    }
  }
  if (!muAtTheta) evaluate(ctx, theta);
  // A centre pinned to the window boundary is not a real optimum.
  const eps = 1e-9;
  if (theta[0] <= yLo + eps || theta[0] >= yHi - eps || theta[1] <= xLo + eps || theta[1] >= xHi - eps) {
    converged = false;
  }

  // Final log-likelihood with the ln Γ(d+1) constant.
  let logL = 0;
  for (let q = 0; q < npix; q++) {
    const d = data[q];
    logL += d > 0 ? d * Math.log(mu[q]) - mu[q] - lnGamma(d + 1) : -mu[q];
  }

  // CRLB at the fitted parameters: inverse of the Fisher matrix (μ includes r²).
  let crlbY = Number.POSITIVE_INFINITY;
  let crlbX = Number.POSITIVE_INFINITY;
  if (enoughData) {
    const f = new Float64Array(p * p);
    for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) f[a * p + c] = fisher[a * 5 + c];
    const inv = invertSpd(f, p);
    if (inv !== null) {
      crlbY = Math.sqrt(inv[0]);
      crlbX = Math.sqrt(inv[p + 1]);
    }
  }

  const y = top + oy + theta[0];
  const x = left + ox + theta[1];
  const n = theta[2];
  const b = theta[3];
  const s = theta[4];
  const ry = Math.round(y);
  const rx = Math.round(x);
  return {
    y,
    x,
    photons: n,
    background: b,
    sigma: s,
    fwhm: FWHM_PER_SIGMA * s,
    amplitude: n / (2 * Math.PI * s * s),
    snr: peakSnr(n, s, b, y - ry, x - rx),
    crlbY,
    crlbX,
    converged,
    iterations,
    logLikelihood: logL,
    status: converged ? 'ok' : 'not-converged',
    shift: Math.hypot(theta[0] - ry0, theta[1] - rx0),
  };
}

/**
 * Fit every start position with {@link fitSpot} and guard the result: if the fit did not
 * converge, or its centre moved more than `maxShift` (default 1 px, clamped to ≤ halfWidth)
 * from the start, y/x are reset to the start position and `status` says why ('not-converged'
 * or 'moved'; `converged` is false in both cases). The other fitted quantities (photons,
 * background, σ, …) are kept as fitted (treat them as unreliable for rejected fits); `shift`
 * keeps the distance the fit wanted to move.
 */
export function fitSpots(plane: Plane, detections: ReadonlyArray<FitStart>, opts: FitOptions = {}): FitResult[] {
  validateOptions(opts);
  const hw = opts.halfWidth ?? 3;
  const maxShift = Math.min(opts.maxShift ?? 1, hw);
  const out: FitResult[] = new Array(detections.length);
  for (let i = 0; i < detections.length; i++) {
    const { y: r, x: c } = detections[i];
    const f = fitSpot(plane, r, c, opts);
    if (!f.converged) {
      f.y = r;
      f.x = c;
    } else if (f.shift > maxShift) {
      f.y = r;
      f.x = c;
      f.converged = false;
      f.status = 'moved';
    }
    out[i] = f;
  }
  return out;
}
