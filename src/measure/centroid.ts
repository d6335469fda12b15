/**
 * Sub-pixel refinement of a spot position by the Gaussian-mask centroid (Thompson, Larson &
 * Webb, Biophys. J. 2002): iterate  (r, c) ← Σ p·I(p)·g(p − (r, c)) / Σ I(p)·g(p − (r, c))  over
 * a (2·half+1)² window, with g a Gaussian of std `sigma` and I the background-subtracted image
 * (negative values count as 0). For a symmetric spot it is unbiased whatever its width, and
 * close to the maximum-likelihood precision for isolated spots at a fraction of the cost of the
 * MLE fit (≈ 0.1–1 µs vs 25–45 µs per spot). Guard: a refinement that moves the spot by more than
 * `maxShift` px (a neighbour or a structure pulling it) is discarded.
 *
 * The network path runs it on its own input (contrast in noise units, src/preprocess/noise.ts),
 * so the background is already subtracted.
 */
import type { Point } from '../core/types.js';

export interface CentroidOptions {
  /** Mask std in px (default 1.3). */
  sigma: number;
  /** Window half-width in px (default 3 → 7×7). */
  half: number;
  /** Iterations (default 3). */
  iterations: number;
  /** Largest accepted shift from the start position in px (default 1). */
  maxShift: number;
}

export const DEFAULT_CENTROID: CentroidOptions = { sigma: 1.3, half: 3, iterations: 3, maxShift: 1 };

/** Refined position of the spot starting at (r0, c0) in a background-subtracted h×w image. */
export function gaussianMaskCentroid(img: ArrayLike<number>, h: number, w: number, r0: number, c0: number, opts: CentroidOptions = DEFAULT_CENTROID): Point {
  const { sigma, half, iterations, maxShift } = opts;
  const k = -0.5 / (sigma * sigma);
  let r = r0;
  let c = c0;
  for (let it = 0; it < iterations; it++) {
    const ir = Math.round(r);
    const ic = Math.round(c);
    let sw = 0;
    let sr = 0;
    let sc = 0;
    for (let y = ir - half; y <= ir + half; y++) {
      if (y < 0 || y >= h) continue;
      const gy = (y - r) * (y - r);
      for (let x = ic - half; x <= ic + half; x++) {
        if (x < 0 || x >= w) continue;
        const v = img[y * w + x];
        if (!(v > 0)) continue;
        const wgt = v * Math.exp(k * (gy + (x - c) * (x - c)));
        sw += wgt;
        sr += wgt * y;
        sc += wgt * x;
      }
    }
    if (!(sw > 0)) return [r0, c0];
    r = sr / sw;
    c = sc / sw;
  }
  return (r - r0) ** 2 + (c - c0) ** 2 > maxShift * maxShift ? [r0, c0] : [r, c];
}
