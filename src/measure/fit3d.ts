/**
 * Maximum-likelihood sub-voxel fit of a single fluorescent spot in a z-stack (3-D MLE
 * localisation): the refinement step of 3-D detection, the 3-D counterpart of fit.ts.
 *
 * Model, in PHOTONS, over a box of (2h_z+1)×(2h+1)×(2h+1) voxels (h_z = `halfWidthZ`, default
 * 2; h = `halfWidth`, default 3 → 5×7×7) around the rounded start position, clipped to the stack
 * (a spot on the first or last slice is fitted on the slices that exist):
 *
 *   μ_k = N·E_z(s_k)·E_y(r_k)·E_x(c_k) + b,
 *   E_x(c) = ½[erf((c+½−x)/(√2σ)) − erf((c−½−x)/(√2σ))]   (E_y likewise with σ, E_z with σ_z),
 *
 * the voxel-integrated separable Gaussian of the 3-D simulator (simulate3d.ts `addSpot3D`).
 * Parameters θ = (z, y, x, N, b, σ, σ_z): centre (slice, row, column; voxel centres at
 * integers, core/types.ts), total photons N, background b photons per voxel, lateral PSF
 * standard deviation σ (px) and axial σ_z (slices); σ and σ_z are each held fixed when
 * `opts.sigma` / `opts.sigmaZ` is given.
 *
 * Data → photons, likelihood, optimiser and constraints as in fit.ts: d_k = (v_k − offset)/gain
 * clamped at 0 (read noise r, in photons, by the sCMOS approximation: d_k + r² and μ_k + r² are
 * Poisson); ℓ(θ) = Σ_k d_k ln μ_k − μ_k − ln Γ(d_k + 1); Levenberg–Marquardt with the observed
 * information −∇²ℓ (analytic second derivatives of the erf-integrated model) when the damped
 * matrix is positive definite, otherwise Fisher scoring, damping λ·diag(I); a step is accepted
 * only when it raises ℓ. Steps are limited to ±1 voxel per axis and ±σ/2 (±σ_z/2); N ≥ N_prev/10;
 * b ≥ 0; σ in [0.5, h], σ_z in [0.5, 2h_z]; the centre stays inside the box; parameters on a
 * bound whose step points outwards are frozen for that step (active set). Converged when every
 * change of a step is below 1e-6 (positions and σ's in voxels, N and b relative), within
 * `maxIterations` (default 30) trial steps; a centre ending on the box boundary is not converged.
 *
 * Start values: the given position (clamped into the box), b = median of the voxels on the box's
 * lateral border (all slices), N = Σ(d − b) ≥ 1, σ = 1.3, σ_z = 1.5 (or the fixed values).
 *
 * Reported extras: snr = ISBI peak SNR (I_peak − b)/√I_peak with I_peak = b + N·E_z·E_y·E_x of the
 * model's brightest voxel (the voxel containing the centre), as simulate3d.ts reports it;
 * crlbZ/Y/X = √CRLB of the centre from the fit's own Fisher matrix Σ ∇μ∇μᵀ/μ at the fitted
 * parameters, on the voxels fitted, with the parameters fitted (σ's included unless fixed).
 *
 * {@link fitSpots3D} guards the fits as fitSpots does in 2-D: a fit that did not converge, or
 * whose centre moved more than `maxShift` (3-D distance, default 1 voxel, at most h) from its
 * start, keeps the start position (status 'not-converged' / 'moved').
 */

import { invertSpd } from '../math/linalg.js';
import { pixelIntegratedGaussian } from '../math/psf.js';
import { peakFraction } from './snr.js';
import type { SpotFit3D, Stack } from '../core/types.js';
import { UserError } from '../core/errors.js';
import { axisDerivatives, axisValues, lnGamma, MAX_HW, MAX_N, medianInPlace, solveDamped, stepScratch } from './fit-core.js';

