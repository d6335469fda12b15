/**
 * Exact Cramér–Rao lower bound (CRLB) for localising a pixel-integrated 2-D Gaussian spot.
 *
 * Model (Smith et al. 2010, Nat Methods 7:373), all quantities in PHOTONS:
 *   μ_k = N·E_y(r_k)·E_x(c_k) + β,
 *   E_x(c) = ½[erf((c+½−x0)/(√2σ)) − erf((c−½−x0)/(√2σ))]   (likewise E_y),
 * over a (2h+1)×(2h+1) window of pixels (default h = 8, i.e. 17×17), parameters
 *   θ = (y0, x0, N, β)            with σ known, or
 *   θ = (y0, x0, N, β, σ)         with σ unknown (`fitSigma: true`).
 * Noise: Poisson shot noise plus (optionally) Gaussian read noise of rms `readNoise` photons
 * (i.e. electrons; a read noise quoted in camera counts must be divided by the gain first).
 * Read noise is handled by the usual sCMOS approximation (Huang et al. 2013): the pixel is
 * treated as Poisson with mean μ_k + r², so the Fisher information is
 *   I_ij = Σ_k (∂μ_k/∂θ_i)(∂μ_k/∂θ_j) / (μ_k + r²).
 * CRLB(θ_i) = [I⁻¹]_ii; we report the standard deviations √CRLB.
 *
 * Coordinates: the window's central pixel has index (h, h) and its centre is the window
 * origin; the spot sits at (h + offsetY, h + offsetX) in window pixel coordinates (pixel
 * centres at integers, src/types.ts convention). The bound concerns an isolated spot on a
 * flat background; neighbouring spots and image borders are ignored.
 */

import { pixelIntegratedGaussianDs, pixelIntegratedGaussianDx0, pixelIntegratedGaussianRow } from '../math/psf.js';
import { invertSpd } from '../math/linalg.js';

/** Inputs of {@link crlbGaussian2D} / {@link fisherGaussian2D}. */
export interface CrlbOptions {
  /** Gaussian PSF standard deviation in pixels (> 0). */
  sigma: number;
  /** Expected total photons of the spot, N (>= 0). */
  photons: number;
  /** Expected background photons per pixel, β (>= 0). */
  background: number;
  /** Gaussian read noise rms in photons (electrons); its variance is added to μ_k. Default 0. */
  readNoise?: number;
  /** Spot centre's row offset from the window's central pixel centre, px. Default 0. */
  offsetY?: number;
  /** Spot centre's column offset from the window's central pixel centre, px. Default 0. */
  offsetX?: number;
  /** Window half-width h: the window is (2h+1)×(2h+1) pixels. Default 8 (17×17). */
  halfWidth?: number;
  /** Treat σ as a 5th unknown parameter. Default false. */
  fitSigma?: boolean;
}

/** Standard deviations (√CRLB) of the parameters, plus the full covariance bound. */
export interface CrlbResult {
  /** √CRLB of the row (y) coordinate, px. */
  y: number;
  /** √CRLB of the column (x) coordinate, px. */
  x: number;
  /** √CRLB of the photon count N. */
  photons: number;
  /** √CRLB of the background β, photons/px. */
  background: number;
  /** √CRLB of σ (only when `fitSigma`). */
  sigma?: number;
  /** Number of parameters p (4 or 5), order (y0, x0, N, β[, σ]). */
  size: number;
  /** p×p inverse Fisher matrix, row-major (all entries Infinity when I is singular). */
  covariance: Float64Array;
}

/** Default window half-width (17×17 window, as in anchors.md §6.3). */
export const DEFAULT_CRLB_HALF_WIDTH = 8;

/**
 * Fisher information matrix of θ = (y0, x0, N, β[, σ]) for the model described in the module
 * header. Returns the p×p matrix row-major and p.
 */
