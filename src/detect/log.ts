/**
 * TrackMate-style Laplacian-of-Gaussian (LoG) spot detector for one 2-D plane, in pixel units.
 *
 * Follows trackmate-sc/TrackMate `detection/LogDetector.java` + `DetectionUtils.java`
 * (`createLoGKernel`, `findLocalMaxima`) and imglib2 `SubpixelLocalization`:
 * 1. optional 3x3 median pre-filter (medianFilter3x3);
 * 2. LoG filter with sigma = radius / sqrt(2), TrackMate's kernel and support, mirror border
 *    (logFilter, logfilter.ts); bright spots give a positive response;
 * 3. local maxima in the 3x3 neighbourhood (mirror border) with value > threshold
 *    (findLocalMaxima, maxima.ts), or an automatic threshold (autothreshold.ts);
 * 4. optional quadratic sub-pixel refinement (refineSubpixel, maxima.ts);
 *    quality (score) = filtered value at the integer maximum; sorted by descending quality.
 *
 * Deviations from TrackMate (deliberate):
 * - the LoG kernel is corrected to zero sum by default (flat image -> 0; `exactKernel: true`
 *   restores TrackMate's values, which differ by at most ~1e-3 of the background level for
 *   radius >= 1 px);
 * - TrackMate's median filter pads with zeros (dark borders, hence spurious LoG responses along
 *   the edges); ours mirrors;
 * - TrackMate keeps maxima >= threshold and every pixel of a plateau; we keep value > threshold
 *   and one pixel per plateau (see findLocalMaxima);
 * - sub-pixel: a fit whose Hessian is not negative definite is not trusted (the integer peak is
 *   returned); imglib2 only guards against a singular Hessian.
 */
import type { Plane, Spot } from '../core/types.js';
import { UserError } from '../core/errors.js';
import { autoThresholdFromResponse } from './autothreshold.js';
import { checkPlane, checkRadius, logFilter, medianFilter3x3 } from './logfilter.js';
import { findLocalMaxima, subpixelSteps } from './maxima.js';

export { logKernel, logKernel2D, logFilterKernel, logFilter, medianFilter3x3, type LogKernel, type LogFilterOptions } from './logfilter.js';
export { findLocalMaxima, refineSubpixel } from './maxima.js';
export {
  AUTO_FDR,
  AUTO_K_MIN,
  AUTO_K_MAX,
  autoThreshold,
  autoThresholdFromResponse,
  expectedNoiseMaxima,
  robustLevel,
  type AutoThresholdOptions,
} from './autothreshold.js';

export interface LogOptions {
  /** estimated spot radius in px (TrackMate "estimated object radius"); sigma = radius / sqrt(2) */
  radius: number;
  /** quality threshold (maxima must be strictly above it), or 'auto' (see autothreshold.ts) */
  threshold: number | 'auto';
  /** 3x3 median pre-filter (default false, as TrackMate) */
  median?: boolean;
  /** quadratic sub-pixel refinement (default true, as TrackMate) */
  subpixel?: boolean;
  /** nominal false-discovery rate of the automatic threshold (default AUTO_FDR) */
  fdr?: number;
  /** use TrackMate's kernel without the zero-sum correction (see LogFilterOptions.exact) */
  exactKernel?: boolean;
}

/** Detect spots with the TrackMate LoG detector; sorted by descending quality (score). */
export function detectLoG(plane: Plane, opts: LogOptions): Spot[] {
  return detectLoGWithThreshold(plane, opts).spots;
}