/** Options of {@link fitSpot3D} / {@link fitSpots3D}. */
export interface Fit3dOptions {
  /** Lateral (y, x) window half-width h (integer 1..10): 2h+1 px per axis. Default 3. */
  halfWidth?: number;
  /** Axial (z) window half-width h_z (integer 1..10): 2h_z+1 slices, clipped to the stack. Default 2. */
  halfWidthZ?: number;
  /** Fix the lateral σ (px) to this value instead of fitting it. Default undefined (fitted). */
  sigma?: number;
  /** Fix the axial σ_z (slices) to this value instead of fitting it. Default undefined (fitted). */
  sigmaZ?: number;
  /** Camera gain, counts per photon (> 0). Default 1. */
  gain?: number;
  /** Camera offset (bias), counts. Default 0. */
  offset?: number;
  /** Gaussian read noise rms in counts (sCMOS approximation). Default 0. */
  readNoise?: number;
  /** Maximum number of LM iterations (accepted or rejected trial steps). Default 30. */
  maxIterations?: number;
  /** {@link fitSpots3D} only: largest accepted 3-D move from the start, voxels (≤ h). Default 1. */
  maxShift?: number;
  /**
   * The stack is a box cut from a larger one whose first row and column are (y, x): starts and
   * results are in the larger stack's coordinates, and the fit gives exactly what it gives on
   * the larger stack (y and x are fitted in window coordinates either way). Default (0, 0).
   */
  origin?: { y: number; x: number };
}

export type { SpotFit3D };

/** A start position for {@link fitSpots3D}: [z, y, x] as fields (e.g. a 3-D detection). */
export interface FitStart3D {
  /** Slice. */
  z: number;
  /** Row, px. */
  y: number;
  /** Column, px. */
  x: number;
}

const P = 7; // z, y, x, N, b, σ, σ_z
const MAX_VOX = MAX_N * MAX_N * MAX_N;
const MU_FLOOR = 1e-12;

// ---- module-level scratch (reused by every fit; fits are synchronous) ----
const data = new Float64Array(MAX_VOX);
const mu = new Float64Array(MAX_VOX);
const border = new Float64Array(MAX_N * 4 * MAX_N);
// Per axis: E, ∂E/∂x0, ∂E/∂s, ∂²E/∂x0², ∂²E/∂x0∂s, ∂²E/∂s².
const axes = [0, 1, 2].map(() => Array.from({ length: 6 }, () => new Float64Array(MAX_N)));
const theta = new Float64Array(P);
const trial = new Float64Array(P);
const step = new Float64Array(P);
const grad = new Float64Array(P);
const fisher = new Float64Array(P * P);
const newton = new Float64Array(P * P);
const lo = new Float64Array(P);
const hi = new Float64Array(P);
const free = new Uint8Array(P);
const frozen = new Uint8Array(P);
const active = new Int32Array(P);
const g = new Float64Array(P);
const d2 = new Float64Array(P * P);
const scratch = stepScratch(P);

interface Ctx {
  front: number;
  top: number;
  left: number;
  nz: number;
  ny: number;
  nx: number;
  r2: number;
}

/** μ at parameters t into `mu` (E values into axes[·][0]); returns Σ d ln μ − μ. */
function evaluate(ctx: Ctx, t: Float64Array): number {
  const { front, top, left, nz, ny, nx, r2 } = ctx;
  const ez = axes[0][0];
  const ey = axes[1][0];
  const ex = axes[2][0];
  axisValues(nz, front, t[0], t[6], ez);
  axisValues(ny, top, t[1], t[5], ey);
  axisValues(nx, left, t[2], t[5], ex);
  const n = t[3];
  const b = t[4] + r2;
  let ll = 0;
  let k = 0;
  for (let s = 0; s < nz; s++) {
    const wz = n * ez[s];
    for (let i = 0; i < ny; i++) {
      const wy = wz * ey[i];
      for (let j = 0; j < nx; j++, k++) {
        let m = wy * ex[j] + b;
        if (!(m > MU_FLOOR)) m = MU_FLOOR;
        mu[k] = m;
        const d = data[k];
        ll += (d > 0 ? d * Math.log(m) : 0) - m;
      }
    }
  }
  return ll;
}

