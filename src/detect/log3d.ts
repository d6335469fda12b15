/**
 * TrackMate-style Laplacian-of-Gaussian (LoG) spot detector for a 3-D stack (z, y, x), in voxel
 * units: the baseline of the 3-D network path. The 3-D counterpart of log.ts, with the same steps
 * and conventions (see log.ts for the 2-D detector and its deviations from TrackMate):
 * 1. LoG filter (logFilter3D) with sigma = radius / sqrt(2) in y and x and sigma_z =
 *    radiusZ / sqrt(2) in z, zero-sum corrected, mirror border; bright spots respond positively;
 * 2. local maxima in the 3x3x3 neighbourhood (mirror border) with value > threshold
 *    (findLocalMaxima3D; one voxel per plateau), or an automatic threshold (autoThreshold3D);
 * 3. optional quadratic sub-voxel refinement (refineSubvoxel), guarded by a negative-definite
 *    Hessian; quality (score) = filtered value at the integer maximum; descending quality.
 *
 * Kernel (trackmate-sc/TrackMate `DetectionUtils.createLoGKernel(radiusXY, radiusZ, nDims,
 * calibration)`, calibration 1, with sigma_d per axis):
 *   K(z, y, x) = -C * sum_d (1 / sigma_d^2) (t_d^2 / sigma_d^2 - 1) * exp(-sum_d t_d^2 / (2 sigma_d^2)),
 *   C = 1 / (pi sigma^2)  (sigma = the lateral sigma, as TrackMate's C = 1 / (pi sigmaPixels[0]^2)),
 * i.e. K = -C * Laplacian of the unnormalised Gaussian E = exp(-sum t_d^2 / 2 sigma_d^2). On one
 * slice (and in 2-D) this is exactly log.ts's kernel. It is applied as the sum of three separable
 * terms, K = h_z g_y g_x + g_z h_y g_x + g_z g_y h_x, with g_d(t) = exp(-t^2 / 2 sigma_d^2) and
 * h_d(t) = -C (t^2 / sigma_d^2 - 1) g_d(t) / sigma_d^2, on TrackMate's support (half-width
 * max(2, floor(3 sigma_d + 0.5) + 1) + 1 taps per axis). Each h_d is corrected to zero sum,
 * h_d <- h_d - (sum h_d / sum g_d) g_d, which makes the 3-D kernel sum exactly 0 (flat stack -> 0).
 * A Gaussian spot of amplitude A and the matched widths (sigma, sigma, sigma_z) gives a peak of
 * C * integral |grad E|^2 * A = (sqrt(pi) sigma_z / 2) (2 / sigma^2 + 1 / sigma_z^2) A, i.e.
 * (3 sqrt(pi) / 2) A / sigma ~ 2.66 A / sigma for isotropic voxels (2-D: A / sigma^2).
 *
 * Deviation from TrackMate (deliberate): TrackMate takes sigma = radius / sqrt(nDims), i.e.
 * radius / sqrt(3) in 3-D; here sigma = radius / sqrt(2) in every dimension, so that a radius
 * means the same spot size in 2-D and 3-D (and the 3-D filter of a one-slice stack is the 2-D one).
 * To reproduce TrackMate's 3-D kernel, pass radius * sqrt(2/3) (and radiusZ * sqrt(2/3)).
 * Sub-voxel refinement refines at the stack's borders too (the mirrored neighbours give zero
 * gradient across a border, so the offset along that axis is ~0), and an axis of size 1 is left
 * out of the fit; log.ts's 2-D refinement returns the integer position within 1 px of a border.
 */
import type { Stack } from '../core/types.js';
import { UserError } from '../core/errors.js';
import { mirrorIndex } from '../math/mirror.js';
import { checkRadius, logKernel } from './logfilter.js';
import { expectedNoiseMaxima, fdrThreshold, type AutoThresholdOptions } from './autothreshold.js';

/** Options of {@link detectLoG3D}. */
export interface Log3dOptions {
  /** estimated spot radius in px, in y and x (TrackMate "estimated object radius"); sigma = radius / sqrt(2) */
  radius: number;
  /**
   * spot radius in slices (z); sigma_z = radiusZ / sqrt(2). Default `radius` (isotropic voxels).
   * For anisotropic data: the spot's axial radius in slices, e.g. radius * pixelSize / zStep for a
   * round spot.
   */
  radiusZ?: number;
  /** quality threshold (maxima must be strictly above it), or 'auto' (the 3-D LoG-FDR rule, see {@link detectLoG3D}) */
  threshold: number | 'auto';
  /** quadratic sub-voxel refinement (default true, as TrackMate) */
  subpixel?: boolean;
  /** nominal false-discovery rate of the automatic threshold (default AUTO_FDR = 0.1) */
  fdr?: number;
}

