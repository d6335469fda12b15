/**
 * Automatic quality threshold for the LoG detector (no user input).
 *
 * Rule ("LoG-FDR"), all in units of the robust noise scale of the LoG response F:
 *   1. m = median(F), s = 1.4826 * MAD(F) (median absolute deviation; subsample of <= ~65k
 *      pixels). The MAD of F is dominated by background pixels; in dense images spots inflate it,
 *      which (measured) also absorbs the extra spurious maxima on the flanks of bright spots.
 *   2. Candidates: local maxima of F (3x3, see maxima.ts) with u = (F - m) / s > AUTO_K_MIN.
 *   3. Expected number of pure-noise maxima above u in an H x W image, from the Euler
 *      characteristic of a smooth isotropic Gaussian random field (Adler; Worsley et al. 1996):
 *        E(u) = H W * lambda / (2 pi)^(3/2) * u * exp(-u^2 / 2),
 *      lambda = Var(dF/dx) / Var(F) = 3 / (2 sigma^2) for LoG-filtered white noise
 *      (sigma = radius / sqrt 2). Measured on Poisson noise images (bg 10 and 100, radius 1 to 4)
 *      the number of maxima above u agrees with E(u) within a factor ~2 for u = 3 to 5 (E is
 *      slightly low for bg 10, whose Poisson tail is heavier; high for radius <= 1 px).
 *   4. Benjamini-Hochberg step-up: with candidates sorted by decreasing u, take the largest i
 *      (1-based) such that E(u_i) <= AUTO_FDR * i; the threshold lies just below u_i (at the next
 *      candidate's quality), so the estimated false-discovery rate of what is kept is <= AUTO_FDR.
 *      If no i qualifies, threshold = m + AUTO_K_MAX * s. The threshold never exceeds
 *      m + AUTO_K_MAX * s and never goes below m + AUTO_K_MIN * s.
 * It adapts to image size, spot size and spot density, and an image of pure noise gives (almost)
 * no detections. A constant image gives threshold m (and no detections). Parameter choice and
 * measured F1: see the numbers quoted at AUTO_FDR; end-to-end accuracy and speed of the LoG
 * detector on the package's simulator: bench/log.ts (`npm run bench:log`).
 */
import type { Plane } from '../core/types.js';
import { checkRadius, logFilter, medianFilter3x3 } from './logfilter.js';
import { findLocalMaxima } from './maxima.js';
import { medianInPlace } from '../math/select.js';

/**
 * Robust location and scale of a LoG response: median and 1.4826 * MAD (median absolute
 * deviation; = the standard deviation for Gaussian noise), over the finite values of a
 * deterministic subsample of at most ~65k pixels (odd stride, so every column is visited).
 */
export function robustLevel(f: Float32Array): { median: number; sigma: number } {
  let stride = Math.max(1, Math.floor(f.length / 65536));
  if (stride > 1 && stride % 2 === 0) stride++;
  const vals = new Float64Array(Math.ceil(f.length / stride));
  let n = 0;
  for (let i = 0; i < f.length; i += stride) {
    const v = f[i];
    if (Number.isFinite(v)) vals[n++] = v;
  }
  if (n === 0) return { median: 0, sigma: 0 };
  const med = medianInPlace(vals, n);
  for (let i = 0; i < n; i++) vals[i] = Math.abs(vals[i] - med);
  const mad = medianInPlace(vals, n);
  return { median: med, sigma: 1.4826 * mad };
}

/**
 * Nominal false-discovery rate of the automatic threshold, chosen by measurement. Setup (a
 * one-off script, since removed): 256x256 images, 100 or 400 spots (min. distance 3 sigma + 2
 * px), PSF sigma 1 / 1.5 / 2 px, background 10 / 100 photons, peak SNR 2 / 4 / 7 in the ISBI
 * form with the amplitude of the CONTINUOUS Gaussian as peak (for the same SNR that is 8 / 4 /
 * 2 % fewer photons at sigma 1 / 1.5 / 2 than src/simulate's pixel-integrated peak, i.e.
 * slightly harder), Poisson noise only, matched radius sqrt(2) sigma, seeds 11-13; F1 at 3 px
 * with greedy nearest-pair matching.
 * Mean F1 by SNR 2 / 4 / 7:
 *   this rule, FDR 0.05: 0.633 / 0.989 / 0.999;  FDR 0.1: 0.680 / 0.986 / 0.997;
 *   FDR 0.2: 0.717 / 0.980 / 0.993;  floor k 2.5 instead of 3: same to 0.002;
 *   fixed k (threshold = median + k * MAD-sigma): k 3: 0.770 / 0.905 / 0.938,
 *   k 3.5: 0.743 / 0.973 / 0.986, k 4: 0.628 / 0.986 / 0.998, k 5: 0.335 / 0.952 / 1.000;
 *   Otsu on log-quality of the maxima: 0.569 / 0.838 / 0.976;
 *   best threshold in hindsight per image (oracle): 0.832 / 0.994 / 1.000.
 * Mean precision / recall of this rule by SNR 2 / 4 / 7: FDR 0.05: 0.986 / 0.993 / 0.997 and
 * 0.555 / 0.986 / 1.000; FDR 0.1: 0.971 / 0.983 / 0.993 and 0.617 / 0.990 / 1.000; FDR 0.2:
 * 0.941 / 0.967 / 0.987 and 0.670 / 0.993 / 1.000. The worst case is sigma 1 px on background
 * 100 at SNR 2: F1 0.026 at 100 spots for every FDR, 0.031 / 0.075 / 0.180 at 400 spots for FDR
 * 0.05 / 0.1 / 0.2 (oracle 0.445 / 0.632).
 * FDR 0.1 keeps precision >= 0.97 at every SNR; pure Poisson noise gives <= 1 detection per image
 * on average from 256x256 to 1024x1024.
 */