/**
 * At parameters t (after `evaluate(ctx, t)`): gradient Σ (d/μ − 1)∇μ into `grad`, Fisher
 * information Σ ∇μ∇μᵀ/μ into `fisher`, observed information Σ (d/μ²)∇μ∇μᵀ − (d/μ − 1)∇²μ into
 * `newton` (7×7, both triangles).
 */
function assemble(ctx: Ctx, t: Float64Array): void {
  const { front, top, left, nz, ny, nx } = ctx;
  const [az, ay, ax] = axes;
  axisDerivatives(nz, front, t[0], t[6], az[1], az[2], az[3], az[4], az[5]);
  axisDerivatives(ny, top, t[1], t[5], ay[1], ay[2], ay[3], ay[4], ay[5]);
  axisDerivatives(nx, left, t[2], t[5], ax[1], ax[2], ax[3], ax[4], ax[5]);
  const [ez, ez1, ezs, ez11, ez1s, ezss] = az;
  const [ey, ey1, eys, ey11, ey1s, eyss] = ay;
  const [ex, ex1, exs, ex11, ex1s, exss] = ax;
  const n = t[3];
  grad.fill(0);
  fisher.fill(0);
  newton.fill(0);
  d2.fill(0);
  let k = 0;
  for (let s = 0; s < nz; s++) {
    const Z = ez[s];
    const Z1 = ez1[s];
    const Zs = ezs[s];
    for (let i = 0; i < ny; i++) {
      const Y = ey[i];
      const Y1 = ey1[i];
      const Ys = eys[i];
      for (let j = 0; j < nx; j++, k++) {
        const w = 1 / mu[k];
        const dw = data[k] * w;
        const res = dw - 1;
        const w2 = dw * w;
        const X = ex[j];
        const X1 = ex1[j];
        const Xs = exs[j];
        const YX = Y * X;
        const sy = Ys * X + Y * Xs; // ∂(E_y E_x)/∂σ
        // ∇μ, order (z, y, x, N, b, σ, σ_z)
        g[0] = n * Z1 * YX;
        g[1] = n * Z * Y1 * X;
        g[2] = n * Z * Y * X1;
        g[3] = Z * YX;
        g[4] = 1;
        g[5] = n * Z * sy;
        g[6] = n * Zs * YX;
        // ∇²μ, upper triangle (the b row and ∂²μ/∂N² are 0)
        d2[0] = n * ez11[s] * YX;
        d2[1] = n * Z1 * Y1 * X;
        d2[2] = n * Z1 * Y * X1;
        d2[3] = Z1 * YX;
        d2[5] = n * Z1 * sy;
        d2[6] = n * ez1s[s] * YX;
        d2[8] = n * Z * ey11[i] * X;
        d2[9] = n * Z * Y1 * X1;
        d2[10] = Z * Y1 * X;
        d2[12] = n * Z * (ey1s[i] * X + Y1 * Xs);
        d2[13] = n * Zs * Y1 * X;
        d2[16] = n * Z * Y * ex11[j];
        d2[17] = Z * Y * X1;
        d2[19] = n * Z * (Ys * X1 + Y * ex1s[j]);
        d2[20] = n * Zs * Y * X1;
        d2[26] = Z * sy;
        d2[27] = Zs * YX;
        d2[40] = n * Z * (eyss[i] * X + 2 * Ys * Xs + Y * exss[j]);
        d2[41] = n * Zs * sy;
        d2[48] = n * ezss[s] * YX;
        for (let a = 0; a < P; a++) {
          const ga = g[a];
          grad[a] += res * ga;
          const fa = w * ga;
          const ha = w2 * ga;
          const row = a * P;
          for (let c = a; c < P; c++) {
            fisher[row + c] += fa * g[c];
            newton[row + c] += ha * g[c] - res * d2[row + c];
          }
        }
      }
    }
  }
  for (let a = 0; a < P; a++) {
    for (let c = 0; c < a; c++) {
      fisher[a * P + c] = fisher[c * P + a];
      newton[a * P + c] = newton[c * P + a];
    }
  }
}