/** As detectLoG, also returning the threshold used (useful with threshold 'auto'). */
export function detectLoGWithThreshold(plane: Plane, opts: LogOptions): { spots: Spot[]; threshold: number } {
  checkPlane(plane);
  checkRadius(opts.radius);
  const { height: H, width: W } = plane;
  const src = opts.median ? medianFilter3x3(plane) : plane;
  const f = logFilter(src, opts.radius, { exact: opts.exactKernel });
  let threshold: number;
  if (opts.threshold === 'auto') {
    threshold = autoThresholdFromResponse(f, H, W, opts.radius, { fdr: opts.fdr });
  } else if (typeof opts.threshold === 'number' && !Number.isNaN(opts.threshold)) {
    threshold = opts.threshold;
  } else {
    throw new UserError(`LoG threshold must be a number or 'auto', got ${String(opts.threshold)}`);
  }
  const { spots } = maximaSpots(f, H, W, threshold, opts.subpixel ?? true);
  // stable sort: equal qualities keep raster order
  spots.sort((a, b) => b.score - a.score);
  return { spots, threshold };
}

/**
 * The LoG spots of a part of a plane (pipeline/parts.ts): the filter on `box` (the part's box
 * of the whole plane, reaching at least the kernel's half-width + 2 px beyond the core, or to the
 * plane's edge), the maxima whose pixel lies in the core [rs, re) × [cs, ce) (whole-plane
 * coordinates), refined as detectLoG refines them. The filter, maxima and refinement are local,
 * so these are exactly the whole plane's spots in the core; `keys` are their whole-plane raster
 * indices (the whole run lists spots by descending quality, ties in raster order). The
 * threshold must be a number: 'auto' is a property of the whole plane's response.
 */
export function detectLoGPart(
  box: Plane,
  part: { y0: number; x0: number; width: number; rs: number; re: number; cs: number; ce: number },
  opts: LogOptions,
): { spots: Spot[]; keys: number[] } {
  checkRadius(opts.radius);
  if (typeof opts.threshold !== 'number' || Number.isNaN(opts.threshold)) {
    throw new UserError("a part of an image needs a numeric LoG threshold (--threshold); 'auto' is computed from the whole image", undefined, 'invalid-option');
  }
  const { height: H, width: W } = box;
  const src = opts.median ? medianFilter3x3(box) : box;
  const f = logFilter(src, opts.radius, { exact: opts.exactKernel });
  const { spots, keys } = maximaSpots(f, H, W, opts.threshold, opts.subpixel ?? true, part);
  const found = spots.map((spot, k) => ({ spot, key: keys[k] }));
  found.sort((a, b) => b.spot.score - a.spot.score || a.key - b.key);
  return { spots: found.map((s) => s.spot), keys: found.map((s) => s.key) };
}

/**
 * The maxima of a LoG response `f` (H×W) above `threshold` as spots, in raster order, refined
 * (subpixel) as TrackMate refines them, with their raster index in the whole plane as `keys`.
 * `part`: `f` is the response of a box of a larger plane whose first row and column are (y0, x0)
 * and whose width is `width`; only maxima whose pixel lies in [rs, re) × [cs, ce) are kept, and
 * positions are the base pixel moved to the whole plane plus the offset (the whole plane's arithmetic).
 */
function maximaSpots(
  f: Float32Array,
  H: number,
  W: number,
  threshold: number,
  subpixel: boolean,
  part: { y0: number; x0: number; width: number; rs: number; re: number; cs: number; ce: number } = { y0: 0, x0: 0, width: W, rs: 0, re: H, cs: 0, ce: W },
): { spots: Spot[]; keys: number[] } {
  const spots: Spot[] = [];
  const keys: number[] = [];
  for (const p of findLocalMaxima(f, H, W, threshold)) {
    const r = Math.floor(p / W);
    const c = p - r * W;
    const gr = r + part.y0;
    const gc = c + part.x0;
    if (gr < part.rs || gr >= part.re || gc < part.cs || gc >= part.ce) continue;
    const [br, or, bc, oc] = subpixel ? subpixelSteps(f, H, W, r, c) : [r, 0, c, 0];
    spots.push({ y: br + part.y0 + or, x: bc + part.x0 + oc, score: f[p] });
    keys.push(gr * part.width + gc);
  }
  return { spots, keys };
}