export function fisherGaussian2D(opts: CrlbOptions): { matrix: Float64Array; size: number } {
  const { sigma, photons: n, background: beta } = opts;
  const read = opts.readNoise ?? 0;
  const h = opts.halfWidth ?? DEFAULT_CRLB_HALF_WIDTH;
  const fitSigma = opts.fitSigma ?? false;
  if (!(sigma > 0)) throw new RangeError(`CRLB: sigma must be > 0, got ${sigma}`);
  if (!(n >= 0) || !(beta >= 0) || !(read >= 0)) {
    throw new RangeError('CRLB: photons, background and readNoise must be >= 0');
  }
  if (!(Number.isInteger(h) && h >= 0)) throw new RangeError(`CRLB: halfWidth must be an integer >= 0, got ${h}`);
  const y0 = h + (opts.offsetY ?? 0);
  const x0 = h + (opts.offsetX ?? 0);
  const m = 2 * h + 1;
  const p = fitSigma ? 5 : 4;
  const ey = pixelIntegratedGaussianRow(new Float64Array(m), 0, y0, sigma);
  const ex = pixelIntegratedGaussianRow(new Float64Array(m), 0, x0, sigma);
  const dey = new Float64Array(m);
  const dex = new Float64Array(m);
  const sey = new Float64Array(m);
  const sex = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    dey[k] = pixelIntegratedGaussianDx0(k, y0, sigma);
    dex[k] = pixelIntegratedGaussianDx0(k, x0, sigma);
    if (fitSigma) {
      sey[k] = pixelIntegratedGaussianDs(k, y0, sigma);
      sex[k] = pixelIntegratedGaussianDs(k, x0, sigma);
    }
  }
  const fisher = new Float64Array(p * p);
  const g = new Float64Array(p);
  const varRead = read * read;
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) {
      const psf = ey[r] * ex[c];
      const variance = n * psf + beta + varRead;
      if (!(variance > 0)) continue; // a pixel with zero variance carries no usable term
      g[0] = n * dey[r] * ex[c];
      g[1] = n * ey[r] * dex[c];
      g[2] = psf;
      g[3] = 1;
      if (fitSigma) g[4] = n * (sey[r] * ex[c] + ey[r] * sex[c]);
      const w = 1 / variance;
      for (let i = 0; i < p; i++) {
        const gi = g[i] * w;
        for (let j = i; j < p; j++) fisher[i * p + j] += gi * g[j];
      }
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) fisher[i * p + j] = fisher[j * p + i];
  return { matrix: fisher, size: p };
}

/**
 * Exact CRLB of a pixel-integrated Gaussian spot (see module header). Returns √CRLB of each
 * parameter; all Infinity when the Fisher matrix is singular (e.g. photons = 0).
 */
export function crlbGaussian2D(opts: CrlbOptions): CrlbResult {
  const { matrix, size } = fisherGaussian2D(opts);
  const inv = invertSpd(matrix, size);
  const cov = inv ?? new Float64Array(size * size).fill(Number.POSITIVE_INFINITY);
  const sd = (i: number): number => Math.sqrt(cov[i * size + i]);
  const out: CrlbResult = {
    y: sd(0),
    x: sd(1),
    photons: sd(2),
    background: sd(3),
    size,
    covariance: cov,
  };
  if (size === 5) out.sigma = sd(4);
  return out;
}

/** Inputs of {@link crlbGaussian3D} / {@link fisherGaussian3D}. */
export interface Crlb3dOptions {
  /** Lateral (y, x) Gaussian PSF standard deviation in voxels (> 0). */
  sigma: number;
  /** Axial (z) Gaussian PSF standard deviation in slices (> 0). */
  sigmaZ: number;
  /** Expected total photons of the spot, N (>= 0). */
  photons: number;
  /** Expected background photons per voxel, β (>= 0). */
  background: number;
  /** Gaussian read noise rms in photons (electrons); its variance is added to μ_k. Default 0. */
  readNoise?: number;
  /** Spot centre's slice offset from the window's central voxel centre. Default 0. */
  offsetZ?: number;
  /** Spot centre's row offset from the window's central voxel centre, px. Default 0. */
  offsetY?: number;
  /** Spot centre's column offset from the window's central voxel centre, px. Default 0. */
  offsetX?: number;
  /** Lateral window half-width h: (2h+1)×(2h+1) pixels per slice. Default 8. */
  halfWidth?: number;
  /** Axial window half-width h_z: 2h_z+1 slices. Default 8. */
  halfWidthZ?: number;
  /**
   * Slices that exist, relative to the central slice, as [lo, hi] (e.g. [−k, depth−1−k] for a
   * spot nearest slice k of a stack of `depth` slices): the window is clipped to them. Default:
   * no clipping.
   */
  sliceRange?: [number, number];
}

/** Standard deviations (√CRLB) of a 3-D spot's parameters, plus the full covariance bound. */
export interface Crlb3dResult {
  /** √CRLB of the slice (z) coordinate, slices. */
  z: number;
  /** √CRLB of the row (y) coordinate, px. */
  y: number;
  /** √CRLB of the column (x) coordinate, px. */
  x: number;
  /** √CRLB of the photon count N. */
  photons: number;
  /** √CRLB of the background β, photons/voxel. */
  background: number;
  /** 5×5 inverse Fisher matrix, row-major, order (z0, y0, x0, N, β); all Infinity when singular. */
  covariance: Float64Array;
}

