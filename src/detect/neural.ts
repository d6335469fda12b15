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
import type { NoiseGlobals } from '../preprocess/noise.js';
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

/**
 * A box cut from a larger plane, and the part of the whole plane whose spots are wanted from it
 * (pipeline/parts.ts). Coordinates in the whole plane; the box starts on the noise model's block
 * grid and reaches far enough around the core for every step to see what it sees in the whole.
 */
export interface PlanePart {
  /** The box's first row and column in the whole plane. */
  y0: number;
  x0: number;
  /** The whole plane's rows and columns. */
  height: number;
  width: number;
  /** The part's core [rs, re) × [cs, ce): its share of the whole plane's spots. */
  rs: number;
  re: number;
  cs: number;
  ce: number;
  /** The whole plane's noise-model quantities (preprocess/noise.ts). */
  globals: NoiseGlobals;
}

/** Spots of a part, in whole-plane coordinates, with the key that orders them as the whole plane's run does. */
export interface PartSpots {
  spots: Spot[];
  /** Per spot: the whole run's order is ascending key (tile index · 2^24 + rank in the tile). */
  keys: number[];
}

/** The network's tiles of the whole plane that lie in a part's core, with their index in the whole plane's tiling. */
export function partTiles(
  part: Omit<PlanePart, 'y0' | 'x0' | 'globals'>,
  spec: NetworkSpec,
  opts: Pick<NeuralOptions, 'tileSize' | 'overlap'>,
): { tile: Tile; index: number }[] {
  return planTiles(part.height, part.width, opts.tileSize, opts.overlap, inputMultiple(spec))
    .map((tile, index) => ({ tile, index }))
    .filter(({ tile: t }) => t.rs >= part.rs && t.re <= part.re && t.cs >= part.cs && t.ce <= part.ce);
}

/**
 * The spots of the tiles in a part's core, computed from `box` (the part's box of the whole plane)
 * exactly as detectNeural computes them on the whole plane: the same tiles, the same normalised
 * windows (the noise model's plane-wide quantities come from `part.globals`), the same network
 * inputs, positions added to the same whole-plane tile origin.
 */
export async function detectNeuralPart(box: Plane, part: PlanePart, spec: NetworkSpec, predictor: Predictor, opts: NeuralOptions): Promise<PartSpots> {
  const cell = spec.config.cellSize;
  const norm = normalizer(box, opts.normalization, undefined, part.globals);
  const refine = opts.refine ?? refinesByDefault(opts.normalization);
  const tiles = partTiles(part, spec, opts);
  const spots: Spot[] = [];
  const keys: number[] = [];
  let done = 0;
  for (const { tile, index } of tiles) {
    const input = norm(tile.r0 - part.y0, tile.c0 - part.x0, tile.h, tile.w);
    const grid = await predictor.run(input, tile.h, tile.w);
    tileSpots(tile, input, grid, cell, opts.threshold, refine).forEach((s, k) => {
      spots.push(s);
      keys.push(index * 2 ** 24 + k);
    });
    if (tiles.length > 1) opts.progress?.(++done, tiles.length);
  }
  return { spots, keys };
}