/** One spot found by {@link detectLoG3D}: position (slice, row, column; voxel centres at integers) and quality. */
export interface Spot3D {
  /** Slice, voxels. */
  z: number;
  /** Row, px. */
  y: number;
  /** Column, px. */
  x: number;
  /** LoG quality: the filtered value at the integer maximum. */
  score: number;
}

function checkStack(stack: Stack): void {
  const { data, depth, height, width } = stack;
  if (!(Number.isInteger(depth) && Number.isInteger(height) && Number.isInteger(width) && depth >= 1 && height >= 1 && width >= 1)) {
    throw new UserError(`image stack must be at least 1x1x1, got ${depth}x${height}x${width}`);
  }
  if (data.length !== depth * height * width) {
    throw new Error(`stack data has ${data.length} values, expected ${depth}x${height}x${width}`);
  }
}

/** 1-D factors g, h of one axis (zero-sum corrected h), taps -half..half stored as j = 0..half. */
interface AxisKernel {
  half: number;
  g: Float64Array;
  h: Float64Array;
}

function axisKernel(r: number, C: number): AxisKernel {
  const { sigma, half, g } = logKernel(r); // same sigma, support and g as the 2-D kernel
  const s2 = sigma * sigma;
  const h = new Float64Array(half + 1);
  for (let j = 0; j <= half; j++) h[j] = (-C * ((j * j) / s2 - 1) * g[j]) / s2;
  let sg = g[0];
  let sh = h[0];
  for (let j = 1; j <= half; j++) {
    sg += 2 * g[j];
    sh += 2 * h[j];
  }
  const ratio = sh / sg;
  for (let j = 0; j <= half; j++) h[j] -= ratio * g[j];
  return { half, g, h };
}

/**
 * TrackMate-style 3-D LoG response of `stack` (C order z, y, x) for spots of radius `radius` px
 * in y and x and `radiusZ` slices in z: sigma = radius / sqrt(2), sigma_z = radiusZ / sqrt(2),
 * kernel -1/(pi sigma^2) * Laplacian of exp(-(x^2 + y^2) / 2 sigma^2 - z^2 / 2 sigma_z^2), zero-sum
 * corrected (a flat stack gives 0), mirror border (see the module note). Bright spots give a
 * positive response. Separable: about 3 * 4 bytes per voxel of working memory besides the input.
 * Returns a new Float32Array in the input's order.
 */
