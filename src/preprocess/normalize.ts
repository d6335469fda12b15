/**
 * Preprocessing of one plane before a detector sees it: the check that there is something to
 * detect (finite, not constant), and the network's input normalisation. A normaliser is built
 * once per plane (its statistics computed once) and applied window by window (tiles,
 * preprocess/tiles.ts), so no normalised copy of a whole large image is ever made.
 *
 * Normalisations: 'zscore' per plane (the original deepBlink's), 'percentile' (robust min–max),
 * 'noise' (local contrast in local noise units, preprocess/noise.ts; the bundled models' own).
 */
import type { FloatPlane, Plane, PlaneData } from '../core/types.js';
import { mirrorIndex } from '../math/mirror.js';
import { quantile } from '../math/select.js';
import { noiseModel, noiseWindow, type NoiseGlobals } from './noise.js';
import { planeStats, type PlaneStats } from './check.js';

/**
 * Network input normalisation: 'zscore' per plane (the original's), 'percentile' (robust
 * min–max), or 'noise': contrast over the local background in local noise units
 * (preprocess/noise.ts; the bundled models since 0.2).
 */
export type Normalization = { method: 'zscore' } | { method: 'percentile'; low: number; high: number } | { method: 'noise' };

/**
 * Per-plane z-score as the original deepBlink: (x - mean) / std with the population std.
 * Returns a new plane.
 */
export function zscore(plane: Plane, s: PlaneStats = planeStats(plane)): FloatPlane {
  const out = new Float32Array(plane.data.length);
  const inv = s.std > 0 ? 1 / s.std : 0;
  for (let i = 0; i < out.length; i++) out[i] = (plane.data[i] - s.mean) * inv;
  return { data: out, height: plane.height, width: plane.width };
}

/** A per-plane normalisation as an affine map: normalised = (x − offset) · scale. */
export interface Affine {
  offset: number;
  scale: number;
}

/**
 * 'zscore': (x − mean)/std over the plane (the original's per-plane normalisation).
 * 'percentile': (x − P_low)/(P_high − P_low), robust to a few very bright pixels.
 */
export function normalization(plane: Plane, n: Exclude<Normalization, { method: 'noise' }>, stats?: PlaneStats): Affine {
  if (n.method === 'zscore') {
    const s = stats ?? planeStats(plane);
    return { offset: s.mean, scale: s.std > 0 ? 1 / s.std : 0 };
  }
  const lo = quantile(plane.data, n.low / 100);
  const hi = quantile(plane.data, n.high / 100);
  return { offset: lo, scale: hi > lo ? 1 / (hi - lo) : 0 };
}

/**
 * Whether grid positions are refined by the Gaussian-mask centroid unless told otherwise: with
 * the 'noise' normalisation only, whose input has the background subtracted (on a z-scored
 * input the background would pull spots to the window centre).
 */
export function refinesByDefault(n: Normalization): boolean {
  return n.method === 'noise';
}

/** Produces normalised windows of one plane (reflect-padded where a window leaves the image). */
export type Normalizer = (r0: number, c0: number, h: number, w: number) => Float32Array;

/**
 * The plane's normaliser: its statistics are computed once, here, and applied window by
 * window (tiles), so no normalised copy of the whole image is ever made. 'noise' = local
 * background and noise maps (preprocess/noise.ts); the others are one affine map per plane.
 */
export function normalizer(plane: Plane, n: Normalization, stats?: PlaneStats, globals?: NoiseGlobals): Normalizer {
  const { data, height: H, width: W } = plane;
  if (n.method === 'noise') {
    const model = noiseModel(plane, undefined, stats, globals);
    return (r0, c0, h, w) => noiseWindow(data, H, W, r0, c0, h, w, model, mirrorIndex);
  }
  const affine = normalization(plane, n, stats);
  return (r0, c0, h, w) => window(data, H, W, r0, c0, h, w, affine);
}

/** The whole plane normalised (float32), for training crops, tests and small images. */
export function normalizePlane(plane: Plane, n: Normalization): Float32Array {
  return normalizer(plane, n)(0, 0, plane.height, plane.width);
}

/**
 * Window [r0, r0+h) × [c0, c0+w) of the plane, reflect-padded where it leaves the image, mapped
 * through `affine` (identity by default).
 */
export function window(
  data: PlaneData,
  H: number,
  W: number,
  r0: number,
  c0: number,
  h: number,
  w: number,
  affine: Affine = { offset: 0, scale: 1 },
): Float32Array {
  const out = new Float32Array(h * w);
  const { offset, scale } = affine;
  // columns inside the image form one run [a, b) of the window: copy it without index mirroring
  const a = Math.min(w, Math.max(0, -c0));
  const b = Math.max(a, Math.min(w, W - c0));
  for (let r = 0; r < h; r++) {
    const rr = mirrorIndex(r0 + r, H) * W;
    const o = r * w;
    for (let c = 0; c < a; c++) out[o + c] = (data[rr + mirrorIndex(c0 + c, W)] - offset) * scale;
    for (let c = a, src = rr + c0 + a; c < b; c++, src++) out[o + c] = (data[src] - offset) * scale;
    for (let c = b; c < w; c++) out[o + c] = (data[rr + mirrorIndex(c0 + c, W)] - offset) * scale;
  }
  return out;
}
