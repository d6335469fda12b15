/**
 * Where our pixel-centre convention meets the grid codec.
 *
 * Our coordinates put the centre of pixel (r, c) at (r, c), so an S×S image spans
 * [−0.5, S − 0.5). The codec (codec.ts, the original's maths) assumes cell k covers
 * [k·cell, (k+1)·cell). Shifting by +0.5 before encoding (and −0.5 after decoding) makes grid
 * cell k cover exactly the pixels k·cell … (k+1)·cell − 1, keeps the relative offsets in
 * [0, 1) for every position inside the image, and is undone exactly by decoding.
 */
import type { Point } from '../core/types.js';
import { decodeGrid, encodeGrid, type Grid } from './grid.js';

export const PIXEL_EDGE_OFFSET = 0.5;

/** Encodes spots of an H×W image (H, W multiples of cellSize) into its grid. */
export function encodeSpots(points: readonly Point[], height: number, width: number, cellSize: number): Grid {
  const shifted: Point[] = [];
  for (const [r, c] of points) {
    if (r < -0.5 || r >= height - 0.5 || c < -0.5 || c >= width - 0.5) continue; // outside the image
    shifted.push([r + PIXEL_EDGE_OFFSET, c + PIXEL_EDGE_OFFSET]);
  }
  return encodeGrid(shifted, height, { cellSize, sizeC: width, dtype: 'float32' });
}

/** Decodes a grid (any shape) with strict p > threshold; returns points in our convention. */
export function decodeSpots(grid: Grid, cellSize: number, threshold: number): { points: Point[]; probabilities: number[] } {
  // decodeGrid derives the cell size as imageSize // max(nrow, ncol, 3)
  const imageSize = cellSize * Math.max(grid.nrow, grid.ncol, 3);
  const d = decodeGrid(grid, imageSize, threshold);
  return { points: d.points.map(([r, c]) => [r - PIXEL_EDGE_OFFSET, c - PIXEL_EDGE_OFFSET]), probabilities: d.probabilities };
}

/** Distance (px) below which spots decoded from neighbouring cells are one spot (see detectSpots). */
export const MERGE_RADIUS = 1.5;
/** Distance (px) below which two sub-threshold neighbouring cells are one split spot. */
export const SPLIT_RADIUS = 3;
/** Cells below this probability are not candidates for a merge. */
export const CANDIDATE_P = 0.02;

/**
 * The grid's spots with p > threshold, after joining the cells that share one spot. A spot on
 * the border between two cells splits its probability between them (e.g. 0.30 + 0.19 for a
 * bright smFISH spot on a cell edge: neither passes 0.5, and each cell's position is pulled
 * into its own cell, 3 px apart), and a spot near a border can be claimed by both cells
 * (counted twice). Strongest first, a candidate (p > CANDIDATE_P) takes the candidates of the 8
 * neighbouring cells that are closer than MERGE_RADIUS, or closer than SPLIT_RADIUS when the
 * candidate alone is below the threshold (a split spot; a detected spot's position is never
 * pulled by weak neighbours farther than MERGE_RADIUS): p = min(1, Σ p) (the cells share one
 * spot's probability), position = p-weighted mean. Two detected spots closer than MERGE_RADIUS
 * are not resolvable by this grid decoding and become one.
 */
export function detectSpots(grid: Grid, cellSize: number, threshold: number): { points: Point[]; probabilities: number[] } {
  const cand = decodeSpots(grid, cellSize, Math.min(threshold, CANDIDATE_P));
  const n = cand.points.length;
  const cellOf = (p: Point) => [Math.floor((p[0] + PIXEL_EDGE_OFFSET) / cellSize), Math.floor((p[1] + PIXEL_EDGE_OFFSET) / cellSize)];
  const byCell = new Map<number, number>();
  const key = (i: number, j: number) => i * (grid.ncol + 2) + j;
  cand.points.forEach((p, k) => {
    const [i, j] = cellOf(p);
    byCell.set(key(i, j), k);
  });
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => cand.probabilities[b] - cand.probabilities[a]);
  const used = new Uint8Array(n);
  const points: Point[] = [];
  const probabilities: number[] = [];
  for (const k of order) {
    if (used[k]) continue;
    used[k] = 1;
    const [pr, pc] = cand.points[k];
    let w = cand.probabilities[k];
    let sr = w * pr;
    let sc = w * pc;
    const [ci, cj] = cellOf(cand.points[k]);
    for (let di = -1; di <= 1; di++) {
      for (let dj = -1; dj <= 1; dj++) {
        if (!di && !dj) continue;
        const o = byCell.get(key(ci + di, cj + dj));
        if (o === undefined || used[o]) continue;
        const [or, oc] = cand.points[o];
        const radius = cand.probabilities[k] > threshold ? MERGE_RADIUS : SPLIT_RADIUS;
        if ((or - pr) ** 2 + (oc - pc) ** 2 >= radius ** 2) continue;
        used[o] = 1;
        const q = cand.probabilities[o];
        w += q;
        sr += q * or;
        sc += q * oc;
      }
    }
    const p = Math.min(1, w);
    if (p > threshold) {
      points.push([sr / w, sc / w]);
      probabilities.push(p);
    }
  }
  return { points, probabilities };
}