export function logFilter3D(stack: Stack, radius: number, radiusZ: number): Float32Array {
  checkStack(stack);
  checkRadius(radius);
  checkRadius(radiusZ);
  const { data, depth: D, height: H, width: W } = stack;
  const sigma = radius / Math.SQRT2;
  const C = 1 / (Math.PI * sigma * sigma);
  const lat = axisKernel(radius, C);
  const ax = axisKernel(radiusZ, C);
  const HW = H * W;
  // S = lateral LoG of each slice (h_y g_x + g_y h_x), P = lateral smoothing (g_y g_x)
  const S = new Float32Array(D * HW);
  const P = new Float32Array(D * HW);
  const k = lat.half;
  const g = lat.g;
  const h = lat.h;
  const A = new Float64Array(HW); // slice *x g
  const B = new Float64Array(HW); // slice *x h
  const pad = new Float64Array(W + 2 * k);
  const rowS = new Float64Array(W);
  const rowP = new Float64Array(W);
  for (let z = 0; z < D; z++) {
    const off = z * HW;
    // x pass
    for (let r = 0; r < H; r++) {
      const ro = off + r * W;
      for (let i = 0; i < W; i++) pad[k + i] = data[ro + i];
      for (let j = 0; j < k; j++) {
        pad[j] = data[ro + mirrorIndex(j - k, W)];
        pad[k + W + j] = data[ro + mirrorIndex(W + j, W)];
      }
      const o = r * W;
      for (let c = 0; c < W; c++) {
        const p = c + k;
        const v = pad[p];
        let a = g[0] * v;
        let b = h[0] * v;
        for (let j = 1; j <= k; j++) {
          const sm = pad[p - j] + pad[p + j];
          a += g[j] * sm;
          b += h[j] * sm;
        }
        A[o + c] = a;
        B[o + c] = b;
      }
    }
    // y pass: whole rows at a time (contiguous inner loops)
    for (let r = 0; r < H; r++) {
      const r0 = r * W;
      for (let c = 0; c < W; c++) {
        const a0 = A[r0 + c];
        rowS[c] = h[0] * a0 + g[0] * B[r0 + c];
        rowP[c] = g[0] * a0;
      }
      for (let j = 1; j <= k; j++) {
        const m = mirrorIndex(r - j, H) * W;
        const n = mirrorIndex(r + j, H) * W;
        const gj = g[j];
        const hj = h[j];
        for (let c = 0; c < W; c++) {
          const as = A[m + c] + A[n + c];
          rowS[c] += hj * as + gj * (B[m + c] + B[n + c]);
          rowP[c] += gj * as;
        }
      }
      const o = off + r0;
      for (let c = 0; c < W; c++) {
        S[o + c] = rowS[c];
        P[o + c] = rowP[c];
      }
    }
  }
  // z pass: out[z] = sum_j g_z[j] S[z +- j] + h_z[j] P[z +- j], slice by slice
  const out = new Float32Array(D * HW);
  const kz = ax.half;
  const acc = new Float64Array(HW);
  for (let z = 0; z < D; z++) {
    const o0 = z * HW;
    const g0 = ax.g[0];
    const h0 = ax.h[0];
    for (let i = 0; i < HW; i++) acc[i] = g0 * S[o0 + i] + h0 * P[o0 + i];
    for (let j = 1; j <= kz; j++) {
      const m = mirrorIndex(z - j, D) * HW;
      const n = mirrorIndex(z + j, D) * HW;
      const gj = ax.g[j];
      const hj = ax.h[j];
      for (let i = 0; i < HW; i++) acc[i] += gj * (S[m + i] + S[n + i]) + hj * (P[m + i] + P[n + i]);
    }
    for (let i = 0; i < HW; i++) out[o0 + i] = acc[i];
  }
  return out;
}

/**
 * Linear indices (C order) of the 3-D local maxima of `f` (D x H x W) with value > threshold, by
 * the rule of the 2-D findLocalMaxima (maxima.ts) over the 26 neighbours: voxel p is a maximum
 * iff f[p] > threshold, f[p] >= every neighbour, f[p] > every neighbour that precedes p in C
 * order, and f[p] > at least one neighbour; neighbours outside the stack are their mirror images,
 * compared as the voxel they stand for (never p itself). One voxel per (box-shaped) plateau; a
 * constant stack yields none; NaN is never a maximum and never blocks one.
 */
export function findLocalMaxima3D(f: Float32Array, D: number, H: number, W: number, threshold: number): Int32Array {
  let out = new Int32Array(64);
  let n = 0;
  const HW = H * W;
  const general = (z: number, r: number, c: number, p: number): boolean => {
    const v = f[p];
    let anyLower = false;
    for (let dz = -1; dz <= 1; dz++) {
      const zz = mirrorIndex(z + dz, D) * HW;
      for (let dr = -1; dr <= 1; dr++) {
        const rr = zz + mirrorIndex(r + dr, H) * W;
        for (let dc = -1; dc <= 1; dc++) {
          const q = rr + mirrorIndex(c + dc, W);
          if (q === p) continue;
          const u = f[q];
          if (u > v || (u === v && q < p)) return false;
          if (u < v || Number.isNaN(u)) anyLower = true;
        }
      }
    }
    return anyLower;
  };
  for (let z = 0; z < D; z++) {
    const zIn = z > 0 && z < D - 1;
    for (let r = 0; r < H; r++) {
      const rIn = zIn && r > 0 && r < H - 1;
      const row = (z * H + r) * W;
      for (let c = 0; c < W; c++) {
        const p = row + c;
        const v = f[p];
        if (!(v > threshold)) continue;
        let ok: boolean;
        if (rIn && c > 0 && c < W - 1) {
          ok = true;
          // earlier neighbours (q < p): strictly smaller; later ones: not larger
          for (let dz = -1; dz <= 1 && ok; dz++) {
            for (let dr = -1; dr <= 1 && ok; dr++) {
              const q0 = p + dz * HW + dr * W;
              for (let dc = -1; dc <= 1; dc++) {
                const q = q0 + dc;
                if (q === p) continue;
                const u = f[q];
                if (q < p ? u >= v : u > v) {
                  ok = false;
                  break;
                }
              }
            }
          }
        } else {
          ok = general(z, r, c, p);
        }
        if (ok) {
          if (n === out.length) {
            const bigger = new Int32Array(out.length * 2);
            bigger.set(out);
            out = bigger;
          }
          out[n++] = p;
        }
      }
    }
  }
  return out.slice(0, n);
}

