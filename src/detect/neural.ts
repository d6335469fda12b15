/**
 * Neural detection of one plane: normalise → (tiles with overlap) → network → decode grid →
 * refine each position (Gaussian-mask centroid on the normalised tile) → points in our
 * convention (pixel centres at integers) with the cell probability as score.
 *
 * Tiling (preprocess/tiles.ts) keeps memory bounded; normalisation (preprocess/normalize.ts)
 * is computed once per plane and applied tile by tile, so the only full-size array is the image
 * itself. Lean networks are local, so tiled and untiled outputs are identical; the paper
 * network's squeeze-excitation blocks pool globally, so there they differ slightly (tested:
 * the same spots within a small tolerance).
 */
import type { Plane, Spot } from '../core/types.js';
import type { Predictor } from '../engine/engine.js';
import { inputMultiple, type NetworkSpec } from '../network/spec.js';
import { detectSpots } from '../network/grid-spots.js';
import { normalizer, refinesByDefault, type Normalization } from '../preprocess/normalize.js';
import type { PlaneStats } from '../preprocess/check.js';
import { planTiles, type Tile } from '../preprocess/tiles.js';
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

/** The network's output on one tile, with the normalised input it saw (for the refinement). */
export interface TileOutput {
  tile: Tile;
  input: Float32Array;
  grid: Float32Array;
}

/** A plane's network outputs, tile by tile: everything the threshold-dependent steps need. */
export interface NeuralOutput {
  tiles: TileOutput[];
  cellSize: number;
  refine: boolean;
}

/**
 * The threshold-independent half of detection: normalise (once per plane; `stats` from the
 * check before detection saves a pass) → tiles → network. The viewer keeps this and decodes
 * again at every threshold (spotsAtThreshold), without running the network again.
 */
export async function runNetworkTiles(
  plane: Plane,
  spec: NetworkSpec,
  predictor: Predictor,
  opts: Omit<NeuralOptions, 'threshold'>,
  stats?: PlaneStats,
): Promise<NeuralOutput> {
  const norm = normalizer(plane, opts.normalization, stats);
  const tiles = planTiles(plane.height, plane.width, opts.tileSize, opts.overlap, inputMultiple(spec));
  const out: TileOutput[] = [];
  for (const tile of tiles) {
    const input = norm(tile.r0, tile.c0, tile.h, tile.w);
    out.push({ tile, input, grid: await predictor.run(input, tile.h, tile.w) });
    if (tiles.length > 1) opts.progress?.(out.length, tiles.length);
  }
  return { tiles: out, cellSize: spec.config.cellSize, refine: opts.refine ?? refinesByDefault(opts.normalization) };
}

/** The threshold-dependent half: grid decoding (strict p > threshold) → centroid refinement → the spots in each tile's core. */
export function spotsAtThreshold(output: NeuralOutput, threshold: number): Spot[] {
  const cell = output.cellSize;
  const out: Spot[] = [];
  for (const { tile, input, grid } of output.tiles) for (const s of tileSpots(tile, input, grid, cell, threshold, output.refine)) out.push(s);
  return out;
}

function tileSpots(tile: Tile, input: Float32Array, grid: Float32Array, cell: number, threshold: number, refine: boolean): Spot[] {
  const { r0, c0, h, w, rs, re, cs, ce } = tile;
  const { points, probabilities } = detectSpots({ data: grid, nrow: h / cell, ncol: w / cell }, cell, threshold);
  if (refine) points.forEach((p, k) => (points[k] = gaussianMaskCentroid(input, h, w, p[0], p[1])));
  const out: Spot[] = [];
  points.forEach(([r, c], k) => {
    const y = r + r0;
    const x = c + c0;
    // keep the spots whose centre lies in this tile's core (and in the image)
    if (y >= rs - 0.5 && y < re - 0.5 && x >= cs - 0.5 && x < ce - 0.5) out.push({ y, x, score: probabilities[k] });
  });
  return out;
}

/**
 * Spots of one plane found by the network: normalise → tiles → network → grid decoding →
 * centroid refinement. Tile by tile, so only one tile's input and output are held at a time.
 */
export async function detectNeural(plane: Plane, spec: NetworkSpec, predictor: Predictor, opts: NeuralOptions, stats?: PlaneStats): Promise<Spot[]> {
  const cell = spec.config.cellSize;
  const norm = normalizer(plane, opts.normalization, stats);
  const refine = opts.refine ?? refinesByDefault(opts.normalization);
  const tiles = planTiles(plane.height, plane.width, opts.tileSize, opts.overlap, inputMultiple(spec));
  const out: Spot[] = [];
  let done = 0;
  for (const tile of tiles) {
    const input = norm(tile.r0, tile.c0, tile.h, tile.w);
    const grid = await predictor.run(input, tile.h, tile.w);
    for (const s of tileSpots(tile, input, grid, cell, opts.threshold, refine)) out.push(s);
    if (tiles.length > 1) opts.progress?.(++done, tiles.length);
  }
  return out;
}