function validateOptions(opts: Fit3dOptions): void {
  const bad = (msg: string): never => {
    throw new UserError(`fit option ${msg}`, undefined, 'invalid-option');
  };
  for (const [v, name] of [
    [opts.halfWidth ?? 3, 'halfWidth'],
    [opts.halfWidthZ ?? 2, 'halfWidthZ'],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 1 && v <= MAX_HW)) bad(`${name} must be an integer in [1, ${MAX_HW}], got ${v}`);
  }
  for (const [v, name] of [
    [opts.sigma, 'sigma'],
    [opts.sigmaZ, 'sigmaZ'],
    [opts.gain, 'gain'],
  ] as const) {
    if (v !== undefined && !(v > 0 && Number.isFinite(v))) bad(`${name} must be > 0, got ${v}`);
  }
  if (opts.offset !== undefined && !Number.isFinite(opts.offset)) bad(`offset must be finite, got ${opts.offset}`);
  if (opts.readNoise !== undefined && !(opts.readNoise >= 0 && Number.isFinite(opts.readNoise))) bad(`readNoise must be >= 0, got ${opts.readNoise}`);
  const it = opts.maxIterations;
  if (it !== undefined && !(Number.isInteger(it) && it >= 0)) bad(`maxIterations must be an integer >= 0, got ${it}`);
  if (opts.maxShift !== undefined && !(opts.maxShift >= 0)) bad(`maxShift must be >= 0, got ${opts.maxShift}`);
}

function checkStack(stack: Stack): void {
  const { depth, height, width, data: src } = stack;
  if (!(depth >= 1 && height >= 1 && width >= 1)) throw new RangeError('fitSpot3D: empty stack');
  if (src.length !== depth * height * width) {
    throw new RangeError(`fitSpot3D: stack data has ${src.length} values, expected ${depth}×${height}×${width}`);
  }
}

/**
 * Maximum-likelihood fit of one spot of a z-stack started at (z0, y0, x0) (slice, row, column);
 * see the module header for the model, the units and the constraints. Status is 'ok' or
 * 'not-converged' (the position is the fit's either way; {@link fitSpots3D} applies the guard).
 * Never throws for any finite start (the box is clamped into the stack); throws UserError for
 * invalid options and RangeError for an inconsistent stack.
 */
export function fitSpot3D(stack: Stack, z0: number, y0: number, x0: number, opts: Fit3dOptions = {}): SpotFit3D {
  validateOptions(opts);
  checkStack(stack);
  return fitOne(stack, z0, y0, x0, opts);
}