/**
 * Fisher information of θ = (z0, y0, x0, N, β) for a voxel-integrated, separable 3-D Gaussian
 * μ_k = N·E_z(s_k)·E_y(r_k)·E_x(c_k) + β (σ and σ_z known) under Poisson noise plus read noise
 * (variance μ_k + r², as {@link fisherGaussian2D}), over a (2h_z+1)×(2h+1)×(2h+1) window
 * (clipped to `sliceRange`). Returns the 5×5 matrix row-major.
 */
export function fisherGaussian3D(opts: Crlb3dOptions): Float64Array {
  const { sigma, sigmaZ, photons: n, background: beta } = opts;
  const read = opts.readNoise ?? 0;
  const h = opts.halfWidth ?? DEFAULT_CRLB_HALF_WIDTH;
  const hz = opts.halfWidthZ ?? DEFAULT_CRLB_HALF_WIDTH;
  if (!(sigma > 0) || !(sigmaZ > 0)) throw new RangeError(`CRLB: sigma and sigmaZ must be > 0, got ${sigma}, ${sigmaZ}`);
  if (!(n >= 0) || !(beta >= 0) || !(read >= 0)) {
    throw new RangeError('CRLB: photons, background and readNoise must be >= 0');
  }
  for (const [v, name] of [
    [h, 'halfWidth'],
    [hz, 'halfWidthZ'],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 0)) throw new RangeError(`CRLB: ${name} must be an integer >= 0, got ${v}`);
  }
  const [lo, hi] = opts.sliceRange ?? [-hz, hz];
  const s0 = Math.max(-hz, Math.ceil(lo));
  const s1 = Math.min(hz, Math.floor(hi));
  const fisher = new Float64Array(25);
  if (s0 > s1) return fisher;
  const mz = s1 - s0 + 1;
  const m = 2 * h + 1;
  // Window coordinates: slice index j ↔ s0 + j relative to the centre slice; pixel k ↔ k − h.
  const z0 = opts.offsetZ ?? 0;
  const y0 = h + (opts.offsetY ?? 0);
  const x0 = h + (opts.offsetX ?? 0);
  const ez = pixelIntegratedGaussianRow(new Float64Array(mz), s0, z0, sigmaZ);
  const ey = pixelIntegratedGaussianRow(new Float64Array(m), 0, y0, sigma);
  const ex = pixelIntegratedGaussianRow(new Float64Array(m), 0, x0, sigma);
  const dez = new Float64Array(mz);
  const dey = new Float64Array(m);
  const dex = new Float64Array(m);
  for (let j = 0; j < mz; j++) dez[j] = pixelIntegratedGaussianDx0(s0 + j, z0, sigmaZ);
  for (let k = 0; k < m; k++) {
    dey[k] = pixelIntegratedGaussianDx0(k, y0, sigma);
    dex[k] = pixelIntegratedGaussianDx0(k, x0, sigma);
  }
  const g = new Float64Array(5);
  const varRead = read * read;
  for (let s = 0; s < mz; s++) {
    for (let r = 0; r < m; r++) {
      const zy = ez[s] * ey[r];
      for (let c = 0; c < m; c++) {
        const psf = zy * ex[c];
        const variance = n * psf + beta + varRead;
        if (!(variance > 0)) continue; // a voxel with zero variance carries no usable term
        g[0] = n * dez[s] * ey[r] * ex[c];
        g[1] = n * ez[s] * dey[r] * ex[c];
        g[2] = n * zy * dex[c];
        g[3] = psf;
        g[4] = 1;
        const w = 1 / variance;
        for (let i = 0; i < 5; i++) {
          const gi = g[i] * w;
          for (let j = i; j < 5; j++) fisher[i * 5 + j] += gi * g[j];
        }
      }
    }
  }
  for (let i = 0; i < 5; i++) for (let j = 0; j < i; j++) fisher[i * 5 + j] = fisher[j * 5 + i];
  return fisher;
}

/**
 * Exact CRLB of a voxel-integrated 3-D Gaussian spot (σ, σ_z known; see
 * {@link fisherGaussian3D}): √CRLB of z0, y0, x0, N and β for an isolated spot on a flat
 * background. All Infinity when the Fisher matrix is singular (e.g. photons = 0).
 */
export function crlbGaussian3D(opts: Crlb3dOptions): Crlb3dResult {
  const inv = invertSpd(fisherGaussian3D(opts), 5);
  const cov = inv ?? new Float64Array(25).fill(Number.POSITIVE_INFINITY);
  const sd = (i: number): number => Math.sqrt(cov[i * 5 + i]);
  return { z: sd(0), y: sd(1), x: sd(2), photons: sd(3), background: sd(4), covariance: cov };
}
