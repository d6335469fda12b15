/**
 * Neural detection of one plane: normalise → (tiles with overlap) → network → decode grid →
 * points in our convention (pixel centres at integers) with the cell probability as score.
 *
 * Tiling keeps memory bounded for images of any size (the original padded the whole image to
 * a power of two and ran one pass, which ran out of memory on large images). Tiles are
 * aligned to the network's input multiple, read `overlap` px of context on each side, and
 * keep only the spots whose centre falls in their core, so every spot is reported once.
 * The squeeze-excitation blocks pool globally, so tiled and untiled outputs differ slightly
 * (tested: the same spots within a small tolerance).
 */
import type { Detection, Plane } from '../types.js';
import type { Predictor } from '../engine/engine.js';
import { inputMultiple, type NetworkSpec } from '../network/spec.js';
import { decodeSpots } from '../grid/pixels.js';
import type { Normalization } from '../model/model.js';
import { zscore } from '../normalize/normalize.js';
import { mirrorIndex } from '../detect/logfilter.js';

export interface NeuralOptions {
  /** Probability threshold (strict >); default the model's. */
  threshold: number;
  normalization: Normalization;
  /** Largest tile edge in px (default 512). Images up to this size run in one pass. */
  tileSize: number;
  /** Context on each side of a tile's core in px (default 32). */
  overlap: number;
}

export const DEFAULT_TILE = 512;
export const DEFAULT_OVERLAP = 32;

/** Value at quantile q of the data (linear interpolation, NaNs excluded), on a copy. */
export function quantile(data: Float32Array, q: number): number {
  const s = Float32Array.from(data.filter((v) => !Number.isNaN(v))).sort();
  if (s.length === 0) return NaN;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/**
 * 'zscore': (x − mean)/std over the plane (the original's per-plane normalisation).
 * 'percentile': (x − P_low)/(P_high − P_low), robust to a few very bright pixels.
 */
export function normalizePlane(plane: Plane, n: Normalization): Float32Array {
  if (n.method === 'zscore') return zscore(plane).data;
  const lo = quantile(plane.data, n.low / 100);
  const hi = quantile(plane.data, n.high / 100);
  const scale = hi > lo ? 1 / (hi - lo) : 0;
  const out = new Float32Array(plane.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (plane.data[i] - lo) * scale;
  return out;
}

/** Window [r0, r0+h) × [c0, c0+w) of the plane, reflect-padded where it leaves the image. */
export function window(data: Float32Array, H: number, W: number, r0: number, c0: number, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let r = 0; r < h; r++) {
    const rr = mirrorIndex(r0 + r, H) * W;
    for (let c = 0; c < w; c++) out[r * w + c] = data[rr + mirrorIndex(c0 + c, W)];
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
  const x = normalizePlane(plane, opts.normalization);
  const overlap = roundUp(opts.overlap, m);
  const tile = Math.max(roundUp(opts.tileSize, m), 2 * overlap + m);
  const out: Detection[] = [];
  const run = async (r0: number, c0: number, h: number, w: number, keep: (r: number, c: number) => boolean) => {
    const input = window(x, H, W, r0, c0, h, w);
    const grid = await predictor.run(input, h, w);
    const { points, probabilities } = decodeSpots({ data: grid, nrow: h / cell, ncol: w / cell }, cell, opts.threshold);
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
  for (const [rs, re] of tileCores(H, core)) {
    for (const [cs, ce] of tileCores(W, core)) {
      const r0 = Math.max(0, rs - overlap);
      const c0 = Math.max(0, cs - overlap);
      const h = roundUp(Math.min(H, re + overlap) - r0, m);
      const w = roundUp(Math.min(W, ce + overlap) - c0, m);
      await run(r0, c0, h, w, (r, c) => inside(r, c) && r >= rs - 0.5 && r < re - 0.5 && c >= cs - 0.5 && c < ce - 0.5);
    }
  }
  return out;
}