/**
 * Sub-voxel position [z, y, x] of the maximum at integer (z, r, c) of `f` (D x H x W), as
 * imglib2 SubpixelLocalization configured by TrackMate (maxNumMoves 10, tolerance 0.5 + 0.01 per
 * move): gradient g and Hessian Hs by central differences at the current base voxel (mirror
 * border), offset = -Hs^-1 g (3x3 system); if some |offset| exceeds the tolerance the base moves
 * one voxel that way and the fit is redone. The integer position is returned when the Hessian is
 * not negative definite (our addition, as in 2-D), when the base would leave the stack, or when
 * 10 moves do not converge. An axis of size 1 is left out of the fit (offset 0 along it).
 */
export function refineSubvoxel(f: Float32Array, D: number, H: number, W: number, z: number, r: number, c: number): [number, number, number] {
  const HW = H * W;
  const at = (zz: number, rr: number, cc: number): number => f[mirrorIndex(zz, D) * HW + mirrorIndex(rr, H) * W + mirrorIndex(cc, W)];
  const dims = [D, H, W];
  let base = [z, r, c];
  const grad = [0, 0, 0];
  const hs = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const e = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let move = 0; move < 10; move++) {
    const [bz, br, bc] = base;
    const v = at(bz, br, bc);
    for (let a = 0; a < 3; a++) {
      const [az, ar, ac] = e[a];
      if (dims[a] === 1) {
        grad[a] = 0;
        hs[a][a] = -1; // left out of the fit
      } else {
        const p = at(bz + az, br + ar, bc + ac);
        const m = at(bz - az, br - ar, bc - ac);
        grad[a] = (p - m) * 0.5;
        hs[a][a] = p - 2 * v + m;
      }
      for (let b = a + 1; b < 3; b++) {
        let x = 0;
        if (dims[a] > 1 && dims[b] > 1) {
          const [bzz, brr, bcc] = e[b];
          x =
            (at(bz + az + bzz, br + ar + brr, bc + ac + bcc) -
              at(bz + az - bzz, br + ar - brr, bc + ac - bcc) -
              at(bz - az + bzz, br - ar + brr, bc - ac + bcc) +
              at(bz - az - bzz, br - ar - brr, bc - ac - bcc)) *
            0.25;
        }
        hs[a][b] = x;
        hs[b][a] = x;
      }
    }
    // negative definite: leading principal minors alternate in sign (-, +, -)
    const m1 = hs[0][0];
    const m2 = hs[0][0] * hs[1][1] - hs[0][1] * hs[1][0];
    const det =
      hs[0][0] * (hs[1][1] * hs[2][2] - hs[1][2] * hs[2][1]) -
      hs[0][1] * (hs[1][0] * hs[2][2] - hs[1][2] * hs[2][0]) +
      hs[0][2] * (hs[1][0] * hs[2][1] - hs[1][1] * hs[2][0]);
    if (!(m1 < 0 && m2 > 0 && det < 0 && Number.isFinite(det))) return [z, r, c];
    // offset = -Hs^-1 grad (Cramer's rule, Hs symmetric)
    const off = [0, 0, 0];
    for (let a = 0; a < 3; a++) {
      const m = hs.map((row) => row.slice());
      for (let i = 0; i < 3; i++) m[i][a] = grad[i];
      const da =
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
        m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
        m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
      off[a] = -da / det;
    }
    const tol = 0.5 + move * 0.01;
    const next = base.slice();
    let stable = true;
    for (let a = 0; a < 3; a++) {
      if (Math.abs(off[a]) > tol) {
        next[a] += off[a] > 0 ? 1 : -1;
        stable = false;
      }
    }
    if (stable) return [base[0] + off[0], base[1] + off[1], base[2] + off[2]];
    for (let a = 0; a < 3; a++) if (next[a] < 0 || next[a] > dims[a] - 1) return [z, r, c];
    base = next;
  }
  return [z, r, c];
}