function fitOne(stack: Stack, z0: number, y0: number, x0: number, opts: Fit3dOptions): SpotFit3D {
  const { depth, height, width } = stack;
  if (!Number.isFinite(z0) || !Number.isFinite(y0) || !Number.isFinite(x0)) throw new RangeError('fitSpot3D: start must be finite');
  const hw = opts.halfWidth ?? 3;
  const hz = opts.halfWidthZ ?? 2;
  const gain = opts.gain ?? 1;
  const offset = opts.offset ?? 0;
  const readPh = (opts.readNoise ?? 0) / gain;
  const r2 = readPh * readPh;
  const maxIter = opts.maxIterations ?? 30;
  const tol = 1e-6;
  const fixS = opts.sigma;
  const fixSz = opts.sigmaZ;

  // Box, clipped to the stack.
  // y and x in window coordinates (pixel (top, left) at 0): start − window corner is exact in
  // floating point whichever stack (whole, or a box of it: opts.origin) it is computed in
  const oy = opts.origin?.y ?? 0;
  const ox = opts.origin?.x ?? 0;
  const yb = y0 - oy;
  const xb = x0 - ox;
  const zc = Math.min(depth - 1, Math.max(0, Math.round(z0)));
  const yc = Math.min(height - 1, Math.max(0, Math.round(yb)));
  const xc = Math.min(width - 1, Math.max(0, Math.round(xb)));
  const front = Math.max(0, zc - hz);
  const top = Math.max(0, yc - hw);
  const left = Math.max(0, xc - hw);
  const nz = Math.min(depth - 1, zc + hz) - front + 1;
  const ny = Math.min(height - 1, yc + hw) - top + 1;
  const nx = Math.min(width - 1, xc + hw) - left + 1;
  const ctx: Ctx = { front, top: 0, left: 0, nz, ny, nx, r2 };
  const ys = yb - top;
  const xs = xb - left;
  lo[0] = front - 0.5;
  hi[0] = front + nz - 0.5;
  lo[1] = -0.5;
  hi[1] = ny - 0.5;
  lo[2] = -0.5;
  hi[2] = nx - 0.5;
  lo[3] = 0;
  hi[3] = Number.POSITIVE_INFINITY;
  lo[4] = 0;
  hi[4] = Number.POSITIVE_INFINITY;
  lo[5] = fixS ?? 0.5;
  hi[5] = fixS ?? Math.max(hw, 0.5);
  lo[6] = fixSz ?? 0.5;
  hi[6] = fixSz ?? Math.max(2 * hz, 0.5);
  free.fill(1);
  if (fixS !== undefined) free[5] = 0;
  if (fixSz !== undefined) free[6] = 0;
  let p = 0;
  for (let a = 0; a < P; a++) p += free[a];

  // Data in photons (+ r²), clamped at 0; start values.
  const src = stack.data;
  const invGain = 1 / gain;
  let sum = 0;
  let nb = 0;
  let k = 0;
  for (let s = 0; s < nz; s++) {
    for (let i = 0; i < ny; i++) {
      const base = ((front + s) * height + top + i) * width + left;
      for (let j = 0; j < nx; j++, k++) {
        const v = (src[base + j] - offset) * invGain + r2;
        const d = v > 0 && v < Number.POSITIVE_INFINITY ? v : 0; // NaN and ±∞ → 0 as well
        data[k] = d;
        sum += d;
        if (i === 0 || j === 0 || i === ny - 1 || j === nx - 1) border[nb++] = d;
      }
    }
  }
  const nvox = k;
  const med = medianInPlace(border, nb);
  for (let a = 0; a < 3; a++) theta[a] = Math.min(hi[a], Math.max(lo[a], [z0, ys, xs][a]));
  theta[4] = Math.max(0, med - r2);
  theta[3] = Math.max(1, sum - nvox * (theta[4] + r2));
  theta[5] = fixS ?? Math.min(hi[5], Math.max(lo[5], 1.3));
  theta[6] = fixSz ?? Math.min(hi[6], Math.max(lo[6], 1.5));

  let ll = evaluate(ctx, theta);
  assemble(ctx, theta);
  let muAtTheta = true;
  let lambda = 1e-3;
  let converged = false;
  let iterations = 0;
  const enoughData = nvox > p;
  while (enoughData && iterations < maxIter) {
    iterations++;
    frozen.fill(0);
    let ok = false;
    for (let pass = 0; pass < p; pass++) {
      let q = 0;
      for (let a = 0; a < P; a++) if (free[a] === 1 && frozen[a] === 0) active[q++] = a;
      ok = solveDamped(newton, fisher, grad, P, active, q, lambda, step, scratch) || solveDamped(fisher, fisher, grad, P, active, q, lambda, step, scratch);
      if (!ok) break;
      let newlyFrozen = false;
      for (let a = 0; a < P; a++) {
        if (free[a] === 0 || frozen[a] !== 0) continue;
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
    for (let a = 0; a < 3; a++) trial[a] = Math.min(hi[a], Math.max(lo[a], theta[a] + Math.max(-1, Math.min(1, step[a]))));
    trial[3] = Math.max(0.1 * theta[3], theta[3] + step[3]);
    trial[4] = Math.max(0, theta[4] + step[4]);
    for (let a = 5; a < 7; a++) {
      const sNow = theta[a];
      trial[a] = free[a] === 1 ? Math.min(hi[a], Math.max(lo[a], sNow + Math.max(-0.5 * sNow, Math.min(0.5 * sNow, step[a])))) : sNow;
    }
    let small = true;
    for (let a = 0; a < P; a++) {
      const scale = a === 3 || a === 4 ? Math.max(theta[a], 1) : 1;
      if (!(Math.abs(trial[a] - theta[a]) < tol * scale)) small = false;
    }
    const llTrial = evaluate(ctx, trial);
    if (llTrial >= ll) {
      theta.set(trial);
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
        converged = true; // the proposed change is below the tolerance: θ is the optimum
        break;
      }
      lambda *= 10;
      if (lambda > 1e12) break;
    }
  }
  // μ for the log-likelihood below (the information matrices are still θ's: only an accepted step assembles them)
  if (!muAtTheta) evaluate(ctx, theta);
  const eps = 1e-9;
  for (let a = 0; a < 3; a++) if (theta[a] <= lo[a] + eps || theta[a] >= hi[a] - eps) converged = false;

  let logL = 0;
  for (let q = 0; q < nvox; q++) {
    const d = data[q];
    logL += d > 0 ? d * Math.log(mu[q]) - mu[q] - lnGamma(d + 1) : -mu[q];
  }

  // √CRLB of the centre: inverse of the Fisher matrix of the fitted parameters.
  const crlb = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  if (enoughData) {
    let q = 0;
    for (let a = 0; a < P; a++) if (free[a] === 1) active[q++] = a;
    const f = new Float64Array(q * q);
    for (let a = 0; a < q; a++) for (let c = 0; c < q; c++) f[a * q + c] = fisher[active[a] * P + active[c]];
    const inv = invertSpd(f, q);
    if (inv !== null) for (let a = 0; a < 3; a++) crlb[a] = Math.sqrt(inv[a * q + a]);
  }

  const [z, yw, xw, n, b, sigma, sigmaZ] = theta;
  const y = top + oy + yw;
  const x = left + ox + xw;
  const rz = Math.round(z);
  const above = n * pixelIntegratedGaussian(rz, z, sigmaZ) * peakFraction(sigma, y - Math.round(y), x - Math.round(x));
  const peak = b + above;
  return {
    z,
    y,
    x,
    photons: n,
    background: b,
    sigma,
    sigmaZ,
    snr: peak > 0 ? above / Math.sqrt(peak) : 0,
    crlbZ: crlb[0],
    crlbY: crlb[1],
    crlbX: crlb[2],
    status: converged ? 'ok' : 'not-converged',
    iterations,
    shift: Math.hypot(z - z0, yw - ys, xw - xs),
    logLikelihood: logL,
  };
}

/**
 * Fit every start position with {@link fitSpot3D} and guard the result, as `fitSpots` does in
 * 2-D: if the fit did not converge ('not-converged'), or its centre moved more than `maxShift`
 * (3-D distance, default 1 voxel, clamped to ≤ halfWidth) from the start ('moved'), z/y/x are
 * reset to the start. The other fitted quantities are kept (unreliable for rejected fits);
 * `shift` keeps the distance the fit wanted to move.
 */
export function fitSpots3D(stack: Stack, starts: ReadonlyArray<FitStart3D>, opts: Fit3dOptions = {}): SpotFit3D[] {
  validateOptions(opts);
  checkStack(stack);
  const maxShift = Math.min(opts.maxShift ?? 1, opts.halfWidth ?? 3);
  const out: SpotFit3D[] = new Array(starts.length);
  for (let i = 0; i < starts.length; i++) {
    const { z, y, x } = starts[i];
    const f = fitOne(stack, z, y, x, opts);
    if (f.status === 'ok' && f.shift > maxShift) f.status = 'moved';
    if (f.status !== 'ok') {
      f.z = z;
      f.y = y;
      f.x = x;
    }
    out[i] = f;
  }
  return out;
}
