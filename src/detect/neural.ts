/**
 * Neural detection of one plane: normalise → (tiles with overlap) → network → decode grid →
 * refine each position (Gaussian-mask centroid on the normalised tile) → points in our
 * convention (pixel centres at integers) with the cell probability as score.
 *
 * Tiling keeps memory bounded for images of any size (the original padded the whole image to
 * a power of two and ran one pass, which ran out of memory on large images). Tiles are
 * aligned to the network's input multiple, read `overlap` px of context on each side, and
 * keep only the spots whose centre falls in their core, so every spot is reported once.
 * Normalisation is computed once per plane and applied tile by tile, so the only full-size
 * array is the image itself. Lean networks are local, so with an overlap at least their
 * receptive field tiled and untiled outputs are identical; the paper network's
 * squeeze-excitation blocks pool globally, so there they differ slightly (tested: the same
 * spots within a small tolerance).
 */
import type { Detection, Plane, PlaneData } from '../core/types.js';
import type { Predictor } from '../engine/engine.js';
import { inputMultiple, type NetworkSpec } from '../network/spec.js';
import { detectSpots } from '../network/grid-spots.js';
import type { Normalization } from '../model/model.js';
import { planeStats } from '../preprocess/normalize.js';
import { mirrorIndex } from './logfilter.js';
import { noiseModel, noiseWindow } from '../preprocess/noise.js';
import { gaussianMaskCentroid } from '../measure/centroid.js';

export interface NeuralOptions {
  /** Probability threshold (strict >); default the model's. */
  threshold: number;
  normalization: Normalization;
  /** Largest tile edge in px (default 512). Images up to this size run in one pass. */
  tileSize: number;
  /** Context on each side of a tile's core in px (default 32). */
  overlap: number;
  /** Called after each tile of a tiled image: (tiles done, tiles in total). */
  progress?: (done: number, total: number) => void;
  /**
   * Refine each grid position by a Gaussian-mask centroid on the network's input
   * (measure/centroid.ts). Default: refinesByDefault(normalization).
   */
  refine?: boolean;
}

export const DEFAULT_TILE = 512;
export const DEFAULT_OVERLAP = 32;
/**
 * Lean networks: their activations are 16× smaller, so tiles can be larger, and the 64 px
 * overlap covers the receptive field of the bundled design (15 cells of 4 px plus the cell's
 * own 3 px: 63 px), so tiling changes nothing.
 */
export const LEAN_TILE = 1024;
export const LEAN_OVERLAP = 64;

/** Default tile edge and overlap for a network. */
export function tilingFor(spec: NetworkSpec): { tileSize: number; overlap: number } {
  return spec.config.architecture === 'lean' ? { tileSize: LEAN_TILE, overlap: LEAN_OVERLAP } : { tileSize: DEFAULT_TILE, overlap: DEFAULT_OVERLAP };
}

/** Above this many pixels, quantiles are taken on an evenly strided sample of this size. */
export const QUANTILE_SAMPLE = 1 << 24;

/**
 * Value at quantile q of the data (linear interpolation, NaNs excluded), on a copy. Planes of
 * more than QUANTILE_SAMPLE pixels (16.8 M, e.g. 4096²) use every k-th pixel so that the copy
 * stays bounded (64 MB); the result is then an estimate.
 */
export function quantile(data: PlaneData, q: number): number {
  const step = Math.max(1, Math.ceil(data.length / QUANTILE_SAMPLE));
  const s = new Float32Array(Math.ceil(data.length / step));
  let n = 0;
  for (let i = 0; i < data.length; i += step) {
    const v = data[i];
    if (!Number.isNaN(v)) s[n++] = v;
  }
  if (n === 0) return NaN;
  const sorted = s.subarray(0, n).sort();
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
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
export function normalization(plane: Plane, n: Exclude<Normalization, { method: 'noise' }>): Affine {
  if (n.method === 'zscore') {
    const s = planeStats(plane);
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
 * background and noise maps (normalize/noise.ts); the others are one affine map per plane.
 */
export function normalizer(plane: Plane, n: Normalization): Normalizer {
  const { data, height: H, width: W } = plane;
  if (n.method === 'noise') {
    const model = noiseModel(plane);
    return (r0, c0, h, w) => noiseWindow(data, H, W, r0, c0, h, w, model, mirrorIndex);
  }
  const affine = normalization(plane, n);
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
export function window(data: PlaneData, H: number, W: number, r0: number, c0: number, h: number, w: number, affine: Affine = { offset: 0, scale: 1 }): Float32Array {
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

const roundUp = (v: number, m: number) => Math.ceil(v / m) * m;

/** Tile cores along one axis: [start, end) pairs, starts multiples of `m`. */
export function tileCores(n: number, core: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += core) out.push([s, Math.min(n, s + core)]);
  return out;
}

export async function detectNeural(
  plane: Plane,
  spec: NetworkSpec,
  predictor: Predictor,
  opts: NeuralOptions,
): Promise<Detection[]> {
  const { height: H, width: W } = plane;
  const m = inputMultiple(spec);
  const cell = spec.config.cellSize;
  const norm = normalizer(plane, opts.normalization);
  const overlap = roundUp(opts.overlap, m);
  const tile = Math.max(roundUp(opts.tileSize, m), 2 * overlap + m);
  const out: Detection[] = [];
  const run = async (r0: number, c0: number, h: number, w: number, keep: (r: number, c: number) => boolean) => {
    const input = norm(r0, c0, h, w);
    const grid = await predictor.run(input, h, w);
    const { points, probabilities } = detectSpots({ data: grid, nrow: h / cell, ncol: w / cell }, cell, opts.threshold);
    if (opts.refine ?? refinesByDefault(opts.normalization)) points.forEach((p, k) => (points[k] = gaussianMaskCentroid(input, h, w, p[0], p[1])));
    points.forEach(([r, c], k) => {
      const gr = r + r0;
      const gc = c + c0;
      if (keep(gr, gc)) out.push({ r: gr, c: gc, score: probabilities[k] });
    });
  };
  const inside = (r: number, c: number) => r >= -0.5 && r < H - 0.5 && c >= -0.5 && c < W - 0.5;
  if (H <= tile && W <= tile) {
    await run(0, 0, roundUp(H, m), roundUp(W, m), inside);
    return out;
  }
  const core = tile - 2 * overlap;
  const rowCores = tileCores(H, core);
  const colCores = tileCores(W, core);
  let done = 0;
  for (const [rs, re] of rowCores) {
    for (const [cs, ce] of colCores) {
      const r0 = Math.max(0, rs - overlap);
      const c0 = Math.max(0, cs - overlap);
      const h = roundUp(Math.min(H, re + overlap) - r0, m);
      const w = roundUp(Math.min(W, ce + overlap) - c0, m);
      await run(r0, c0, h, w, (r, c) => inside(r, c) && r >= rs - 0.5 && r < re - 0.5 && c >= cs - 0.5 && c < ce - 0.5);
      opts.progress?.(++done, rowCores.length * colCores.length);
    }
  }
  return out;
}