/**
 * Expected number of noise maxima above u noise units in a D x H x W LoG response of white noise
 * (expected Euler characteristic of a smooth Gaussian random field in a box, Adler; Worsley et
 * al. 1996):
 *   E(u) = [mu3 (u^2 - 1) / (2 pi)^2 + mu2 u / (2 pi)^(3/2) + mu1 / (2 pi)] exp(-u^2 / 2),
 *   L_d = n_d sqrt(lambda_d) (n = D, H, W), mu3 = L_z L_y L_x, mu2 = L_z L_y + L_y L_x + L_z L_x,
 *   mu1 = L_z + L_y + L_x (mu2, mu1: the faces and edges of the box; the volume term dominates),
 * lambda_d = Var(dF/dt_d) / Var(F). For the 3-D LoG (K^ ~ |w|^2 exp(-sum sigma_d^2 w_d^2 / 2)),
 * with a_d = 1 / sigma_d^2 and Gaussian moments:
 *   lambda_d = a_d * N_d / Den, Den = (2 sum a^2 + (sum a)^2) / 4,
 *   N_d = 15/8 a_d^2 + 3/4 a_d (sum a - a_d) + 3/8 sum_{e != d} a_e^2 + 1/8 sum_{e != f, both != d} a_e a_f,
 * which gives 7 / (6 sigma^2) for isotropic voxels (the 2-D LoG: 3 / (2 sigma^2), autothreshold.ts).
 * u is taken as max(u, sqrt 3) (where (u^2 - 1) exp(-u^2 / 2) peaks) so that E never increases
 * with u. A one-slice stack uses the 2-D formula (expectedNoiseMaxima). Measured on Poisson
 * noise (background 10, 32x96x96): the maxima counts above u = 3 to 4.5 agree with E(u) within
 * 20 % at radius 2 isotropic and within a factor 2 for radius 1.5; for large kernels
 * relative to the stack (radius 3, or radiusZ 4 on 32 slices) the count at u = 4 to 4.5 is 3 to
 * 5 times E(u): the mirror border raises the response's noise on the outer faces (std x1.3 on
 * the first and last slice at radius 3), and the excess maxima sit there.
 */
export function expectedNoiseMaxima3D(u: number, depth: number, height: number, width: number, sigma: number, sigmaZ: number): number {
  if (depth === 1) return expectedNoiseMaxima(u, height * width, sigma);
  const a = [1 / (sigmaZ * sigmaZ), 1 / (sigma * sigma), 1 / (sigma * sigma)];
  const sa = a[0] + a[1] + a[2];
  const sa2 = a[0] * a[0] + a[1] * a[1] + a[2] * a[2];
  const den = (2 * sa2 + sa * sa) / 4;
  const lamb = [0, 0, 0];
  for (let d = 0; d < 3; d++) {
    const o = [0, 1, 2].filter((e) => e !== d);
    const nd = (15 / 8) * a[d] * a[d] + (3 / 4) * a[d] * (sa - a[d]) + (3 / 8) * (a[o[0]] * a[o[0]] + a[o[1]] * a[o[1]]) + (1 / 8) * 2 * a[o[0]] * a[o[1]];
    lamb[d] = (a[d] * nd) / den;
  }
  const uu = Math.max(u, Math.sqrt(3));
  const ex = Math.exp((-uu * uu) / 2);
  // intrinsic volumes of the box in units of the field's correlation lengths: (a, b, c) = extents * sqrt(lambda)
  const L = [depth * Math.sqrt(lamb[0]), height * Math.sqrt(lamb[1]), width * Math.sqrt(lamb[2])];
  const mu3 = L[0] * L[1] * L[2];
  const mu2 = L[0] * L[1] + L[1] * L[2] + L[0] * L[2];
  const mu1 = L[0] + L[1] + L[2];
  return (mu3 * (uu * uu - 1) * ex) / (4 * Math.PI * Math.PI) + (mu2 * uu * ex) / Math.pow(2 * Math.PI, 1.5) + (mu1 * ex) / (2 * Math.PI);
}