export const AUTO_FDR = 0.1;
/** Floor of the automatic threshold, in robust noise units above the median. */
export const AUTO_K_MIN = 3;
/** Cap of the automatic threshold, in robust noise units above the median. */
export const AUTO_K_MAX = 8;

export interface AutoThresholdOptions {
  /** nominal false-discovery rate (default AUTO_FDR) */
  fdr?: number;
  /** floor in noise units (default AUTO_K_MIN) */
  kMin?: number;
  /** cap in noise units (default AUTO_K_MAX) */
  kMax?: number;
}

/** Expected number of noise maxima above u noise units (Gaussian-field Euler characteristic). */
export function expectedNoiseMaxima(u: number, area: number, sigmaLoG: number): number {
  const lambda = 1.5 / (sigmaLoG * sigmaLoG);
  const uu = Math.max(u, 1); // u e^(-u^2/2) peaks at u = 1; keep E non-increasing below
  return ((area * lambda) / Math.pow(2 * Math.PI, 1.5)) * uu * Math.exp((-uu * uu) / 2);
}

/**
 * Automatic threshold from an already computed LoG response `f` (H x W) of spots of the given
 * radius. See the module note for the rule.
 */
export function autoThresholdFromResponse(f: Float32Array, H: number, W: number, radius: number, opts: AutoThresholdOptions = {}): number {
  checkRadius(radius);
  const sigmaLoG = radius / Math.SQRT2;
  return fdrThreshold(
    f,
    (floor) => findLocalMaxima(f, H, W, floor),
    (u) => expectedNoiseMaxima(u, H * W, sigmaLoG),
    opts,
  );
}

/**
 * The FDR rule on any LoG response (2-D or 3-D): robust level, candidate maxima above
 * median + kMin·σ (`peaks`), Benjamini–Hochberg against the expected number of noise maxima
 * above u noise units (`expected`), capped at median + kMax·σ; returns a threshold just below
 * the last accepted candidate.
 */
export function fdrThreshold(
  f: Float32Array,
  peaks: (floor: number) => ArrayLike<number>,
  expected: (u: number) => number,
  opts: AutoThresholdOptions = {},
): number {
  const fdr = opts.fdr ?? AUTO_FDR;
  const kMin = opts.kMin ?? AUTO_K_MIN;
  const kMax = Math.max(kMin, opts.kMax ?? AUTO_K_MAX);
  const level = robustLevel(f);
  const median = level.median;
  let sigma = level.sigma;
  if (!(sigma > 0)) {
    // (nearly) noise-free response: scale by the largest deviation so that real structure passes
    let dev = 0;
    for (let i = 0; i < f.length; i++) {
      const d = Math.abs(f[i] - median);
      if (d > dev) dev = d;
    }
    sigma = dev > 0 ? dev * 1e-6 : 0;
    if (sigma === 0) return median;
  }
  const floor = median + kMin * sigma;
  const cap = median + kMax * sigma;
  const found = peaks(floor);
  if (found.length === 0) return floor;
  const scores = new Float64Array(found.length);
  for (let i = 0; i < found.length; i++) scores[i] = f[found[i]];
  scores.sort();
  scores.reverse();
  let best = -1;
  for (let i = 0; i < scores.length; i++) {
    const u = (scores[i] - median) / sigma;
    if (expected(u) <= fdr * (i + 1)) best = i;
  }
  if (best < 0) return cap;
  // just below scores[best]: the next strictly smaller candidate quality, else the floor
  let thr = floor;
  for (let j = best + 1; j < scores.length; j++) {
    if (scores[j] < scores[best]) {
      thr = scores[j];
      break;
    }
  }
  return Math.min(thr, cap);
}

/**
 * Automatic LoG quality threshold for `plane` and spots of the given radius (px), chosen without
 * user input (see the module note). `median` applies the 3x3 median pre-filter first, as
 * detectLoG does with the same option.
 */
export function autoThreshold(plane: Plane, radius: number, opts: AutoThresholdOptions & { median?: boolean; exactKernel?: boolean } = {}): number {
  const src = opts.median ? medianFilter3x3(plane) : plane;
  const f = logFilter(src, radius, { exact: opts.exactKernel });
  return autoThresholdFromResponse(f, plane.height, plane.width, radius, opts);
}