/**
 * Automatic quality threshold from a 3-D LoG response `f` (D x H x W): the 2-D rule of
 * autothreshold.ts ("LoG-FDR") with the 3-D noise-maxima model. m = median(f), s = 1.4826 MAD(f)
 * (robustLevel); candidates = 3-D local maxima with (f - m) / s > kMin (default AUTO_K_MIN = 3);
 * Benjamini-Hochberg step-up with E(u) = expectedNoiseMaxima3D: the largest i (by decreasing
 * quality) with E(u_i) <= fdr * i sets the threshold just below u_i; none: m + kMax s (default
 * AUTO_K_MAX = 8). The threshold lies in [m + kMin s, m + kMax s]; a constant stack gives m.
 */
export function autoThreshold3D(
  f: Float32Array,
  depth: number,
  height: number,
  width: number,
  radius: number,
  radiusZ: number,
  opts: AutoThresholdOptions = {},
): number {
  checkRadius(radius);
  checkRadius(radiusZ);
  const sLat = radius / Math.SQRT2;
  const sZ = radiusZ / Math.SQRT2;
  return fdrThreshold(
    f,
    (floor) => findLocalMaxima3D(f, depth, height, width, floor),
    (u) => expectedNoiseMaxima3D(u, depth, height, width, sLat, sZ),
    opts,
  );
}

/**
 * Detect spots in a 3-D stack (C order z, y, x) with a TrackMate-style 3-D LoG detector:
 * {@link logFilter3D} response, 3-D local maxima in the 3x3x3 neighbourhood (mirror border, one
 * voxel per plateau) strictly above the threshold, quadratic sub-voxel refinement (3x3 Hessian
 * system at the maximum; the integer voxel is kept where the Hessian is not negative definite or
 * the fit does not settle within 0.5 voxel after up to 10 one-voxel moves, as imglib2's
 * SubpixelLocalization). Quality (score) = response at the integer maximum.
 *
 * Threshold 'auto' (the 2-D LoG-FDR rule extended to volumes): m = median and s = 1.4826 MAD of
 * the response; candidates = maxima above m + 3 s; Benjamini-Hochberg step-up at `fdr` (default
 * 0.1) against the expected number of pure-noise maxima above u = (q - m) / s in the volume, from
 * the Euler characteristic of a smooth Gaussian random field,
 * E(u) ~ D H W sqrt(lambda_z lambda_y lambda_x) (u^2 - 1) exp(-u^2 / 2) / (2 pi)^2
 * (+ face and edge terms), lambda_d = the response's gradient-to-value variance ratio along axis d
 * (7 / (6 sigma^2) for isotropic voxels); capped at m + 8 s.
 *
 * Returns the spots, (z, y, x) in voxels, sorted by descending quality, and the threshold used.
 */
export function detectLoG3D(stack: Stack, opts: Log3dOptions): { spots: Spot3D[]; threshold: number } {
  checkStack(stack);
  checkRadius(opts.radius);
  const radiusZ = opts.radiusZ ?? opts.radius;
  checkRadius(radiusZ);
  const { depth: D, height: H, width: W } = stack;
  const f = logFilter3D(stack, opts.radius, radiusZ);
  let threshold: number;
  if (opts.threshold === 'auto') {
    threshold = autoThreshold3D(f, D, H, W, opts.radius, radiusZ, { fdr: opts.fdr });
  } else if (typeof opts.threshold === 'number' && !Number.isNaN(opts.threshold)) {
    threshold = opts.threshold;
  } else {
    throw new UserError(`LoG threshold must be a number or 'auto', got ${String(opts.threshold)}`);
  }
  const peaks = findLocalMaxima3D(f, D, H, W, threshold);
  const subpixel = opts.subpixel ?? true;
  const HW = H * W;
  const spots: Spot3D[] = new Array(peaks.length);
  for (let i = 0; i < peaks.length; i++) {
    const p = peaks[i];
    const z = Math.floor(p / HW);
    const rem = p - z * HW;
    const r = Math.floor(rem / W);
    const c = rem - r * W;
    if (subpixel) {
      const [zz, rr, cc] = refineSubvoxel(f, D, H, W, z, r, c);
      spots[i] = { z: zz, y: rr, x: cc, score: f[p] };
    } else {
      spots[i] = { z, y: r, x: c, score: f[p] };
    }
  }
  spots.sort((a, b) => b.score - a.score);
  return { spots, threshold };
}
